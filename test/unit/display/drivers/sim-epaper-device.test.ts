import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.js';
import { SimEpaperDevice } from '../../../../src/display/drivers/sim-epaper-device.js';
import { SimGpio } from '../../../../src/signal/drivers/sim-gpio.js';
import { runOnClock } from '../../../helpers/drive-clock.js';
import { PINS } from '../../../helpers/epaper-rig.js';

/** The simulator must be able to catch a bad driver, or the driver tests prove nothing. */
function rig(controller: 'ssd1680' | 'uc8179' = 'ssd1680', otpPartialWaveform = true) {
  const clock = new FakeClock();
  const gpio = new SimGpio({ clock });
  const device = new SimEpaperDevice({ gpio, clock, pins: PINS, controller, otpPartialWaveform, width: 16, height: 4 });
  const io = async () => ({ rst: await gpio.output(PINS.rst, { initial: 1 }), dc: await gpio.output(PINS.dc) });
  const cmd = async (dc: { write(v: 0 | 1): Promise<void> }, c: number, data: number[] = []) => {
    await dc.write(0);
    await device.transfer(Uint8Array.of(c));
    if (data.length > 0) {
      await dc.write(1);
      await device.transfer(Uint8Array.from(data));
    }
  };
  const reset = async (r: { write(v: 0 | 1): Promise<void> }) => {
    await r.write(0);
    await r.write(1);
    await runOnClock(clock, new Promise<void>((res) => clock.setTimeout(res, 10)));
  };
  return { clock, gpio, device, io, cmd, reset };
}

describe('SimEpaperDevice', () => {
  it('flags traffic before the first reset (deep sleep) and while BUSY', async () => {
    const s = rig();
    const { rst, dc } = await s.io();
    await s.cmd(dc, 0x12);
    expect(s.device.violations).toEqual(['SPI transfer of 1 bytes while in deep sleep']);
    await s.reset(rst);
    await s.cmd(dc, 0x12); // software reset: BUSY for a while
    await s.cmd(dc, 0x11, [0x03]); // not waiting
    expect(s.device.violations.at(-1)).toBe('SPI transfer of 1 bytes while BUSY');
    expect(s.gpio.level(PINS.busy)).toBe(1);
  });

  it('shows garbage when a partial refresh has the wrong previous image in RED RAM', async () => {
    const s = rig();
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x24, [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]); // all black...
    await s.cmd(dc, 0x26, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]); // ...over "white" (a lie)
    await s.cmd(dc, 0x22, [0xff]);
    await s.cmd(dc, 0x20);
    // RAM planes are 2x4 bytes; only the first 8 bytes were written, the rest of RAM is undefined power-up content.
    expect(Array.from(s.device.screen.subarray(0, 4))).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(s.device.refreshes.partial).toBe(1);
  });

  it('refuses a partial refresh from OTP on a panel that has no partial waveform there', async () => {
    const s = rig('ssd1680', false);
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x22, [0xff]);
    await s.cmd(dc, 0x20);
    expect(s.device.violations[0]).toBe('partial refresh with the OTP waveform, but this panel has none in OTP');
  });

  it('SSD168x: flags a partial refresh whose 0x26 differs from the displayed image, even outside the RAM window', async () => {
    const s = rig();
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x24, new Array<number>(8).fill(0xff)); // white, both planes: 2x4 bytes
    await s.cmd(dc, 0x26, new Array<number>(8).fill(0xff));
    await s.cmd(dc, 0x22, [0xf7]);
    await s.cmd(dc, 0x20); // full: the panel shows white
    await s.reset(rst);
    await s.cmd(dc, 0x44, [0, 0]); // window: byte column 0 only
    await s.cmd(dc, 0x24, [0x00, 0x00, 0x00, 0x00]); // ink in column 0; 0x26 not rewritten there (fine: it is white = shown)
    await s.cmd(dc, 0x22, [0xff]);
    await s.cmd(dc, 0x20); // partial: column 0 black, 0x26 still white: stale now
    expect(s.device.violations).toEqual([]);
    await s.reset(rst);
    await s.cmd(dc, 0x44, [1, 1]);
    await s.cmd(dc, 0x4e, [1]);
    await s.cmd(dc, 0x24, [0x00, 0x00, 0x00, 0x00]);
    await s.cmd(dc, 0x22, [0xff]);
    await s.cmd(dc, 0x20);
    expect(s.device.violations).toEqual([
      'partial refresh with the previous-image RAM (0x26) differing from the displayed image in 4 bytes, first at (byte 0, row 0): those pixels are driven again',
    ]);
  });

  it('SSD168x: flags a refresh from a RAM LUT on power-on default voltages', async () => {
    const s = rig('ssd1680', false);
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x32, new Array<number>(153).fill(0));
    await s.cmd(dc, 0x3f, [0x22]);
    await s.cmd(dc, 0x22, [0xc7]); // display mode 1 from the RAM LUT
    await s.cmd(dc, 0x20);
    expect(s.device.violations).toEqual(['refresh from a RAM LUT on power-on default voltages: 0x03, 0x04, 0x2c not written']);
  });

  it('UC8179: a fast partial (0xE0 02, 0xE5 6E) whose old data is not the displayed image is flagged, and moves only the pixels where old and new differ', async () => {
    const s = rig('uc8179');
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x00, [0x1f]);
    await s.cmd(dc, 0x61, [0x00, 0x10, 0x00, 0x04]);
    await s.cmd(dc, 0x50, [0xa9, 0x07]); // DDX 01: 1 = white; N2OCP
    await s.cmd(dc, 0xe0, [0x02]);
    await s.cmd(dc, 0xe5, [0x6e]);
    await s.cmd(dc, 0x04);
    await runOnClock(s.clock, new Promise<void>((res) => s.clock.setTimeout(res, 100)));
    // The screen is white (power-up), so old must be all 1s; power-up RAM (0x5a) is not.
    await s.cmd(dc, 0x13, new Array<number>(8).fill(0x00));
    await s.cmd(dc, 0x12);
    expect(s.device.violations).toEqual(['fast partial refresh with old data (0x10) differing from the displayed image in 8 bytes']);
    expect(s.device.refreshLog).toMatchObject([{ kind: 'full', waveform: 'partial', busyMs: s.device.timing.partialMs }]);
    // Differential: only the pixels where new (0x00: all black) differs from old (0x5a) moved.
    expect(Array.from(s.device.screen)).toEqual(new Array<number>(8).fill(0x5a));
  });

  it('UC8179: refuses a refresh while powered off and a window that is not byte-aligned', async () => {
    const s = rig('uc8179');
    const { rst, dc } = await s.io();
    await s.reset(rst);
    await s.cmd(dc, 0x91);
    await s.cmd(dc, 0x90, [0, 3, 0, 7, 0, 0, 0, 1, 1]);
    await s.cmd(dc, 0x12);
    expect(s.device.violations).toEqual([
      expect.stringMatching(/^partial window .* is not byte-aligned/),
      'refresh while the panel is powered off',
      'refresh without the OTP waveform selected (panel setting REG must be 0)',
      'refresh without the resolution set',
    ]);
  });
});
