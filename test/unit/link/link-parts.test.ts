import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../src/link/backoff.js';
import { brokerLabel } from '../../../src/link/mqtt-link.js';
import { StatusPublisher } from '../../../src/link/status-publisher.js';
import { DeviceTopics } from '../../../src/link/topics.js';
import { statusSchema } from '../../../src/link/contract.js';

describe('reconnect backoff', () => {
  it('doubles from the minimum up to the maximum, each delay jittered between half and all of it', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 100, max: 10_000 }),
        (attempt, r, min) => {
          const max = min * 64;
          const d = backoffDelay(attempt, min, max, () => r);
          const full = Math.min(max, min * 2 ** attempt);
          expect(d).toBeGreaterThanOrEqual(Math.floor(full / 2));
          expect(d).toBeLessThanOrEqual(full);
        },
      ),
    );
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 1000, 60_000, () => 1 - Number.EPSILON))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect(backoffDelay(0, 1000, 60_000, () => 0)).toBe(500);
  });
});

describe('topics', () => {
  it("names topics under the prefix and recognises only this device's inbound ones", () => {
    const t = new DeviceTopics('shop/tillqr/v1', 'till-7');
    expect(t.topic('charge')).toBe('shop/tillqr/v1/till-7/charge');
    expect(t.inbound('shop/tillqr/v1/till-7/payment')).toBe('payment');
    expect(t.inbound('shop/tillqr/v1/till-7/events')).toBeUndefined();
    expect(t.inbound('shop/tillqr/v1/till-8/payment')).toBeUndefined();
    expect(t.inbound('shop/tillqr/v1/till-7/payment/x')).toBeUndefined();
  });

  it('shows the broker without credentials', () => {
    expect(brokerLabel('mqtts://dev1:s3cret@broker.example.com:8883')).toBe('mqtts://broker.example.com:8883');
    expect(brokerLabel('not a url')).toBe('(invalid broker URL)');
  });
});

describe('status publisher', () => {
  it('publishes changes while connected, republishes on reconnect, and builds the will', () => {
    const sent: string[] = [];
    const s = new StatusPublisher({ state: 'idle', version: '1.0.0', since: 10 }, (p) => sent.push(p));
    s.set({ state: 'charge', version: '1.0.0', since: 20 }, false);
    expect(sent).toEqual([]);
    s.connected();
    s.set({ state: 'charge', version: '1.0.0', since: 20 }, true);
    s.set({ state: 'paid', version: '1.0.0', since: 30 }, true);
    s.disconnected();
    s.connected();
    expect(sent.map((p) => JSON.parse(p) as unknown)).toEqual([
      { online: true, state: 'charge', version: '1.0.0', since: 20 },
      { online: true, state: 'paid', version: '1.0.0', since: 30 },
      { online: true, state: 'paid', version: '1.0.0', since: 30 },
    ]);
    const will: unknown = JSON.parse(s.payload(false));
    expect(will).toEqual({ online: false, state: 'paid', version: '1.0.0', since: 30 });
    expect(statusSchema.safeParse(will).ok).toBe(true);
  });

  it('carries the fault codes while there are any, and publishes when they change', () => {
    const sent: string[] = [];
    const s = new StatusPublisher({ state: 'idle', version: '1.0.0', since: 10 }, (p) => sent.push(p));
    s.connected();
    s.set({ state: 'idle', version: '1.0.0', since: 10, faults: ['STORE_WRITE_FAILED'] }, true);
    s.set({ state: 'idle', version: '1.0.0', since: 10, faults: [] }, true);
    const got = sent.map((p) => JSON.parse(p) as unknown);
    expect(got).toEqual([
      { online: true, state: 'idle', version: '1.0.0', since: 10 },
      { online: true, state: 'idle', version: '1.0.0', since: 10, faults: ['STORE_WRITE_FAILED'] },
      { online: true, state: 'idle', version: '1.0.0', since: 10 },
    ]);
    for (const g of got) expect(statusSchema.safeParse(g).ok).toBe(true);
    expect(statusSchema.safeParse({ online: true, state: 'idle', version: '1', since: 1, faults: ['disk full'] }).ok).toBe(false);
  });
});
