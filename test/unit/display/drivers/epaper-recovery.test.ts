import { describe, expect, it } from 'vitest';
import { isTillqrError, type TillqrError } from '../../../../src/core/errors.js';
import { createLogger, memorySink } from '../../../../src/core/logger.js';
import { PANELS } from '../../../../src/display/panels.js';
import { runOnClock } from '../../../helpers/drive-clock.js';
import { EPAPER_IDS, PINS, makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

/** Refreshes well inside the 1000 ms timeout. */
const FAST = { fullMs: 500, partialMs: 100 };

describe.each(EPAPER_IDS)('%s: BUSY timeout recovery', (id) => {
  const info = PANELS[id];

  it('a refresh whose BUSY never releases times out, resets and retries once with a full refresh', async () => {
    const sink = memorySink();
    const rig = makeRig(id, { busyTimeoutMs: 1000, timing: FAST, logger: createLogger('display', { sink }) });
    const a = noiseFrame(info.width, info.height, 31);
    await rig.show(a, 'full');
    rig.device.clearRecords();
    rig.device.stickBusy(1, 'refresh');
    const b = withBox(a, 16, 16, 32, 8);
    const startedAt = rig.clock.now();
    await rig.show(b, 'partial');
    const lines = rig.device.lines();
    const stuck = lines.indexOf('busy stuck');
    expect(stuck).toBeGreaterThan(0);
    // After the stuck phase: a hardware reset, then a complete full update.
    expect(lines.slice(stuck + 1, stuck + 4)).toEqual(['rst 1', 'rst 0', 'rst 1']);
    expect(rig.device.refreshes.full).toBe(2);
    expect(rig.clock.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(rig.panel.stats.busyTimeouts).toBe(1);
    expect(rig.device.screen).toEqual(b.data);
    expect(rig.device.violations).toEqual([]);
    expect(sink.lines.some((l) => l.includes('"level":"warn"') && l.includes('retrying'))).toBe(true);
  });

  it('a second timeout is reported upward as PANEL_BUSY_TIMEOUT, and the next update is full', async () => {
    const rig = makeRig(id, { busyTimeoutMs: 1000, timing: FAST });
    const a = noiseFrame(info.width, info.height, 32);
    await rig.show(a, 'full');
    rig.device.stickBusy(2, 'refresh');
    const err = (await rig.show(withBox(a, 0, 0, 8, 8), 'partial').catch((e: unknown) => e)) as TillqrError;
    expect(isTillqrError(err, 'PANEL_BUSY_TIMEOUT')).toBe(true);
    expect(err.context.retried).toBe(true);
    expect(err.message).toMatch(/after a reset and one retry/);
    expect(rig.panel.stats.busyTimeouts).toBe(2);
    expect(rig.device.lines().filter((l) => l === 'busy stuck')).toHaveLength(2);

    rig.device.clearRecords();
    const c = withBox(a, 0, 0, 16, 16);
    await rig.show(c, 'partial');
    expect(rig.device.lines()).toContain(id === 'waveshare-7in5-v2' ? 'cmd 10 [48000 bytes]' : 'cmd 22 f7');
    expect(rig.device.lines()).not.toContain('cmd 91');
    expect(rig.device.screen).toEqual(c.data);
    expect(rig.device.violations).toEqual([]);
  });
});

describe('close() after a failed update', () => {
  it('puts a panel left awake into deep sleep before releasing the lines', async () => {
    const info = PANELS['waveshare-4in2-v2'];
    const rig = makeRig(info.id, { busyTimeoutMs: 1000, timing: FAST });
    rig.device.stickBusy(2, 'refresh');
    await rig.show(noiseFrame(info.width, info.height, 35), 'full').catch(() => undefined);
    expect(rig.device.asleep).toBe(false);
    await runOnClock(rig.clock, rig.panel.close());
    expect(rig.device.lines().slice(-5)).toEqual(['rst 1', 'rst 0', 'rst 1', 'busy', 'cmd 10 01']);
    expect(rig.device.asleep).toBe(true);
    expect(rig.device.violations).toEqual([]);
    expect(rig.gpio.isOpen(PINS.rst)).toBe(false);
  });
});

describe('errors that are not timeouts', () => {
  it('an SPI failure is reported at once as PANEL_IO, without a retry', async () => {
    const info = PANELS['waveshare-2in9-v2'];
    const rig = makeRig(info.id);
    await rig.device.close(); // the bus goes away
    const err = await rig.show(noiseFrame(info.width, info.height, 33), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'PANEL_IO')).toBe(true);
    expect(rig.panel.stats.resets).toBe(1);
    expect(rig.panel.stats.busyTimeouts).toBe(0);
  });

  it('a GPIO line held by someone else surfaces as the GPIO error', async () => {
    const info = PANELS['waveshare-2in13-v4'];
    const rig = makeRig(info.id);
    rig.gpio.claimByKernel(25, 'another driver');
    const err = await rig.show(noiseFrame(info.width, info.height, 34), 'full').catch((e: unknown) => e);
    expect(isTillqrError(err, 'GPIO_BUSY')).toBe(true);
    expect(rig.gpio.isOpen(17)).toBe(false); // the lines opened before the failure were released
  });
});
