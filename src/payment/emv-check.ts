/**
 * The EMV MPM rules a decoded payload is held to. Breaking them is not an error: real codes in
 * shops break them (no MCC, over 512 characters, "00" = "02", long city names) and still pay, so
 * each broken rule becomes one warning sentence.
 */
import { currencyByNumeric } from './currencies.js';
import { isMerchantAccountId, label } from './emv-fields.js';
import { jpqrWarnings } from './emv-jpqr.js';
import { charLength } from './emv-tlv.js';
import { childValue, findNode, type EmvNode } from './emv-tree.js';
import { readDecimal } from './money.js';

/** The EMV "common character set": printable ASCII. */
export const COMMON_CHARSET = /^[\x20-\x7e]*$/;

const MANDATORY = ['52', '53', '58', '59', '60'];

const FORMATS: Readonly<Record<string, { pattern: RegExp; expected: string }>> = {
  '01': { pattern: /^1[12]$/, expected: '"11" (static) or "12" (dynamic)' },
  '52': { pattern: /^[0-9]{4}$/, expected: 'a 4-digit merchant category code' },
  '53': { pattern: /^[0-9]{3}$/, expected: 'a 3-digit ISO 4217 numeric currency code' },
  '54': { pattern: /^(?=.*[0-9])[0-9]*\.?[0-9]*$/, expected: 'a decimal amount such as "12.50"' },
  '55': { pattern: /^0[123]$/, expected: '"01", "02" or "03"' },
  '56': { pattern: /^(?=.*[0-9])[0-9]*\.?[0-9]*$/, expected: 'a decimal amount' },
  '57': { pattern: /^(?=.*[0-9])[0-9]*\.?[0-9]*$/, expected: 'a percentage such as "3.00"' },
  '58': { pattern: /^[A-Z]{2}$/, expected: 'an ISO 3166-1 alpha-2 country code' },
};

const MAX_LENGTH: Readonly<Record<string, number>> = { '54': 13, '56': 13, '57': 5, '59': 25, '60': 15, '61': 10 };
const ASCII_ONLY = ['59', '60', '61'];

function show(v: string): string {
  return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
}

function checkTop(fields: readonly EmvNode[], out: string[]): void {
  const fmt = findNode(fields, '00')?.value;
  if (fmt !== '01') out.push(`${label('00')} is ${show(fmt ?? '')}; the specification says "01"`);
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.id)) out.push(`${label(f.id)} appears more than once; the first is used`);
    seen.add(f.id);
    const n = Number(f.id);
    if (n >= 65 && n <= 79) out.push(`${label(f.id)} is reserved for future use by EMVCo`);
    const format = FORMATS[f.id];
    if (format !== undefined && !format.pattern.test(f.value)) out.push(`${label(f.id)} is ${show(f.value)}, not ${format.expected}`);
    const max = MAX_LENGTH[f.id];
    if (max !== undefined && charLength(f.value) > max) out.push(`${label(f.id)} is ${charLength(f.value)} characters; at most ${max} allowed`);
    if (ASCII_ONLY.includes(f.id) && !COMMON_CHARSET.test(f.value)) {
      out.push(`${label(f.id)} has characters outside the EMV common character set (local-language text belongs in id 64)`);
    }
  }
  for (const id of MANDATORY) if (!seen.has(id)) out.push(`${label(id)} is missing`);
  if (!fields.some((f) => isMerchantAccountId(f.id))) out.push('no Merchant Account Information (ids 02-51)');
}

function checkAmounts(fields: readonly EmvNode[], out: string[]): void {
  const numeric = findNode(fields, '53')?.value;
  const currency = numeric === undefined ? undefined : currencyByNumeric(numeric);
  if (numeric !== undefined && /^[0-9]{3}$/.test(numeric) && currency === undefined)
    out.push(`${label('53')} ${show(numeric)} is not a known ISO 4217 currency`);
  const amount = findNode(fields, '54')?.value;
  if (amount !== undefined && currency !== undefined && FORMATS['54']?.pattern.test(amount) && readDecimal(amount, currency.minorUnits) === undefined) {
    out.push(`${label('54')} ${show(amount)} has more decimals than ${currency.alpha} allows (${currency.minorUnits})`);
  }
  const tip = findNode(fields, '55')?.value;
  if (findNode(fields, '56') !== undefined && tip !== '02') out.push(`${label('56')} is present but id 55 is not "02"`);
  if (findNode(fields, '57') !== undefined && tip !== '03') out.push(`${label('57')} is present but id 55 is not "03"`);
  if (tip === '02' && findNode(fields, '56') === undefined) out.push(`${label('55')} is "02" but id 56 (the fixed fee) is missing`);
  if (tip === '03' && findNode(fields, '57') === undefined) out.push(`${label('55')} is "03" but id 57 (the percentage fee) is missing`);
}

function checkTemplates(fields: readonly EmvNode[], out: string[]): void {
  for (const f of fields) {
    const n = Number(f.id);
    if (f.children === undefined) continue;
    if (((n >= 26 && n <= 51) || n >= 80) && childValue(f, '00') === undefined) out.push(`${label(f.id)} has no Globally Unique Identifier (sub-id 00)`);
    if (f.id === '62') {
      for (const c of f.children) {
        if (Number(c.id) <= 11 && charLength(c.value) > 25) out.push(`${label(c.id, '62')} is ${charLength(c.value)} characters; at most 25 allowed`);
      }
    }
    if (f.id === '64') {
      const lang = childValue(f, '00');
      if (lang === undefined) out.push(`${label('00', '64')} is missing`);
      else if (!/^[A-Za-z]{2}$/.test(lang)) out.push(`${label('00', '64')} is ${show(lang)}, not a 2-letter ISO 639 code`);
      const name = childValue(f, '01');
      if (name === undefined) out.push(`${label('01', '64')} is missing`);
      else if (charLength(name) > 25) out.push(`${label('01', '64')} is ${charLength(name)} characters; at most 25 allowed`);
      const city = childValue(f, '02');
      if (city !== undefined && charLength(city) > 15) out.push(`${label('02', '64')} is ${charLength(city)} characters; at most 15 allowed`);
    }
    out.push(...jpqrWarnings(f));
  }
}

/** Every rule the decoded payload breaks, as sentences; empty when it follows them all. */
export function checkRules(fields: readonly EmvNode[], payloadLength: number): string[] {
  const out: string[] = [];
  if (payloadLength > 512) out.push(`the payload is ${payloadLength} characters; EMV allows at most 512`);
  checkTop(fields, out);
  checkAmounts(fields, out);
  checkTemplates(fields, out);
  return out;
}
