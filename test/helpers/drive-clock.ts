/**
 * Run async work that waits on a FakeClock: let pending promise callbacks run, move the clock a
 * step, repeat until the work settles. Fails if the work outlives `maxMs` of fake time (a hang).
 */
import type { FakeClock } from '../../src/core/clock.js';

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runOnClock<T>(clock: FakeClock, work: Promise<T>, opts: { stepMs?: number; maxMs?: number } = {}): Promise<T> {
  const stepMs = opts.stepMs ?? 5;
  const maxMs = opts.maxMs ?? 600_000;
  let done = false;
  const settled = work.then(
    (v) => {
      done = true;
      return v;
    },
    (e: unknown) => {
      done = true;
      throw e;
    },
  );
  settled.catch(() => undefined); // observed below; avoid an unhandled rejection while we step
  for (let elapsed = 0; !done; elapsed += stepMs) {
    if (elapsed > maxMs) throw new Error(`work still pending after ${maxMs} ms of fake time`);
    await flush();
    if (!done) clock.advance(stepMs);
  }
  return settled;
}
