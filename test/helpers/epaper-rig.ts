/**
 * A real e-paper driver wired to a simulated HAT: SimGpio pins and a SimEpaperDevice on the SPI
 * side, all on one FakeClock. `show()` runs an update to completion on fake time.
 */
import { FakeClock } from '../../src/core/clock.js';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import type { PanelId } from '../../src/display/config.js';
import { createFrame, setPixel, type Frame } from '../../src/display/frame.js';
import type { RefreshMode } from '../../src/display/panel.js';
import { PANELS } from '../../src/display/panels.js';
import type { EpaperPanel } from '../../src/display/drivers/epaper-base.js';
import { panelDriver } from '../../src/display/drivers/panel-drivers.js';
import { SimEpaperDevice, type SimEpaperTiming } from '../../src/display/drivers/sim-epaper-device.js';
import { SimGpio } from '../../src/signal/drivers/sim-gpio.js';
import { runOnClock } from './drive-clock.js';

export const PINS = { rst: 17, dc: 25, busy: 24 } as const;
export const EPAPER_IDS = ['waveshare-2in13-v4', 'waveshare-2in9-v2', 'waveshare-4in2-v2', 'waveshare-7in5-v2'] as const;

export interface Rig {
  clock: FakeClock;
  gpio: SimGpio;
  device: SimEpaperDevice;
  panel: EpaperPanel;
  show(frame: Frame, mode: RefreshMode): Promise<void>;
}

export function makeRig(id: PanelId, opts: { timing?: Partial<SimEpaperTiming>; busyTimeoutMs?: number; logger?: Logger; pwr?: number } = {}): Rig {
  const d = panelDriver(id);
  if (d.kind !== 'epaper') throw new Error(`${id} is not e-paper`);
  const info = PANELS[id];
  const clock = new FakeClock();
  const gpio = new SimGpio({ clock });
  const pins = { ...PINS, ...(opts.pwr !== undefined ? { pwr: opts.pwr } : {}) };
  const device = new SimEpaperDevice({
    gpio,
    clock,
    pins,
    controller: d.sim.controller,
    otpPartialWaveform: d.sim.otpPartialWaveform,
    width: info.width,
    height: info.height,
    ...(opts.timing ? { timing: opts.timing } : {}),
  });
  const panel = new d.driver({ spi: device, gpio, clock, logger: opts.logger ?? silentLogger, pins, busyTimeoutMs: opts.busyTimeoutMs ?? 30_000 });
  return { clock, gpio, device, panel, show: (frame, mode) => runOnClock(clock, panel.show(frame, mode)) };
}

/** A deterministic busy picture: pseudo-random pixels from `seed`. */
export function noiseFrame(width: number, height: number, seed: number): Frame {
  const f = createFrame(width, height);
  let s = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      setPixel(f, x, y, (s >>> 0) % 3 === 0 ? 1 : 0);
    }
  }
  return f;
}

/** A copy of `f` with a filled rectangle toggled (a changed countdown, a status line). */
export function withBox(f: Frame, x: number, y: number, w: number, h: number): Frame {
  const g: Frame = { ...f, data: f.data.slice() };
  for (let j = y; j < y + h; j++) {
    for (let i = x; i < x + w; i++) {
      const byte = g.data[j * g.stride + (i >> 3)] ?? 0;
      setPixel(g, i, j, (byte >> (7 - (i & 7))) & 1 ? 0 : 1);
    }
  }
  return g;
}
