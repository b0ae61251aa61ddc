import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isQuietAt, localMinutes, parseHhmm } from '../../../src/signal/quiet-hours.js';

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minute = fc.integer({ min: 0, max: 1439 });

describe('quiet hours', () => {
  it('parses HH:MM and refuses anything else', () => {
    expect(parseHhmm('00:00')).toBe(0);
    expect(parseHhmm('23:59')).toBe(1439);
    expect(parseHhmm('24:00')).toBeUndefined();
    expect(parseHhmm('7:00')).toBeUndefined();
  });

  it('a same-day window: start inclusive, end exclusive', () => {
    const w = { start: '12:00', end: '13:30' };
    expect(isQuietAt(w, 12 * 60 - 1)).toBe(false);
    expect(isQuietAt(w, 12 * 60)).toBe(true);
    expect(isQuietAt(w, 13 * 60 + 29)).toBe(true);
    expect(isQuietAt(w, 13 * 60 + 30)).toBe(false);
  });

  it('a window across midnight', () => {
    const w = { start: '22:00', end: '07:00' };
    expect(isQuietAt(w, 21 * 60 + 59)).toBe(false);
    expect(isQuietAt(w, 22 * 60)).toBe(true);
    expect(isQuietAt(w, 0)).toBe(true);
    expect(isQuietAt(w, 6 * 60 + 59)).toBe(true);
    expect(isQuietAt(w, 7 * 60)).toBe(false);
  });

  it('no window, or start equal to end, is never quiet', () => {
    fc.assert(fc.property(minute, minute, (a, m) => !isQuietAt({ start: hhmm(a), end: hhmm(a) }, m) && !isQuietAt(undefined, m)));
  });

  it('a window and its swapped window split the day exactly', () => {
    fc.assert(
      fc.property(minute, minute, minute, (a, b, m) => {
        fc.pre(a !== b);
        const w = { start: hhmm(a), end: hhmm(b) };
        const swapped = { start: hhmm(b), end: hhmm(a) };
        return isQuietAt(w, m) !== isQuietAt(swapped, m);
      }),
    );
  });

  it('reads local time in a named zone', () => {
    const at = Date.UTC(2026, 5, 1, 14, 5); // 14:05 UTC
    expect(localMinutes('UTC')(at)).toBe(14 * 60 + 5);
    expect(localMinutes('Asia/Tokyo')(at)).toBe(23 * 60 + 5);
    expect(localMinutes('America/New_York')(at)).toBe(10 * 60 + 5); // EDT
  });
});
