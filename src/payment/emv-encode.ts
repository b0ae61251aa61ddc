/**
 * Strict EMV MPM encoder: a merchant profile plus the sale's amount and references become a
 * payload, or EMV_INVALID_FIELD says which rule a value breaks. Objects are written in ascending
 * id order: 00, 01, 26-51, 52, 53, 54, 58, 59, 60, 61, 62, 64, then the CRC (63) last.
 */
import { TillqrError } from '../core/errors.js';
import type { Infer } from '../core/schema.js';
import { currencyByAlpha } from './currencies.js';
import { COMMON_CHARSET } from './emv-check.js';
import { emvCrcHex } from './emv-crc.js';
import { checkJpqrMerchant } from './emv-jpqr.js';
import { charLength, writeTlv } from './emv-tlv.js';
import type { merchantConfigSchema } from './merchant-config.js';
import { decimalString } from './money.js';

export type MerchantConfig = Infer<typeof merchantConfigSchema>;

export interface EmvEncodeInput {
  readonly merchant: MerchantConfig;
  /** "static" (01 = 11) or "dynamic" (01 = 12). Default: dynamic when an amount, bill number or reference is given. */
  readonly initiation?: 'static' | 'dynamic';
  /** Whole minor units of the merchant's currency (tag 54). */
  readonly amount?: number;
  /** Tag 62.01. */
  readonly billNumber?: string;
  /** Tag 62.05. */
  readonly referenceLabel?: string;
  /** Tag 62.07. */
  readonly terminalLabel?: string;
}

export const MAX_PAYLOAD = 512;

function invalid(message: string, context: Record<string, unknown> = {}): TillqrError {
  return new TillqrError('EMV_INVALID_FIELD', message, context);
}

function show(v: string): string {
  return JSON.stringify(v);
}

/** A text field in the common character set, 1..max characters. */
function ansField(what: string, id: string, value: string, max: number, hint = '', where = id): string {
  const n = charLength(value);
  if (n === 0 || n > max) throw invalid(`${what} ${show(value)} is ${n} characters; EMV id ${where} takes 1 to ${max}`, { id: where });
  if (!COMMON_CHARSET.test(value)) {
    throw invalid(`${what} ${show(value)} uses characters outside the EMV common character set (printable ASCII)${hint}`, { id: where });
  }
  return writeTlv(id, value, what);
}

/** Local-language text (tag 64): any characters except control characters. */
function localField(what: string, id: string, value: string, max: number): string {
  const n = charLength(value);
  if (n === 0 || n > max) throw invalid(`${what} ${show(value)} is ${n} characters; EMV id 64.${id} takes 1 to ${max}`, { id });
  if (/\p{Cc}/u.test(value)) throw invalid(`${what} ${show(value)} contains control characters`, { id });
  return writeTlv(id, value, what);
}

function pattern(what: string, id: string, value: string, re: RegExp, expected: string): string {
  if (!re.test(value)) throw invalid(`${what} ${show(value)} is not ${expected}`, { id });
  return writeTlv(id, value, what);
}

function accounts(m: MerchantConfig): string {
  const list = [...(m.accounts ?? [])].sort((a, b) => a.id.localeCompare(b.id));
  if (list.length === 0) throw invalid('the merchant profile has no accounts: an EMV payload needs at least one merchant account template (ids 26-51)');
  let out = '';
  const seen = new Set<string>();
  for (const a of list) {
    if (!/^(2[6-9]|[34][0-9]|5[01])$/.test(a.id)) throw invalid(`merchant account id ${show(a.id)} is not between "26" and "51"`, { id: a.id });
    if (seen.has(a.id)) throw invalid(`merchant account id ${a.id} is used twice`, { id: a.id });
    seen.add(a.id);
    const subs = Object.keys(a.fields).sort();
    if (a.fields['00'] === undefined) throw invalid(`merchant account ${a.id} has no globally unique identifier (sub-field "00")`, { id: a.id });
    let inner = '';
    for (const sub of subs) {
      if (!/^[0-9]{2}$/.test(sub)) throw invalid(`merchant account ${a.id} has sub-field ${show(sub)}; sub-fields are two digits`, { id: a.id });
      inner += ansField(`merchant account ${a.id}.${sub}`, sub, a.fields[sub] ?? '', 99, '', `${a.id}.${sub}`);
    }
    if (charLength(inner) > 99)
      throw invalid(`merchant account ${a.id} is ${charLength(inner)} characters once encoded; a template holds at most 99`, { id: a.id });
    out += writeTlv(a.id, inner);
  }
  return out;
}

function amountField(amount: number, currency: string, minor: number): string {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw invalid(`amount ${String(amount)} is not a positive whole number of minor units`, { id: '54' });
  }
  const text = decimalString(amount, minor);
  if (text.length > 13) throw invalid(`amount ${text} ${currency} is ${text.length} characters; EMV id 54 takes at most 13`, { id: '54' });
  return writeTlv('54', text);
}

function additionalData(input: EmvEncodeInput): string {
  let inner = '';
  if (input.billNumber !== undefined) inner += ansField('bill number', '01', input.billNumber, 25, '', '62.01');
  if (input.referenceLabel !== undefined) inner += ansField('reference label', '05', input.referenceLabel, 25, '', '62.05');
  if (input.terminalLabel !== undefined) inner += ansField('terminal label', '07', input.terminalLabel, 25, '', '62.07');
  if (inner === '') return '';
  if (charLength(inner) > 99) throw invalid(`the additional data (id 62) is ${charLength(inner)} characters; at most 99`, { id: '62' });
  return writeTlv('62', inner);
}

function language(m: MerchantConfig): string {
  const alt = m.alternateLanguage;
  if (alt === undefined) return '';
  let inner = pattern('alternate language', '00', alt.language, /^[A-Z]{2}$/, 'a 2-letter ISO 639 code in capitals such as "JA"');
  inner += localField('alternate-language name', '01', alt.name, 25);
  if (alt.city !== undefined) inner += localField('alternate-language city', '02', alt.city, 15);
  return writeTlv('64', inner);
}

/** Encodes a payload. Throws EMV_INVALID_FIELD naming the first broken rule. */
export function encodeEmv(input: EmvEncodeInput): string {
  const m = input.merchant;
  const currency = currencyByAlpha(m.currency);
  if (currency === undefined) throw invalid(`currency ${show(m.currency)} is not an ISO 4217 currency code in use`, { id: '53' });
  checkJpqrMerchant(m);
  const dynamic =
    input.initiation === undefined
      ? input.amount !== undefined || input.billNumber !== undefined || input.referenceLabel !== undefined
      : input.initiation === 'dynamic';
  let body = writeTlv('00', '01') + writeTlv('01', dynamic ? '12' : '11');
  body += accounts(m);
  body += pattern('merchant category code', '52', m.mcc, /^[0-9]{4}$/, 'a 4-digit merchant category code');
  body += writeTlv('53', currency.numeric);
  if (input.amount !== undefined) body += amountField(input.amount, currency.alpha, currency.minorUnits);
  body += pattern('country', '58', m.country, /^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code such as "JP"');
  body += ansField('merchant name', '59', m.name, 25, '; put a local-language name in alternateLanguage (tag 64)');
  body += ansField('merchant city', '60', m.city, 15, '; put a local-language city in alternateLanguage (tag 64)');
  if (m.postalCode !== undefined) body += ansField('postal code', '61', m.postalCode, 10);
  body += additionalData(input);
  body += language(m);
  body += '6304';
  const payload = body + emvCrcHex(body);
  const n = charLength(payload);
  if (n > MAX_PAYLOAD) throw invalid(`the payload would be ${n} characters; EMV allows at most ${MAX_PAYLOAD}`, { length: n });
  return payload;
}
