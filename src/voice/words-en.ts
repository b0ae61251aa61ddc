/**
 * English numbers in words, the way a shop assistant says an amount: 1280 -> "one thousand two
 * hundred eighty" (no "and" inside a number: American usage, so "and" is left for "dollars and
 * cents"), up to the trillions (more than any EMV amount). Pure.
 */
import { TillqrError } from '../core/errors.js';

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
] as const;
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'] as const;
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion'] as const;

export const EN_MAX = 10 ** 15 - 1;

function underHundred(n: number): string {
  if (n < 20) return ONES[n] ?? '';
  const t = TENS[Math.floor(n / 10)] ?? '';
  return n % 10 === 0 ? t : `${t}-${ONES[n % 10] ?? ''}`;
}

function underThousand(n: number): string {
  const h = Math.floor(n / 100);
  const r = n % 100;
  const parts: string[] = [];
  if (h > 0) parts.push(`${ONES[h] ?? ''} hundred`);
  if (r > 0) parts.push(underHundred(r));
  return parts.join(' ');
}

/** A whole number in English words: 0 -> "zero", 1280 -> "one thousand two hundred eighty". */
export function enNumber(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n > EN_MAX)
    throw new TillqrError('MONEY_INVALID', `${String(n)} cannot be read as an English number (0 to ${EN_MAX})`, { n });
  if (n === 0) return 'zero';
  const parts: string[] = [];
  let rest = n;
  let scale = 0;
  while (rest > 0) {
    const g = rest % 1000;
    if (g > 0) parts.unshift(SCALES[scale] === '' ? underThousand(g) : `${underThousand(g)} ${SCALES[scale] ?? ''}`);
    rest = Math.floor(rest / 1000);
    scale++;
  }
  return parts.join(' ');
}
