import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/core/clock.js';
import { isTillqrError } from '../../../../src/core/errors.js';
import { SimPanel, type SimFrameEvent } from '../../../../src/display/drivers/sim-panel.js';
import { PANELS } from '../../../../src/display/panels.js';
import { flush, runOnClock } from '../../../helpers/drive-clock.js';
import { noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

const info = PANELS['waveshare-4in2-v2'];

describe('SimPanel', () => {
  it('takes as long as the scripted refresh, counts it and its bytes, and emits the frame', async () => {
    const clock = new FakeClock();
    const panel = new SimPanel(info, { clock, timing: { fullMs: 3000, partialMs: 400 } });
    const events: SimFrameEvent[] = [];
    panel.on('frame', (e) => events.push(e));
    const a = noiseFrame(info.width, info.height, 1);
    const t0 = clock.now();
    await runOnClock(clock, panel.show(a, 'full'));
    expect(clock.now() - t0).toBeGreaterThanOrEqual(3000);
    const b = withBox(a, 16, 16, 16, 4); // 2 bytes x 4 rows
    await runOnClock(clock, panel.show(b, 'partial'));
    expect(panel.counts).toMatchObject({ full: 1, partial: 1 });
    expect(panel.bytes).toEqual({ total: 50 * 300 + 8, last: 8 });
    expect(events.map((e) => [e.seq, e.mode])).toEqual([
      [1, 'full'],
      [2, 'partial'],
    ]);
    expect(Buffer.from(events[1]!.frame.data).equals(Buffer.from(b.data))).toBe(true);
    await runOnClock(clock, panel.show(withBox(a, 0, 0, 8, 8), 'full'));
    await runOnClock(clock, panel.show({ ...b, data: b.data.slice() }, 'partial'));
    expect(panel.counts.full).toBe(2); // the partial above changed the picture back
  });

  it('throws when show() is called while a refresh is in flight (the caller must serialise)', async () => {
    const clock = new FakeClock();
    const panel = new SimPanel(info, { clock });
    const first = panel.show(noiseFrame(info.width, info.height, 2), 'full');
    await flush();
    const err = await panel.show(noiseFrame(info.width, info.height, 3), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'INTERNAL')).toBe(true);
    await runOnClock(clock, first);
    expect(panel.counts.full).toBe(1);
  });

  it('a scripted custom duration and failure apply to the next refreshes in order', async () => {
    const clock = new FakeClock();
    const panel = new SimPanel(info, { clock });
    panel.script({ ms: 10_000 }, 'fail');
    const t0 = clock.now();
    await runOnClock(clock, panel.show(noiseFrame(info.width, info.height, 4), 'full'));
    expect(clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    const err = await runOnClock(clock, panel.show(noiseFrame(info.width, info.height, 5), 'full')).catch((e: unknown) => e);
    expect(isTillqrError(err, 'PANEL_IO')).toBe(true);
    expect(panel.counts.failures).toBe(1);
  });

  it('can be missing like a real panel: open() fails PANEL_NOT_FOUND for the scripted attempts or until plugged in', async () => {
    const panel = new SimPanel(info, { clock: new FakeClock() });
    await expect(panel.open()).resolves.toBe(panel);
    panel.unplug(2);
    for (let i = 0; i < 2; i++) {
      const err = await panel.open().catch((e: unknown) => e);
      expect(isTillqrError(err, 'PANEL_NOT_FOUND')).toBe(true);
    }
    await expect(panel.open()).resolves.toBe(panel);
    panel.unplug();
    for (let i = 0; i < 50; i++) await expect(panel.open()).rejects.toThrow('simulated panel not connected');
    expect(panel.plugged).toBe(false);
    panel.plugIn();
    await expect(panel.open()).resolves.toBe(panel);
    expect(panel.openAttempts).toBe(55);
  });
});
