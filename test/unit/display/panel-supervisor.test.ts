import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError, TillqrError } from '../../../src/core/errors.js';
import { Faults } from '../../../src/core/faults.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import type { Screen } from '../../../src/core/screen.js';
import { DisplayService } from '../../../src/display/display-service.js';
import { SimPanel } from '../../../src/display/drivers/sim-panel.js';
import type { Frame } from '../../../src/display/frame.js';
import { PanelSupervisor, retryDelayMs, type OpenFailure } from '../../../src/display/panel-supervisor.js';
import { panelInfo } from '../../../src/display/panels.js';
import { Renderer } from '../../../src/display/render/renderer.js';

const T0 = Date.UTC(2026, 10, 27, 12);
const IDLE: Screen = { name: 'idle', storeName: 'Cafe', qr: 'https://pay.example/store', wallets: [] };

function rig(panelId = 'waveshare-2in9-v2') {
  const clock = new FakeClock(T0);
  const sink = memorySink();
  const logger = createLogger('test', { sink, level: 'debug', now: () => clock.now() });
  const sim = new SimPanel(panelInfo(panelId), { clock, timing: { fullMs: 2000, partialMs: 300 } });
  const supervisor = new PanelSupervisor({ info: sim.info, open: () => sim.open(), clock, logger });
  const failures: OpenFailure[] = [];
  supervisor.on('open-failed', (f) => failures.push(f));
  let opened = 0;
  supervisor.on('opened', () => opened++);
  return { clock, sink, sim, supervisor, failures, opened: () => opened };
}

/** Let promise chains run without moving the fake clock. */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/** Move fake time in small steps, letting promises run between them. */
async function advance(clock: FakeClock, ms: number, stepMs = 100): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(Math.min(stepMs, ms - t));
    await flush();
  }
}

describe('retryDelayMs', () => {
  it('doubles from 1 s and stops at 60 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map((n) => retryDelayMs(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(retryDelayMs(3, { initialMs: 500, maxMs: 1500, factor: 3 })).toBe(1500);
  });
});

describe('PanelSupervisor', () => {
  it('retries a missing panel with exponential back-off on the clock, then opens it', async () => {
    const { clock, sim, supervisor, failures, opened } = rig();
    sim.unplug(4);
    await supervisor.start();
    expect(supervisor.isOpen).toBe(false);
    expect(sim.openAttempts).toBe(1);
    expect(failures.map((f) => [f.attempt, f.retryAt - T0])).toEqual([[1, 1000]]);
    const err = supervisor.lastError!;
    expect(err.code).toBe('PANEL_UNAVAILABLE');
    expect(err.message).toContain('simulated panel not connected');
    expect(err.context.cause).toBe('PANEL_NOT_FOUND');

    // Attempts at 1 s, then 2 s, 4 s, 8 s after each failure: not one earlier.
    const at: number[] = [];
    for (const wait of [1000, 2000, 4000, 8000]) {
      await advance(clock, wait - 100);
      const before = sim.openAttempts;
      await advance(clock, 100);
      expect(sim.openAttempts, `an attempt ${wait} ms after the last failure`).toBe(before + 1);
      at.push(clock.now() - T0);
    }
    expect(at).toEqual([1000, 3000, 7000, 15_000]);
    expect(failures.map((f) => f.attempt)).toEqual([1, 2, 3, 4]);
    expect(supervisor.isOpen).toBe(true);
    expect(supervisor.lastError).toBeUndefined();
    expect(opened()).toBe(1);
    // No more attempts once open.
    await advance(clock, 120_000, 10_000);
    expect(sim.openAttempts).toBe(5);
  });

  it('caps the wait at 60 s for a panel that stays missing, and stops trying once closed', async () => {
    const { clock, sim, supervisor, failures } = rig();
    sim.unplug();
    await supervisor.start();
    await advance(clock, 10 * 60_000, 1000);
    const gaps = failures.slice(1).map((f, i) => f.retryAt - failures[i]!.retryAt);
    expect(gaps.slice(0, 6)).toEqual([2000, 4000, 8000, 16_000, 32_000, 60_000]);
    expect(new Set(gaps.slice(6))).toEqual(new Set([60_000]));
    await supervisor.close();
    const attempts = sim.openAttempts;
    await advance(clock, 5 * 60_000, 10_000);
    expect(sim.openAttempts).toBe(attempts);
  });

  it('refuses frames at once while absent, and passes them to the panel once open', async () => {
    const { clock, sim, supervisor } = rig('lcd-240x240');
    sim.unplug(1);
    await supervisor.start();
    const frame: Frame = { width: 240, height: 240, stride: 30, data: new Uint8Array(30 * 240) };
    const refused = await supervisor.show(frame, 'full').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isTillqrError(refused, 'PANEL_UNAVAILABLE')).toBe(true);
    await expect(supervisor.sleep()).resolves.toBeUndefined();
    await advance(clock, 1000);
    expect(supervisor.isOpen).toBe(true);
    const shown = supervisor.show(frame, 'full');
    await advance(clock, 2000);
    await shown;
    expect(sim.counts.full).toBe(1);
  });

  it('closes a panel that opens only after close()', async () => {
    const clock = new FakeClock(T0);
    const sim = new SimPanel(panelInfo('lcd-240x240'), { clock });
    let release: (() => void) | undefined;
    const supervisor = new PanelSupervisor({
      info: sim.info,
      clock,
      logger: createLogger('test', { sink: memorySink() }),
      open: () => new Promise((resolve) => (release = () => resolve(sim))),
    });
    const started = supervisor.start();
    await flush();
    const closed = supervisor.close();
    release!();
    await started;
    await closed;
    expect(supervisor.isOpen).toBe(false);
    expect(() => sim.sleep()).toThrow(TillqrError);
  });
});

describe('DisplayService on a supervised panel', () => {
  it('raises the display fault while the panel is missing, then draws the latest screen and clears it', async () => {
    const { clock, sim, supervisor, sink } = rig();
    const display = new DisplayService({
      panel: supervisor,
      renderer: new Renderer(),
      clock,
      logger: createLogger('test', { sink }),
      config: () => ({ rotation: 0, language: 'ja', countdownStepSec: 15, partialRefreshLimit: 10 }),
    });
    // Wired as src/main.ts wires it.
    const faults = new Faults(() => clock.now());
    display.on('panel-error', (e) => faults.raise('display', e.code, e.message));
    display.on('drawn', () => faults.clear('display'));
    const drawn: Frame[] = [];
    display.on('drawn', (f) => drawn.push(f));

    sim.unplug(2);
    await supervisor.start();
    display.show({ name: 'connecting', broker: 'mqtt://broker' });
    display.show(IDLE);
    await advance(clock, 500);
    expect(display.available).toBe(false);
    expect(faults.codes()).toEqual(['PANEL_UNAVAILABLE']);
    expect(faults.list()[0]!.message).toContain('simulated panel not connected');
    expect(display.lastError?.code).toBe('PANEL_UNAVAILABLE');
    expect(display.healthy).toBe(false);
    expect(sim.counts.full + sim.counts.partial).toBe(0);

    // Second attempt (1 s) fails, the third (2 s later) opens; the idle screen, the latest, is drawn in one full refresh.
    await advance(clock, 500 + 2000 + 2500);
    expect(display.available).toBe(true);
    expect(sim.counts.full).toBe(1);
    expect(drawn).toHaveLength(1);
    const expected = new Renderer().render(IDLE, sim.info, 0, 'ja');
    expect(sim.last!.frame.data).toEqual(expected.data.slice(0, expected.stride * expected.height));
    expect(faults.codes()).toEqual([]);
    expect(display.lastError).toBeUndefined();
    expect(display.healthy).toBe(true);
  });
});
