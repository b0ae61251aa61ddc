/**
 * Chinese (Mandarin, simplified) numbers read aloud: 1280 -> 一千两百八十. The hard cases: 零 for
 * each run of missing places (1005 一千零五, 10050 一万零五十, 100500 十万零五百, 100010000 一亿零一万),
 * 十 without 一 only at the very start (15 十五, 150000 十五万, but 110 一百一十), and 两 for a 2 that
 * counts hundreds, thousands or a whole 万/亿 (两百, 两千, 两万, 两亿; 二十, 十二, 一百零二 keep 二).
 * A lone 2 before a measure word (两元) is the caller's choice: `zhNumber(2, { measure: true })`.
 * Large units: 万 and 亿, which carries everything above it (一万五千亿; mainland usage). Pure.
 */
import { TillqrError } from '../core/errors.js';

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;

export const ZH_MAX = 10 ** 16 - 1;

function d(i: number): string {
  return DIGITS[i] ?? '';
}

/** 1..9999; `head`: this group starts the whole number (a leading 1 before 十 is dropped). */
function group(n: number, head: boolean, wholeGroupTwo: boolean): string {
  if (n === 2 && wholeGroupTwo) return '两';
  const places: [number, string][] = [
    [Math.floor(n / 1000), '千'],
    [Math.floor(n / 100) % 10, '百'],
    [Math.floor(n / 10) % 10, '十'],
    [n % 10, ''],
  ];
  let out = '';
  let started = false;
  let zero = false;
  for (const [v, unit] of places) {
    if (v === 0) {
      if (started) zero = true;
      continue;
    }
    if (zero) out += '零';
    zero = false;
    if (unit === '十' && v === 1 && head && !started) out += '十';
    else if (v === 2 && (unit === '千' || unit === '百')) out += `两${unit}`;
    else out += d(v) + unit;
    started = true;
  }
  return out;
}

/** 1..99,999,999 with 万; `head` as for group; `unitTwo`: a lone 2 is 两 (before 亿). */
function below100m(n: number, head: boolean, unitTwo: boolean): string {
  const hi = Math.floor(n / 10_000);
  const lo = n % 10_000;
  if (hi === 0) return group(lo, head, unitTwo);
  let out = group(hi, head, true) + '万';
  // A missing place between the 万 group and the rest: one 零 (一万零五, 十万零五百).
  if (lo > 0) out += (lo < 1000 ? '零' : '') + group(lo, false, false);
  return out;
}

/** A whole number in Chinese characters. `measure`: a lone 2 is 两 (两元), not 二. */
export function zhNumber(n: number, opts: { measure?: boolean } = {}): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > ZH_MAX)
    throw new TillqrError('MONEY_INVALID', `${String(n)} cannot be read as a Chinese number (0 to ${ZH_MAX})`, { n });
  if (n === 0) return '零';
  if (n === 2 && opts.measure === true) return '两';
  // 亿 carries everything above it (一万五千亿 is 1.5 × 10^12: mainland usage has no 兆).
  const hi = Math.floor(n / 100_000_000);
  const lo = n % 100_000_000;
  if (hi === 0) return below100m(lo, true, false);
  let out = below100m(hi, true, true) + '亿';
  if (lo > 0) out += (lo < 10_000_000 ? '零' : '') + below100m(lo, false, false);
  return out;
}
