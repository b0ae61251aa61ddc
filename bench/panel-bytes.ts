/**
 * Bytes sent to each panel per full and per partial update, measured by running the real drivers
 * against the simulated HAT (every SPI byte counted: commands, parameters, RAM data, LUTs) and,
 * for LCDs, the framebuffer encoder at RGB565. The partial update is a countdown-sized change
 * (a 64x24 px box) on a busy picture. SPI time on the wire at 4 MHz is bytes * 8 / 4e6 s.
 */
import { FakeClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import type { PanelId } from '../src/display/config.js';
import { encodeFrame } from '../src/display/drivers/fb-pixels.js';
import { panelDriver } from '../src/display/drivers/panel-drivers.js';
import { SimEpaperDevice } from '../src/display/drivers/sim-epaper-device.js';
import { createFrame, setPixel, type Frame } from '../src/display/frame.js';
import { PANELS } from '../src/display/panels.js';
import { SimGpio } from '../src/signal/drivers/sim-gpio.js';
import type { Bench, BenchRow } from './types.js';

const COUNTDOWN = { x: 16, y: 40, width: 64, height: 24 };

function picture(width: number, height: number): Frame {
  const f = createFrame(width, height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if ((x * 31 + y * 17) % 7 < 3) setPixel(f, x, y, 1);
  return f;
}

function toggled(f: Frame, box: typeof COUNTDOWN): Frame {
  const g: Frame = { ...f, data: f.data.slice() };
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const on = ((g.data[y * g.stride + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1;
      setPixel(g, x, y, on ? 0 : 1);
    }
  }
  return g;
}

/** Step a FakeClock until the work settles (the driver waits on BUSY and delays on the clock). */
async function onClock<T>(clock: FakeClock, work: Promise<T>): Promise<T> {
  let done = false;
  const settled = work.finally(() => {
    done = true;
  });
  settled.catch(() => undefined);
  for (let ms = 0; !done; ms += 5) {
    if (ms > 600_000) throw new Error('panel update did not finish');
    await new Promise((r) => setImmediate(r));
    if (!done) clock.advance(5);
  }
  return settled;
}

async function epaperBytes(id: PanelId): Promise<{ full: number; partial: number; transfers: number }> {
  const d = panelDriver(id);
  if (d.kind !== 'epaper') throw new Error(`${id} is not e-paper`);
  const info = PANELS[id];
  const clock = new FakeClock();
  const gpio = new SimGpio({ clock });
  const pins = { rst: 17, dc: 25, busy: 24 };
  const device = new SimEpaperDevice({
    gpio,
    clock,
    pins,
    controller: d.sim.controller,
    otpPartialWaveform: d.sim.otpPartialWaveform,
    width: info.width,
    height: info.height,
  });
  const panel = new d.driver({ spi: device, gpio, clock, logger: silentLogger, pins, busyTimeoutMs: 30_000 });
  const a = picture(info.width, info.height);
  await onClock(clock, panel.show(a, 'full'));
  const full = panel.stats.lastShowBytes;
  await onClock(clock, panel.show(toggled(a, COUNTDOWN), 'partial'));
  const partial = panel.stats.lastShowBytes;
  if (device.violations.length > 0) throw new Error(`${id}: ${device.violations.join('; ')}`);
  await panel.close();
  return { full, partial, transfers: device.transfers.length };
}

/** Bytes per full and partial update for every panel, as rows for docs/benchmarks.md. */
export async function measurePanelBytes(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const id of Object.keys(PANELS) as PanelId[]) {
    const info = PANELS[id];
    if (info.kind === 'epaper') {
      const { full, partial } = await epaperBytes(id);
      rows.push({ metric: `bytes per full update, ${id}`, value: full, unit: 'bytes' });
      rows.push({ metric: `bytes per partial update (64x24 px change), ${id}`, value: partial, unit: 'bytes' });
    } else {
      const bytes = encodeFrame(picture(info.width, info.height), { xres: info.width, yres: info.height, bitsPerPixel: 16, stride: info.width * 2 }).length;
      rows.push({ metric: `bytes per frame (RGB565, one write), ${id}`, value: bytes, unit: 'bytes' });
    }
  }
  return rows;
}

export const panelBytesBench: Bench = async () => ({
  title: 'Bytes sent per panel update',
  rows: await measurePanelBytes(),
  method:
    'The real e-paper drivers run against the simulated Waveshare HAT and every SPI byte (commands, parameters, RAM data, LUTs) is counted; ' +
    'the partial update changes a 64x24 px box (a countdown). LCD: the framebuffer write of one RGB565 frame. Deterministic: no timing involved.',
  notes: ['SPI time on the wire at the default 4 MHz: bytes x 8 / 4,000,000 s (a 2.9" full update: about 19 ms).'],
});
