/**
 * Faults the reliability runs (bench/reliability) found, each pinned by the smallest test that
 * shows it, beside the CI short forms of the runs themselves.
 */
import { describe, expect, it } from 'vitest';
import { REPLAY_RETENTION_SEC, ReplayCache } from '../../../src/payment/replay-cache.js';

describe('found by the soak', () => {
  it('the replay cache forgets expired jtis as it goes, so the state file stays the size of the live set', () => {
    // A till taking a signed message every 3 minutes for 30 days: about 500 jtis are live at any
    // time (25 h). Before the fix the cache kept every jti until it reached its bound of 20,000,
    // and the device rewrote all of them (2.3 MB of JSON) with every accepted message.
    const c = new ReplayCache();
    const start = Date.UTC(2026, 0, 1);
    const stepMs = 3 * 60_000;
    let maxSize = 0;
    for (let i = 0; i < 30 * 480; i++) {
      const now = start + i * stepMs;
      c.add(`jti-${i}`, now, now + 300_000);
      maxSize = Math.max(maxSize, c.size);
    }
    const live = Math.ceil((REPLAY_RETENTION_SEC * 1000) / stepMs) + 1;
    expect(maxSize).toBeLessThanOrEqual(live);
    expect(c.snapshot().length).toBeLessThanOrEqual(live);
    // Still refuses what it must: the last 25 h of jtis are all remembered.
    const last = 30 * 480 - 1;
    for (const i of [last, last - 100, last - live + 2]) expect(c.lookup(`jti-${i}`).seen).toBe(true);
  });
});
