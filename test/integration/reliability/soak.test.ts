/**
 * CI short form of the soak in `npm run reliability` (bench/reliability/soak.ts): sales in
 * accelerated time (FakeClock) over a real Mosquitto, with the same checks: every outcome once,
 * resident memory growth under 5 MB after the warm-up, no growth in handles, requests or timers.
 */
import { describe, expect, it } from 'vitest';
import { COUNTS } from '../../../bench/reliability/counts.js';
import { runSoak, soakSection } from '../../../bench/reliability/soak.js';

describe('reliability, short form: soak', () => {
  it(`${COUNTS.quick.soakSales} sales in accelerated time over Mosquitto without growth`, { timeout: 300_000 }, async () => {
    const r = await runSoak({ sales: COUNTS.quick.soakSales, link: 'broker' });
    expect(r.outcomes.paid + r.outcomes.failed + r.outcomes.expired + r.outcomes.cancelled).toBe(COUNTS.quick.soakSales);
    expect(r.end.gc).toBe(true);
    const s = soakSection([r]);
    expect(s.checks.length).toBeGreaterThan(0);
    expect(s.checks.filter((c) => !c.ok)).toEqual([]);
  });
});
