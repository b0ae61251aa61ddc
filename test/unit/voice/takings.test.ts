/** The shop day and the day's takings: the boundary at dayStartsAt in the shop's zone. */
import { describe, expect, it } from 'vitest';
import { addSale, msUntilDayStart, shopDay, takingsFor } from '../../../src/voice/takings.js';

const tokyo = (y: number, mo: number, d: number, h: number, mi: number): number => Date.UTC(y, mo - 1, d, h - 9, mi);

describe('shopDay', () => {
  it('the day begins at dayStartsAt local time, not at midnight', () => {
    expect(shopDay(tokyo(2026, 3, 10, 3, 59), '04:00', 'Asia/Tokyo')).toBe('2026-03-09');
    expect(shopDay(tokyo(2026, 3, 10, 4, 0), '04:00', 'Asia/Tokyo')).toBe('2026-03-10');
    expect(shopDay(tokyo(2026, 3, 10, 23, 59), '04:00', 'Asia/Tokyo')).toBe('2026-03-10');
    expect(shopDay(tokyo(2026, 3, 1, 1, 0), '04:00', 'Asia/Tokyo')).toBe('2026-02-28');
    expect(shopDay(tokyo(2026, 1, 1, 2, 0), '04:00', 'Asia/Tokyo')).toBe('2025-12-31');
    expect(shopDay(tokyo(2026, 3, 10, 0, 0), '00:00', 'Asia/Tokyo')).toBe('2026-03-10');
  });
  it('follows the zone across a DST change (New York, 8 March 2026)', () => {
    expect(shopDay(Date.UTC(2026, 2, 8, 8, 30), '04:00', 'America/New_York')).toBe('2026-03-08'); // 04:30 EDT
    expect(shopDay(Date.UTC(2026, 2, 8, 6, 30), '04:00', 'America/New_York')).toBe('2026-03-07'); // 01:30 EST
  });
  it('the next day start is when the local clock reads dayStartsAt', () => {
    const at = tokyo(2026, 3, 10, 3, 0);
    expect(at + msUntilDayStart(at, '04:00', 'Asia/Tokyo')).toBe(tokyo(2026, 3, 10, 4, 0));
    const after = tokyo(2026, 3, 10, 4, 0);
    expect(after + msUntilDayStart(after, '04:00', 'Asia/Tokyo')).toBe(tokyo(2026, 3, 11, 4, 0));
  });
});

describe('takings', () => {
  it('count and sum per currency, for today only', () => {
    let t = addSale(undefined, '2026-03-10', 1280, 'JPY');
    t = addSale(t, '2026-03-10', 720, 'JPY');
    t = addSale(t, '2026-03-10', 1250, 'USD');
    expect(t).toEqual({
      day: '2026-03-10',
      sales: [
        { currency: 'JPY', count: 2, amount: 2000 },
        { currency: 'USD', count: 1, amount: 1250 },
      ],
    });
    expect(takingsFor(t, '2026-03-11')).toEqual({ day: '2026-03-11', sales: [] });
    expect(addSale(t, '2026-03-11', 100, 'JPY')).toEqual({ day: '2026-03-11', sales: [{ currency: 'JPY', count: 1, amount: 100 }] });
  });
});
