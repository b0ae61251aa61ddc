/**
 * Run async work that waits on a FakeClock: let pending promise callbacks run, move the clock a
 * step, repeat until the work settles. Fails if the work outlives `maxMs` of fake time (a hang),
 * and only once `minRealMs` of real time has passed too: work that waits on the disk (an fsync on a
 * loaded machine) is not a hang, and a caller that cleans up after a give-up would race it.
 */
import type { FakeClock } from '../../src/core/clock.js';

export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runOnClock<T>(clock: FakeClock, work: Promise<T>, opts: { stepMs?: number; maxMs?: number; minRealMs?: number } = {}): Promise<T> {
  const stepMs = opts.stepMs ?? 5;
  const maxMs = opts.maxMs ?? 600_000;
  const giveUpAfter = Date.now() + (opts.minRealMs ?? 20_000);
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
    if (elapsed > maxMs) {
      if (Date.now() > giveUpAfter) throw new Error(`work still pending after ${maxMs} ms of fake time`);
      await new Promise((r) => setTimeout(r, 5));
    }
    await flush();
    if (!done) clock.advance(stepMs);
  }
  return settled;
}
