import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError, type TillqrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SimPanel, type SimFrameEvent } from '../../../src/display/drivers/sim-panel.js';
import type { Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { RefreshScheduler, type RefreshedEvent } from '../../../src/display/refresh-scheduler.js';
import { flush, runOnClock } from '../../helpers/drive-clock.js';
import { noiseFrame, withBox } from '../../helpers/epaper-rig.js';

const info = PANELS['waveshare-2in9-v2'];

function setup(opts: { partialRefreshLimit?: number; busyTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const panel = new SimPanel(info, { clock, timing: { fullMs: 2000, partialMs: 300 }, busyTimeoutMs: opts.busyTimeoutMs ?? 5000 });
  const scheduler = new RefreshScheduler({ panel, clock, logger: silentLogger, partialRefreshLimit: opts.partialRefreshLimit ?? 10 });
  const drawn: SimFrameEvent[] = [];
  panel.on('frame', (e) => drawn.push(e));
  const refreshed: RefreshedEvent[] = [];
  scheduler.on('refreshed', (e) => refreshed.push(e));
  const errors: TillqrError[] = [];
  scheduler.on('panel-error', (e) => errors.push(e));
  return { clock, panel, scheduler, drawn, refreshed, errors, settle: () => runOnClock(clock, scheduler.idle()) };
}

const same = (a: Frame, b: Frame): boolean => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('RefreshScheduler', () => {
  it('5 frames submitted during one slow refresh give exactly one more refresh, with the last frame', async () => {
    const s = setup();
    const first = noiseFrame(info.width, info.height, 1);
    s.scheduler.submit(first, { screenChanged: true });
    await flush();
    expect(s.panel.refreshing).toBe(true);
    s.clock.advance(500); // a quarter into the 2 s full refresh
    const later = [1, 2, 3, 4, 5].map((i) => withBox(first, i * 8, 10, 8, 8));
    for (const f of later) expect(s.scheduler.submit(f)).toBeUndefined(); // returns at once
    expect(s.panel.refreshing).toBe(true);
    expect(s.scheduler.pending).toBe(true);
    await s.settle();
    expect(s.drawn).toHaveLength(2);
    expect(same(s.drawn[0]!.frame, first)).toBe(true);
    expect(same(s.drawn[1]!.frame, later[4]!)).toBe(true);
    expect(s.panel.counts.full + s.panel.counts.partial).toBe(2);
    expect(s.scheduler.stats).toMatchObject({ submitted: 6, superseded: 4, full: 1, partial: 1, errors: 0 });
  });

  it('keeps a screen change among superseded frames: the latest frame is drawn in full', async () => {
    const s = setup();
    const a = noiseFrame(info.width, info.height, 2);
    s.scheduler.submit(a, { screenChanged: true });
    await flush();
    s.scheduler.submit(noiseFrame(info.width, info.height, 3), { screenChanged: true }); // "paid"
    s.scheduler.submit(withBox(a, 0, 0, 8, 8)); // a countdown tick right behind it
    await s.settle();
    expect(s.refreshed.map((r) => [r.mode, r.reason])).toEqual([
      ['full', 'first-frame'],
      ['full', 'screen-changed'],
    ]);
  });

  it('draws countdown ticks partially and every N+1th in full', async () => {
    const s = setup({ partialRefreshLimit: 3 });
    let f = noiseFrame(info.width, info.height, 4);
    s.scheduler.submit(f, { screenChanged: true });
    await s.settle();
    for (let tick = 0; tick < 5; tick++) {
      f = withBox(f, 0, tick * 8, 16, 8);
      s.scheduler.submit(f);
      await s.settle();
    }
    expect(s.refreshed.map((r) => r.mode)).toEqual(['full', 'partial', 'partial', 'partial', 'full', 'partial']);
    expect(s.refreshed[4]!.reason).toBe('partial-limit');
  });

  it('does not refresh for a frame identical to the one shown', async () => {
    const s = setup();
    const f = noiseFrame(info.width, info.height, 5);
    s.scheduler.submit(f, { screenChanged: true });
    await s.settle();
    s.scheduler.submit({ ...f, data: f.data.slice() });
    await s.settle();
    expect(s.drawn).toHaveLength(1);
    expect(s.scheduler.stats.unchanged).toBe(1);
  });

  it('copies submitted frames: a caller reusing its buffer does not change what is drawn', async () => {
    const s = setup();
    const f = noiseFrame(info.width, info.height, 6);
    const snapshot = f.data.slice();
    s.scheduler.submit(f, { screenChanged: true });
    f.data.fill(0);
    await s.settle();
    expect(Buffer.from(s.drawn[0]!.frame.data).equals(Buffer.from(snapshot))).toBe(true);
  });

  it('reports a panel error upward, keeps running, and redraws in full afterwards', async () => {
    const s = setup();
    const a = noiseFrame(info.width, info.height, 7);
    s.scheduler.submit(a, { screenChanged: true });
    await s.settle();
    s.panel.script('fail');
    s.scheduler.submit(withBox(a, 0, 0, 8, 8));
    await s.settle();
    expect(s.errors.map((e) => e.code)).toEqual(['PANEL_IO']);
    expect(s.scheduler.lastError?.code).toBe('PANEL_IO');
    expect(s.scheduler.shown).toBeUndefined();
    s.scheduler.submit(withBox(a, 0, 0, 16, 8));
    await s.settle();
    expect(s.refreshed.at(-1)).toMatchObject({ mode: 'full', reason: 'after-error' });
    expect(s.scheduler.lastError).toBeUndefined();
  });

  it('a panel stuck BUSY twice ends as PANEL_BUSY_TIMEOUT reported upward; once is recovered by the panel', async () => {
    const s = setup({ busyTimeoutMs: 5000 });
    const a = noiseFrame(info.width, info.height, 8);
    s.panel.script('stuck');
    s.scheduler.submit(a, { screenChanged: true });
    await s.settle();
    expect(s.errors).toEqual([]);
    expect(s.panel.counts).toMatchObject({ busyTimeouts: 1, resets: 1, full: 1 });
    s.panel.script('stuck', 'stuck');
    s.scheduler.submit(withBox(a, 0, 0, 8, 8));
    await s.settle();
    expect(s.errors).toHaveLength(1);
    expect(isTillqrError(s.errors[0], 'PANEL_BUSY_TIMEOUT')).toBe(true);
    expect(s.errors[0]!.context.retried).toBe(true);
  });

  it('a listener that throws does not stop the scheduler', async () => {
    const s = setup();
    s.scheduler.on('refreshed', () => {
      throw new Error('observer bug');
    });
    const a = noiseFrame(info.width, info.height, 9);
    s.scheduler.submit(a, { screenChanged: true });
    await s.settle();
    s.scheduler.submit(withBox(a, 0, 0, 8, 8));
    await s.settle();
    expect(s.drawn).toHaveLength(2);
  });

  it('close() drops the waiting frame, waits for the refresh in progress, and ignores later frames', async () => {
    const s = setup();
    const a = noiseFrame(info.width, info.height, 10);
    s.scheduler.submit(a, { screenChanged: true });
    await flush();
    s.scheduler.submit(withBox(a, 0, 0, 8, 8));
    const closed = s.scheduler.close();
    await runOnClock(s.clock, closed);
    s.scheduler.submit(withBox(a, 0, 0, 16, 16));
    await s.settle();
    expect(s.drawn).toHaveLength(1);
    expect(s.panel.refreshing).toBe(false);
  });
});
