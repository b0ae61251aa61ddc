import { describe, expect, it } from 'vitest';
import { PANELS } from '../../../../src/display/panels.js';
import { makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

const RESET = ['rst 1', 'rst 0', 'rst 1', 'busy'];

function cmdData(rig: ReturnType<typeof makeRig>, cmd: number): number[][] {
  return rig.device.transcript.flatMap((o) => (o.op === 'cmd' && o.cmd === cmd ? [o.data] : []));
}

describe('SSD1683 4.2" V2 (400x300): two RAM planes', () => {
  const info = PANELS['waveshare-4in2-v2'];

  it('full update bypasses RED (0x21 40 00) and sends 15000-byte planes in chunks of at most 4096', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 11);
    await rig.show(a, 'full');
    expect(rig.device.lines()).toEqual([
      ...RESET,
      'cmd 12',
      'busy',
      'cmd 01 2b 01 00',
      'cmd 11 03',
      'cmd 3c 05',
      'cmd 21 40 00',
      'cmd 18 80',
      'cmd 44 00 31',
      'cmd 45 00 00 2b 01',
      'cmd 4e 00',
      'cmd 4f 00 00',
      'cmd 24 [15000 bytes]',
      'cmd 44 00 31',
      'cmd 45 00 00 2b 01',
      'cmd 4e 00',
      'cmd 4f 00 00',
      'cmd 26 [15000 bytes]',
      'cmd 22 f7',
      'cmd 20',
      'busy',
      'cmd 10 01',
    ]);
    const big = rig.device.transfers.filter((n) => n > 64);
    expect(big).toEqual([4096, 4096, 4096, 2712, 4096, 4096, 4096, 2712]);
    expect(Math.max(...rig.device.transfers)).toBeLessThanOrEqual(4096);
    expect(cmdData(rig, 0x24)).toEqual([Array.from(a.data, (b) => ~b & 0xff)]);
    expect(rig.device.screen).toEqual(a.data);
    expect(rig.device.violations).toEqual([]);
  });

  it('partial update compares against RED (0x21 00 00) and runs 0xFF', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 12);
    const b = withBox(a, 300, 280, 100, 20); // bytes 37..49, rows 280..299: the bottom-right corner
    await rig.show(a, 'full');
    rig.device.clearRecords();
    await rig.show(b, 'partial');
    const lines = rig.device.lines();
    expect(lines).toContain('cmd 21 00 00');
    expect(lines).toContain('cmd 3c 80');
    expect(lines.filter((l) => l === 'cmd 44 25 31')).toHaveLength(2);
    expect(lines.filter((l) => l === 'cmd 45 18 01 2b 01')).toHaveLength(2);
    expect(lines.filter((l) => /^cmd 2[46] \[260 bytes\]$/.test(l))).toHaveLength(2);
    expect(lines.slice(-9)).toEqual([
      'cmd 22 ff',
      'cmd 20',
      'busy',
      'cmd 44 25 31',
      'cmd 45 18 01 2b 01',
      'cmd 4e 25',
      'cmd 4f 18 01',
      'cmd 26 [260 bytes]',
      'cmd 10 01',
    ]);
    expect(rig.device.screen).toEqual(b.data);
    expect(rig.device.violations).toEqual([]);
  });
});

describe('UC8179 7.5" V2 (800x480): BUSY active low', () => {
  const info = PANELS['waveshare-7in5-v2'];

  it('full update: power setting, booster, power on, OTP panel setting, old = inverse, new = ink, refresh, power off, deep sleep', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 21);
    await rig.show(a, 'full');
    expect(rig.device.lines()).toEqual([
      ...RESET,
      'cmd 01 07 07 3f 3f',
      'cmd 06 17 17 28 17',
      'cmd 04',
      'busy',
      'cmd 00 1f',
      'cmd 61 03 20 01 e0',
      'cmd 15 00',
      'cmd 50 10 07',
      'cmd 60 22',
      'cmd 10 [48000 bytes]',
      'cmd 13 [48000 bytes]',
      'cmd 12',
      'busy',
      'cmd 50 f7',
      'cmd 02',
      'busy',
      'cmd 07 a5',
    ]);
    const [neu, old] = [cmdData(rig, 0x13), cmdData(rig, 0x10)];
    expect([neu.length, old.length]).toEqual([1, 1]);
    expect(Buffer.from(neu[0]!).equals(Buffer.from(a.data))).toBe(true);
    expect(Buffer.from(old[0]!).equals(Buffer.from(a.data.map((b) => ~b & 0xff)))).toBe(true);
    expect(rig.device.transfers.filter((n) => n > 64)).toEqual([...Array<number>(11).fill(4096), 2944, ...Array<number>(11).fill(4096), 2944]);
    expect(Buffer.from(rig.device.screen).equals(Buffer.from(a.data))).toBe(true);
    expect(rig.device.violations).toEqual([]);
    expect(rig.device.asleep).toBe(true);
  });

  it('partial update: the fast OTP partial waveform (0xE0 02, 0xE5 6E, 0x50 A9 07), 0x91, 0x90 with byte-aligned x, window data, 0x12, 0x92', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 22);
    const b = withBox(a, 100, 200, 60, 32); // x 100..159 -> bytes 12..19 (x 96..159), rows 200..231
    await rig.show(a, 'full');
    rig.device.clearRecords();
    await rig.show(b, 'partial');
    expect(rig.device.lines()).toEqual([
      ...RESET,
      'cmd 01 07 07 3f 3f',
      'cmd 06 17 17 28 17',
      'cmd 04',
      'busy',
      'cmd 00 1f',
      'cmd 61 03 20 01 e0',
      'cmd 15 00',
      'cmd 50 a9 07',
      'cmd 60 22',
      'cmd e0 02',
      'cmd e5 6e',
      'cmd 91',
      'cmd 90 00 60 00 9f 00 c8 00 e7 01',
      'cmd 10 [256 bytes]',
      'cmd 13 [256 bytes]',
      'cmd 12',
      'busy',
      'cmd 92',
      'cmd 50 f7',
      'cmd 02',
      'busy',
      'cmd 07 a5',
    ]);
    expect(Buffer.from(rig.device.screen).equals(Buffer.from(b.data))).toBe(true);
    expect(rig.device.refreshes).toEqual({ full: 1, partial: 1 });
    expect(rig.device.refreshLog.at(-1)).toMatchObject({ kind: 'partial', waveform: 'partial', busyMs: rig.device.timing.partialMs });
    expect(rig.device.violations).toEqual([]);
  });
});
