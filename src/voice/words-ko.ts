/**
 * Korean numbers read aloud, in both systems. Money is Sino-Korean: 1280 -> 천이백팔십, where
 * 십, 백, 천 and 만 take no 일 (만 원, not 일만 원) but 억 and 조 do (일억); spaced by 만-groups
 * as Korean spelling has it (일억 이천만, 만 천). Counts of sales use the native numbers before a
 * counter (한 건, 두 건, 스무 건, 스물한 건) up to 99, and Sino-Korean from 100. Pure.
 */
import { TillqrError } from '../core/errors.js';

const SINO = ['영', '일', '이', '삼', '사', '오', '육', '칠', '팔', '구'] as const;
const LARGE = ['', '만', '억', '조'] as const;

export const KO_MAX = 10 ** 16 - 1;

function check(n: number, max: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new TillqrError('MONEY_INVALID', `${String(n)} cannot be read as a ${what} (0 to ${max})`, { n });
}

/** 1..9999 in Sino-Korean (no 일 before 십, 백, 천). */
function sinoGroup(n: number): string {
  const places: [number, string][] = [
    [Math.floor(n / 1000), '천'],
    [Math.floor(n / 100) % 10, '백'],
    [Math.floor(n / 10) % 10, '십'],
    [n % 10, ''],
  ];
  let out = '';
  for (const [v, unit] of places) {
    if (v === 0) continue;
    out += (v === 1 && unit !== '' ? '' : (SINO[v] ?? '')) + unit;
  }
  return out;
}

/** A whole number in Sino-Korean: 0 -> 영, 10000 -> 만, 11000 -> 만 천, 100000000 -> 일억. */
export function koSino(n: number): string {
  check(n, KO_MAX, 'Sino-Korean number');
  if (n === 0) return '영';
  const groups: number[] = [];
  let rest = n;
  while (rest > 0) {
    groups.push(rest % 10_000);
    rest = Math.floor(rest / 10_000);
  }
  const words: string[] = [];
  for (let i = groups.length - 1; i >= 0; i--) {
    const v = groups[i] ?? 0;
    if (v === 0) continue;
    // 만 alone (10000) drops its 일; 억 and 조 keep it.
    const g = v === 1 && i === 1 ? '' : v === 1 && i > 1 ? '일' : sinoGroup(v);
    words.push(g + (LARGE[i] ?? ''));
  }
  return words.join(' ');
}

const NATIVE_ONES = ['', '한', '두', '세', '네', '다섯', '여섯', '일곱', '여덟', '아홉'] as const;
const NATIVE_TENS = ['', '열', '스물', '서른', '마흔', '쉰', '예순', '일흔', '여든', '아흔'] as const;

/** A count before a counter word (건, 개, 번): native 1..99 (한, 두, 열두, 스무), Sino-Korean from 100; 0 is 영. */
export function koCount(n: number): string {
  check(n, KO_MAX, 'Korean count');
  if (n === 0) return '영';
  if (n >= 100) return koSino(n);
  const t = Math.floor(n / 10);
  const o = n % 10;
  // 20 before a counter is 스무 (스무 건), but 21 is 스물한.
  if (t === 2 && o === 0) return '스무';
  return (NATIVE_TENS[t] ?? '') + (NATIVE_ONES[o] ?? '');
}
