/**
 * The test helper that drives a FakeClock: work that waits on real IO past the fake-time budget is
 * waited for (a cleanup after a give-up would race it); work that never settles still fails.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { runOnClock } from '../../helpers/drive-clock.js';

describe('runOnClock', () => {
  it('waits for work that needs real time beyond the fake budget', async () => {
    const clock = new FakeClock(0);
    const slowIo = new Promise<string>((r) => setTimeout(() => r('written'), 100));
    await expect(runOnClock(clock, slowIo, { stepMs: 100, maxMs: 1_000, minRealMs: 5_000 })).resolves.toBe('written');
  });

  it('resolves work on fake timers, and fails work that never settles once both budgets are spent', async () => {
    const clock = new FakeClock(0);
    const onTimer = new Promise<number>((r) => clock.setTimeout(() => r(clock.now()), 3_000));
    await expect(runOnClock(clock, onTimer, { stepMs: 100 })).resolves.toBe(3_000);
    await expect(runOnClock(clock, new Promise<never>(() => undefined), { stepMs: 100, maxMs: 1_000, minRealMs: 50 })).rejects.toThrow(
      /still pending after 1000 ms of fake time/,
    );
  });
});
