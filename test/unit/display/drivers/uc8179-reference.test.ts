/**
 * The UC8179 (7.5" V2) driver against the reference drivers, and the stricter controller model:
 * the fast partial waveform in OTP is selected by a forced temperature and is differential, so the
 * old data must be what the panel shows.
 *
 * Reference sequences below are facts copied from:
 * - waveshareteam/e-Paper RaspberryPi_JetsonNano/python/lib/waveshare_epd/epd7in5_V2.py
 *   (init: 0x06 booster; init_part: 0xE0 0x02, 0xE5 0x6E; display_Partial: 0x50 0xA9 0x07;
 *   sleep: 0x50 0xF7, 0x02, 0x07 0xA5)
 * - ZinggJM/GxEPD2 src/gdey/GxEPD2_750_GDEY075T7.cpp (_InitDisplay booster; _Init_Part from OTP)
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.js';
import { silentLogger } from '../../../../src/core/logger.js';
import { displayConfigSchema } from '../../../../src/display/config.js';
import { realPanelOpener } from '../../../../src/display/drivers/panel-drivers.js';
import { SimEpaperDevice } from '../../../../src/display/drivers/sim-epaper-device.js';
import { Uc8179Panel, Waveshare7in5V2 } from '../../../../src/display/drivers/uc8179.js';
import type { Frame } from '../../../../src/display/frame.js';
import { PANELS } from '../../../../src/display/panels.js';
import { SimGpio } from '../../../../src/signal/drivers/sim-gpio.js';
import { runOnClock } from '../../../helpers/drive-clock.js';
import { PINS, makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

const info = PANELS['waveshare-7in5-v2'];
const BOOSTER = [0x17, 0x17, 0x28, 0x17]; // epd7in5_V2.py init() and GDEY075T7 _InitDisplay()
const FAST_PARTIAL = [
  [0xe0, 0x02],
  [0xe5, 0x6e],
]; // epd7in5_V2.py init_part(), GDEY075T7 _Init_Part() useFastPartialUpdateFromOTP
const CDI_PARTIAL = [0x50, 0xa9, 0x07]; // epd7in5_V2.py display_Partial()
const SLEEP = ['cmd 50 f7', 'cmd 02', 'busy', 'cmd 07 a5']; // epd7in5_V2.py sleep()

const hex = (b: number[]): string => b.map((n) => n.toString(16).padStart(2, '0')).join(' ');

function batchRig(opts: { fastPartialInOtp: boolean; fastPartial?: boolean }) {
  const clock = new FakeClock();
  const gpio = new SimGpio({ clock });
  const device = new SimEpaperDevice({
    gpio,
    clock,
    pins: PINS,
    controller: 'uc8179',
    fastPartialInOtp: opts.fastPartialInOtp,
    width: info.width,
    height: info.height,
  });
  const panel = new Waveshare7in5V2({
    spi: device,
    gpio,
    clock,
    logger: silentLogger,
    pins: PINS,
    busyTimeoutMs: 30_000,
    ...(opts.fastPartial === undefined ? {} : { fastPartial: opts.fastPartial }),
  });
  return { device, panel, show: (f: Frame, m: 'full' | 'partial') => runOnClock(clock, panel.show(f, m)) };
}

describe('UC8179 7.5" V2 against Waveshare epd7in5_V2.py and GxEPD2_750_GDEY075T7', () => {
  it('init writes the current booster soft start, and 0x50 0xF7 goes before power off and deep sleep', async () => {
    const rig = makeRig(info.id);
    await rig.show(noiseFrame(info.width, info.height, 51), 'full');
    const lines = rig.device.lines();
    expect(lines).toContain(`cmd 06 ${hex(BOOSTER)}`);
    expect(lines.slice(-4)).toEqual(SLEEP);
    expect(rig.device.violations).toEqual([]);
  });

  it('a partial selects the fast OTP partial waveform and takes the partial time, not a full-waveform flash', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 52);
    await rig.show(a, 'full');
    rig.device.clearRecords();
    const b = withBox(a, 300, 100, 120, 40);
    await rig.show(b, 'partial');
    const lines = rig.device.lines();
    for (const [cmd, v] of FAST_PARTIAL) expect(lines).toContain(`cmd ${hex([cmd!, v!])}`);
    expect(lines).toContain(`cmd ${hex(CDI_PARTIAL)}`);
    expect(rig.device.refreshLog).toMatchObject([{ kind: 'partial', waveform: 'partial', busyMs: rig.device.timing.partialMs }]);
    expect(Buffer.from(rig.device.screen).equals(Buffer.from(b.data))).toBe(true);
    expect(rig.device.violations).toEqual([]);
  });

  it('successive fast partials in different windows keep the old data equal to the glass', async () => {
    const rig = makeRig(info.id);
    const a = noiseFrame(info.width, info.height, 53);
    const b = withBox(a, 16, 16, 64, 32);
    const c = withBox(b, 500, 400, 64, 32);
    await rig.show(a, 'full');
    await rig.show(b, 'partial');
    await rig.show(c, 'partial');
    expect(rig.device.refreshLog.map((r) => r.waveform)).toEqual(['full', 'partial', 'partial']);
    expect(Buffer.from(rig.device.screen).equals(Buffer.from(c.data))).toBe(true);
    expect(rig.device.violations).toEqual([]);
  });

  it('a batch without the OTP partial waveform: the model flags the fast path, the fallback refreshes the window with the full waveform', async () => {
    const a = noiseFrame(info.width, info.height, 54);
    const b = withBox(a, 200, 200, 40, 40);
    const wrong = batchRig({ fastPartialInOtp: false });
    await wrong.show(a, 'full');
    await wrong.show(b, 'partial');
    expect(wrong.device.violations).toEqual(['fast partial waveform selected (0xE0 0x02, 0xE5 0x6E), but this panel batch has none in OTP']);
    const fallback = batchRig({ fastPartialInOtp: false, fastPartial: false });
    expect(fallback.panel.partialWaveform).toBe('full');
    await fallback.show(a, 'full');
    await fallback.show(b, 'partial');
    expect(fallback.device.lines().some((l) => l.startsWith('cmd e5'))).toBe(false);
    expect(fallback.device.refreshLog.at(-1)).toMatchObject({ kind: 'partial', waveform: 'full', busyMs: fallback.device.timing.fullMs });
    expect(Buffer.from(fallback.device.screen).equals(Buffer.from(b.data))).toBe(true);
    expect(fallback.device.violations).toEqual([]);
  });

  it('display.fastPartial (default true) reaches the driver the real opener builds', async () => {
    const parsed = displayConfigSchema.safeParse({ panel: 'waveshare-7in5-v2', fastPartial: false });
    if (!parsed.ok) throw new Error('display config does not parse');
    const defaults = displayConfigSchema.safeParse({});
    expect(defaults.ok && defaults.value.fastPartial).toBe(true);
    const clock = new FakeClock();
    const gpio = new SimGpio({ clock });
    const device = new SimEpaperDevice({ gpio, clock, pins: PINS, controller: 'uc8179', width: info.width, height: info.height });
    const open = realPanelOpener({ config: { ...parsed.value, pins: PINS }, gpio, clock, logger: silentLogger, openSpi: () => Promise.resolve(device) });
    const panel = await open();
    expect(panel).toBeInstanceOf(Uc8179Panel);
    expect((panel as Uc8179Panel).partialWaveform).toBe('full');
    await runOnClock(clock, panel.close());
  });
});
