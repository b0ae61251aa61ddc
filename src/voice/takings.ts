/**
 * The day's takings: the count and sum of paid sales per currency since the shop's day began
 * (`shop.dayStartsAt` local time in `shop.timeZone`). The day is named by its local date
 * ("2026-01-01" runs from 04:00 on the 1st to 04:00 on the 2nd), so a restart, a clock change or
 * a DST jump never mixes two days: takings of another day are simply not today's. Persisted with
 * the sale state (payment-state.json). Pure.
 */
import { array, int, object, string, type Infer } from '../core/schema.js';
import { parseHhmm } from '../signal/quiet-hours.js';

export const takingsSchema = object({
  day: string({ pattern: /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, expected: 'a date as YYYY-MM-DD' }),
  sales: array(object({ currency: string({ pattern: /^[A-Z]{3}$/ }), count: int({ min: 0 }), amount: int({ min: 0 }) }), { max: 64 }),
});

export type Takings = Infer<typeof takingsSchema>;

/** Local calendar parts of an instant in a zone (undefined: the process zone). */
function localParts(ms: number, timeZone: string | undefined): { y: number; m: number; d: number; minutes: number } {
  if (timeZone === undefined) {
    const t = new Date(ms);
    return { y: t.getFullYear(), m: t.getMonth() + 1, d: t.getDate(), minutes: t.getHours() * 60 + t.getMinutes() };
  }
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p['year'] ?? 1970, m: p['month'] ?? 1, d: p['day'] ?? 1, minutes: ((p['hour'] ?? 0) % 24) * 60 + (p['minute'] ?? 0) };
}

/** The shop day an instant belongs to: its local date, or the day before when earlier than dayStartsAt. */
export function shopDay(ms: number, dayStartsAt: string, timeZone?: string): string {
  const start = parseHhmm(dayStartsAt) ?? 240;
  const l = localParts(ms, timeZone);
  const date = new Date(Date.UTC(l.y, l.m - 1, l.d - (l.minutes < start ? 1 : 0)));
  return date.toISOString().slice(0, 10);
}

/** Milliseconds from `ms` until the local clock next reads dayStartsAt (at least one minute; re-check when it fires). */
export function msUntilDayStart(ms: number, dayStartsAt: string, timeZone?: string): number {
  const start = parseHhmm(dayStartsAt) ?? 240;
  const l = localParts(ms, timeZone);
  const minutes = (start - l.minutes + 1440) % 1440 || 1440;
  return Math.max(60_000, minutes * 60_000 - (ms % 60_000));
}

export function emptyTakings(day: string): Takings {
  return { day, sales: [] };
}

/** Today's takings: the same when they are today's, else an empty day. */
export function takingsFor(t: Takings | undefined, day: string): Takings {
  return t !== undefined && t.day === day ? t : emptyTakings(day);
}

/** Add a paid sale to today's takings (starting today's when the last ones are another day's). */
export function addSale(t: Takings | undefined, day: string, amount: number, currency: string): Takings {
  const today = takingsFor(t, day);
  const found = today.sales.some((s) => s.currency === currency);
  const sales = found
    ? today.sales.map((s) => (s.currency === currency ? { currency, count: s.count + 1, amount: Math.min(Number.MAX_SAFE_INTEGER, s.amount + amount) } : s))
    : [...today.sales, { currency, count: 1, amount }].slice(0, 64);
  return { day, sales };
}
