/**
 * The TLV layer of EMV MPM: a two-digit id, a two-digit length and the value. Lengths count
 * characters (Unicode code points). Some generators in the wild count UTF-8 bytes or UTF-16 code
 * units instead; the reader can be told which unit to count so a lenient decoder can retry.
 */
import { TillqrError } from '../core/errors.js';

export interface TlvItem {
  readonly id: string;
  readonly value: string;
  /** Set when the length was written with three digits (seen in the wild for values over 99). */
  readonly longLength?: true;
}

/** What a length counts: code points (the rule), UTF-8 bytes or UTF-16 code units (seen in the wild). */
export type LengthUnit = 'char' | 'utf8' | 'utf16';

export interface TlvProblem {
  /** Character offset (code points) where reading failed. */
  readonly at: number;
  readonly reason: string;
}

/** The number of characters (Unicode code points) in a string, which is what EMV lengths count. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function unitSize(cp: string, unit: LengthUnit): number {
  if (unit === 'char') return 1;
  const code = cp.codePointAt(0) ?? 0;
  if (unit === 'utf16') return code > 0xffff ? 2 : 1;
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

const DIGITS2 = /^[0-9]{2}$/;

/** Reads a TLV string into items, or says where and why it is not one. Never throws. */
export function readTlv(text: string, unit: LengthUnit = 'char'): TlvItem[] | TlvProblem {
  const cps = Array.from(text);
  const items: TlvItem[] = [];
  let i = 0;
  while (i < cps.length) {
    if (i + 4 > cps.length) return { at: i, reason: `${cps.length - i} stray character(s) at the end where an id and length were expected` };
    const id = cps.slice(i, i + 2).join('');
    const lenText = cps.slice(i + 2, i + 4).join('');
    if (!DIGITS2.test(id)) return { at: i, reason: `${JSON.stringify(id)} is not a two-digit id` };
    if (!DIGITS2.test(lenText)) return { at: i + 2, reason: `id ${id} has length ${JSON.stringify(lenText)}, not two digits` };
    const len = Number(lenText);
    let j = i + 4;
    let counted = 0;
    while (counted < len && j < cps.length) counted += unitSize(cps[j++] ?? '', unit);
    if (counted < len) return { at: i, reason: `id ${id} says ${len} characters but only ${counted} remain` };
    if (counted > len) return { at: i, reason: `id ${id} length ${len} ends inside a character` };
    items.push({ id, value: cps.slice(i + 4, j).join('') });
    i = j;
  }
  return items;
}

/** Characters from `start` that make up `len` units, or undefined when they do not fit exactly. */
function take(cps: readonly string[], start: number, len: number, unit: LengthUnit): number | undefined {
  let j = start;
  let counted = 0;
  while (counted < len && j < cps.length) counted += unitSize(cps[j++] ?? '', unit);
  return counted === len ? j : undefined;
}

/**
 * Like readTlv, but when the rules give no reading it also tries three-digit lengths where a value
 * is longer than 99 (some generators write "26103..."). Searches for a reading of the whole text,
 * preferring two-digit lengths; memoised on position, so linear in the text length.
 */
export function readTlvLenient(text: string, unit: LengthUnit = 'char'): TlvItem[] | TlvProblem {
  const strict = readTlv(text, unit);
  if (!isTlvProblem(strict)) return strict;
  const cps = Array.from(text);
  const dead = new Set<number>();
  const out: TlvItem[] = [];
  const walk = (i: number): boolean => {
    if (i === cps.length) return true;
    if (dead.has(i)) return false;
    const id = cps.slice(i, i + 2).join('');
    if (DIGITS2.test(id)) {
      for (const digits of [2, 3]) {
        const lenText = cps.slice(i + 2, i + 2 + digits).join('');
        if (!new RegExp(`^[0-9]{${digits}}$`).test(lenText)) continue;
        const len = Number(lenText);
        if (digits === 3 && len < 100) continue;
        const end = take(cps, i + 2 + digits, len, unit);
        if (end === undefined) continue;
        out.push({ id, value: cps.slice(i + 2 + digits, end).join(''), ...(digits === 3 ? { longLength: true as const } : {}) });
        if (walk(end)) return true;
        out.pop();
      }
    }
    dead.add(i);
    return false;
  };
  return walk(0) ? out : strict;
}

export function isTlvProblem(r: TlvItem[] | TlvProblem): r is TlvProblem {
  return !Array.isArray(r);
}

/** One TLV item, with its length in characters. Throws EMV_INVALID_FIELD when it cannot be written. */
export function writeTlv(id: string, value: string, what = `id ${id}`): string {
  if (!DIGITS2.test(id)) throw new TillqrError('EMV_INVALID_FIELD', `${JSON.stringify(id)} is not a two-digit EMV id`, { id });
  const n = charLength(value);
  if (n === 0) throw new TillqrError('EMV_INVALID_FIELD', `${what} (id ${id}) is empty; leave it out instead`, { id });
  if (n > 99) throw new TillqrError('EMV_INVALID_FIELD', `${what} (id ${id}) is ${n} characters; an EMV field holds at most 99`, { id, length: n });
  return `${id}${String(n).padStart(2, '0')}${value}`;
}
