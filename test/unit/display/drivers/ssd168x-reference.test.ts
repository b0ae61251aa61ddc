/**
 * The SSD1680/SSD1683 drivers against the reference drivers, byte for byte where the references
 * agree, and the RAM invariant the differential partial waveform needs (0x26 = what the panel
 * shows, everywhere) checked by the stricter controller model.
 *
 * Reference sequences below are facts copied from:
 * - waveshareteam/e-Paper RaspberryPi_JetsonNano/python/lib/waveshare_epd/epd2in9_V2.py
 *   (WF_PARTIAL_2IN9: 153 LUT bytes, then EOPT, VGH, VSH1, VSH2, VSL, VCOM; SetLut())
 * - ZinggJM/GxEPD2 src/GxEPD2_BW.h display(): writeImage (0x24), refresh, writeImageAgain (0x26)
 */
import { describe, expect, it } from 'vitest';
import { LUT_2IN9_V2_PARTIAL } from '../../../../src/display/drivers/ssd1680.js';
import { PANELS } from '../../../../src/display/panels.js';
import { makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

/** WF_PARTIAL_2IN9 from Waveshare epd2in9_V2.py (159 bytes). */
const WAVESHARE_WF_PARTIAL_2IN9 = [
  ...[0x00, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ...[0x80, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ...[0x40, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ...[0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
  ...new Array<number>(12).fill(0),
  ...[0x0a, 0, 0, 0, 0, 0, 0x01],
  ...[0x01, 0, 0, 0, 0, 0, 0],
  ...[0x01, 0, 0, 0, 0, 0, 0],
  ...new Array<number>(9 * 7).fill(0),
  ...[0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x00, 0x00, 0x00],
  ...[0x22, 0x17, 0x41, 0xb0, 0x32, 0x36],
];

function cmds(rig: ReturnType<typeof makeRig>): { cmd: number; data: number[] }[] {
  return rig.device.transcript.flatMap((o) => (o.op === 'cmd' ? [{ cmd: o.cmd, data: o.data }] : []));
}

describe('SSD1680 2.9" V2 partial waveform against Waveshare epd2in9_V2.py', () => {
  const info = PANELS['waveshare-2in9-v2'];

  it('loads WF_PARTIAL_2IN9 and its voltages: 0x32 (153), 0x3F, 0x03, 0x04 (3), 0x2C, in that order', async () => {
    expect(WAVESHARE_WF_PARTIAL_2IN9).toHaveLength(159);
    expect([...LUT_2IN9_V2_PARTIAL]).toEqual(WAVESHARE_WF_PARTIAL_2IN9.slice(0, 153));
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 31);
    await rig.show(a, 'full');
    rig.device.clearRecords();
    await rig.show(withBox(a, 8, 100, 16, 16), 'partial');
    const c = cmds(rig);
    const i = c.findIndex((x) => x.cmd === 0x32);
    expect(i).toBeGreaterThan(0);
    const lut = WAVESHARE_WF_PARTIAL_2IN9;
    expect(c.slice(i, i + 5)).toEqual([
      { cmd: 0x32, data: lut.slice(0, 153) },
      { cmd: 0x3f, data: [lut[153]] },
      { cmd: 0x03, data: [lut[154]] },
      { cmd: 0x04, data: lut.slice(155, 158) },
      { cmd: 0x2c, data: [lut[158]] },
    ]);
    expect(rig.device.violations).toEqual([]);
  });
});

describe.each(['waveshare-2in13-v4', 'waveshare-2in9-v2', 'waveshare-4in2-v2'] as const)(
  '%s: both RAM planes hold the displayed image after every update',
  (id) => {
    const info = PANELS[id];

    it('full, then partial in window A, then partial in window B: no stale 0x26 in A (no pixel driven twice)', async () => {
      const rig = makeRig(id);
      const a = noiseFrame(info.width, info.height, 41);
      const b = withBox(a, 16, 20, 24, 16); // window A
      const c = withBox(b, 64, 200, 32, 24); // window B, disjoint from A
      await rig.show(a, 'full');
      await rig.show(b, 'partial');
      await rig.show(c, 'partial');
      await rig.show(withBox(c, 16, 228, 16, 8), 'partial');
      expect(rig.device.violations).toEqual([]);
      expect(rig.device.refreshes).toEqual({ full: 1, partial: 3 });
    });

    it('a partial sends the new window to 0x24, refreshes, then writes the same window to 0x26 (GxEPD2 writeImageAgain)', async () => {
      const rig = makeRig(id);
      const a = noiseFrame(info.width, info.height, 42);
      await rig.show(a, 'full');
      rig.device.clearRecords();
      await rig.show(withBox(a, 40, 100, 24, 24), 'partial');
      const c = cmds(rig).map((x) => x.cmd);
      const activate = c.lastIndexOf(0x20);
      expect(c.slice(0, activate).filter((x) => x === 0x24 || x === 0x26)).toEqual([0x24]);
      expect(c.slice(activate)).toEqual([0x20, 0x44, 0x45, 0x4e, 0x4f, 0x26, 0x10]);
      const data = (cmd: number): number[] => cmds(rig).find((x) => x.cmd === cmd)?.data ?? [];
      expect(data(0x26)).toEqual(data(0x24));
      expect(rig.device.violations).toEqual([]);
    });
  },
);
