import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../../src/core/errors.js';
import { LUT_2IN9_V2_PARTIAL } from '../../../../src/display/drivers/ssd1680.js';
import { PANELS } from '../../../../src/display/panels.js';
import { makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

/** Bytes of a byte-aligned window of `data`, optionally inverted (SSD RAM: 1 = white). */
function window(data: Uint8Array, stride: number, xb: number, bytes: number, y: number, rows: number, invert: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < bytes; i++) out.push(invert ? ~(data[(y + r) * stride + xb + i] ?? 0) & 0xff : (data[(y + r) * stride + xb + i] ?? 0));
  return out;
}

function cmdData(rig: ReturnType<typeof makeRig>, cmd: number): number[][] {
  return rig.device.transcript.flatMap((o) => (o.op === 'cmd' && o.cmd === cmd ? [o.data] : []));
}

const RESET = ['rst 1', 'rst 0', 'rst 1', 'busy'];

describe('SSD1680 2.13" V4 (122x250)', () => {
  const info = PANELS['waveshare-2in13-v4'];

  it('full update: reset, SWRESET, init, both RAM planes, OTP full waveform 0xF7, deep sleep', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 1);
    await rig.show(a, 'full');
    const win = ['cmd 44 00 0f', 'cmd 45 00 00 f9 00', 'cmd 4e 00', 'cmd 4f 00 00'];
    expect(rig.device.lines()).toEqual([
      ...RESET,
      'cmd 12',
      'busy',
      'cmd 01 f9 00 00',
      'cmd 11 03',
      'cmd 3c 05',
      'cmd 21 00 80',
      'cmd 18 80',
      ...win,
      'cmd 24 [4000 bytes]',
      ...win,
      'cmd 26 [4000 bytes]',
      'cmd 22 f7',
      'cmd 20',
      'busy',
      'cmd 10 01',
    ]);
    const inverted = Array.from(a.data, (b) => ~b & 0xff);
    expect(cmdData(rig, 0x24)).toEqual([inverted]);
    expect(cmdData(rig, 0x26)).toEqual([inverted]);
    expect(rig.device.violations).toEqual([]);
    expect(rig.device.screen).toEqual(a.data);
    expect(rig.device.asleep).toBe(true);
    expect(rig.panel.stats).toMatchObject({ full: 1, partial: 0, resets: 1 });
  });

  it('partial update writes only the changed window: new image to 0x24, 0xFF, then the same window to 0x26', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 2);
    const b = withBox(a, 40, 100, 24, 24); // bytes 5..7, rows 100..123
    await rig.show(a, 'full');
    rig.device.clearRecords();
    await rig.show(b, 'partial');
    const win = ['cmd 44 05 07', 'cmd 45 64 00 7b 00', 'cmd 4e 05', 'cmd 4f 64 00'];
    expect(rig.device.lines(80)).toEqual([
      ...RESET,
      'cmd 12',
      'busy',
      'cmd 01 f9 00 00',
      'cmd 11 03',
      'cmd 3c 80',
      'cmd 21 00 80',
      'cmd 18 80',
      ...win,
      expect.stringMatching(/^cmd 24( [0-9a-f]{2}){72}$/),
      'cmd 22 ff',
      'cmd 20',
      'busy',
      ...win,
      expect.stringMatching(/^cmd 26( [0-9a-f]{2}){72}$/),
      'cmd 10 01',
    ]);
    expect(cmdData(rig, 0x26)).toEqual([window(b.data, 16, 5, 3, 100, 24, true)]);
    expect(cmdData(rig, 0x24)).toEqual([window(b.data, 16, 5, 3, 100, 24, true)]);
    expect(rig.device.violations).toEqual([]);
    expect(rig.device.screen).toEqual(b.data);
    expect(rig.device.refreshes).toEqual({ full: 1, partial: 1 });
    expect(rig.panel.stats.lastShowBytes).toBe(rig.device.transfers.reduce((s, n) => s + n, 0));
  });

  it('a partial request with nothing changed sends nothing', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 3);
    await rig.show(a, 'full');
    rig.device.clearRecords();
    await rig.show({ ...a, data: a.data.slice() }, 'partial');
    expect(rig.device.transcript).toEqual([]);
    expect(rig.panel.stats.unchanged).toBe(1);
  });

  it('the first update is full even when partial is asked for (RAM and screen are unknown)', async () => {
    const rig = makeRig(info.id);
    await rig.show(noiseFrame(info.width, info.height, 4), 'partial');
    expect(rig.device.lines()).toContain('cmd 22 f7');
    expect(rig.device.refreshes).toEqual({ full: 1, partial: 0 });
  });

  it('refuses a second show() while an update is in progress (the scheduler serialises them)', async () => {
    const rig = makeRig(info.id);
    const first = rig.show(noiseFrame(info.width, info.height, 8), 'full');
    const err = await rig.panel.show(noiseFrame(info.width, info.height, 9), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'INTERNAL')).toBe(true);
    await first;
    expect(rig.device.refreshes.full).toBe(1);
    expect(rig.device.violations).toEqual([]);
  });

  it('rejects a frame of the wrong size with PANEL_FRAME_SIZE and sends nothing', async () => {
    const rig = makeRig(info.id);
    const err = await rig.show(noiseFrame(250, 122, 5), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'PANEL_FRAME_SIZE')).toBe(true);
    expect(rig.device.transcript).toEqual([]);
  });

  it('drives the HAT power pin when one is configured, and drops it on close', async () => {
    const rig = makeRig(info.id, { pwr: 18 });
    await rig.show(noiseFrame(info.width, info.height, 6), 'full');
    expect(rig.gpio.level(18)).toBe(1);
    await rig.panel.close();
    expect(rig.gpio.level(18)).toBe(0);
    expect([17, 25, 24, 18].map((p) => rig.gpio.isOpen(p))).toEqual([false, false, false, false]);
    const err = await rig.panel.show(noiseFrame(info.width, info.height, 6), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'PANEL_IO')).toBe(true);
  });
});

describe('SSD1680 2.9" V2 (128x296): no partial waveform in OTP', () => {
  const info = PANELS['waveshare-2in9-v2'];

  it('the partial LUT has the 153 bytes 0x32 takes', () => {
    expect(LUT_2IN9_V2_PARTIAL).toHaveLength(153);
    expect(LUT_2IN9_V2_PARTIAL.slice(60, 67)).toEqual([0x0a, 0, 0, 0, 0, 0, 0x01]); // Waveshare WF_PARTIAL_2IN9
    expect(LUT_2IN9_V2_PARTIAL.slice(0, 2)).toEqual([0x00, 0x40]);
    expect(LUT_2IN9_V2_PARTIAL.slice(144)).toEqual([0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0, 0, 0]);
  });

  it('full update uses 296 gates and the OTP waveform; partial loads the LUT and runs 0xCF', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 7);
    await rig.show(a, 'full');
    expect(rig.device.lines()).toEqual(expect.arrayContaining(['cmd 01 27 01 00', 'cmd 24 [4736 bytes]', 'cmd 26 [4736 bytes]', 'cmd 22 f7']));
    rig.device.clearRecords();
    const b = withBox(a, 8, 280, 16, 16);
    await rig.show(b, 'partial');
    const lines = rig.device.lines(200);
    const i32 = lines.findIndex((l) => l.startsWith('cmd 32 '));
    expect(i32).toBeGreaterThan(lines.indexOf('cmd 18 80'));
    expect(cmdData(rig, 0x32)).toEqual([[...LUT_2IN9_V2_PARTIAL]]);
    expect(lines.slice(-9)).toEqual([
      'cmd 22 cf',
      'cmd 20',
      'busy',
      'cmd 44 01 02',
      'cmd 45 18 01 27 01',
      'cmd 4e 01',
      'cmd 4f 18 01',
      expect.stringMatching(/^cmd 26( [0-9a-f]{2}){32}$/),
      'cmd 10 01',
    ]);
    expect(lines).toContain('cmd 44 01 02');
    expect(lines).toContain('cmd 45 18 01 27 01');
    expect(rig.device.violations).toEqual([]);
    expect(rig.device.screen).toEqual(b.data);
  });
});
