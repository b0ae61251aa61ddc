/**
 * What a decoded payload means to a till: the merchant (in the same shape as the merchant profile
 * the encoder takes), the initiation method, the amount in minor units and the reference fields.
 * Anything the payload lacks is simply absent; the decoder's warnings say what is wrong.
 */
import { currencyByNumeric } from './currencies.js';
import { findNode, type EmvNode } from './emv-tree.js';
import { readDecimal } from './money.js';

export interface EmvAccount {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>>;
}

export interface EmvMerchant {
  readonly name?: string;
  readonly city?: string;
  readonly postalCode?: string;
  readonly country?: string;
  readonly mcc?: string;
  /** ISO 4217 alphabetic code, when tag 53 holds a known numeric code. */
  readonly currency?: string;
  /** Merchant account templates 26-51 with their sub-fields. */
  readonly accounts: readonly EmvAccount[];
  readonly alternateLanguage?: { readonly language: string; readonly name: string; readonly city?: string };
}

export interface EmvContent {
  /** Tag 00 as written ("01"; "02" is seen in the wild). */
  readonly formatIndicator: string;
  /** Tag 01: "11" static, "12" dynamic; absent when missing or another value. */
  readonly initiation?: 'static' | 'dynamic';
  readonly merchant: EmvMerchant;
  /** Tag 53 as written (numeric). */
  readonly currencyNumeric?: string;
  /** Tag 54 in minor units of the currency; absent when there is no amount or it cannot be read. */
  readonly amount?: number;
  readonly billNumber?: string;
  readonly mobileNumber?: string;
  readonly storeLabel?: string;
  readonly loyaltyNumber?: string;
  readonly referenceLabel?: string;
  readonly customerLabel?: string;
  readonly terminalLabel?: string;
  readonly purpose?: string;
}

const ADDITIONAL = [
  ['01', 'billNumber'],
  ['02', 'mobileNumber'],
  ['03', 'storeLabel'],
  ['04', 'loyaltyNumber'],
  ['05', 'referenceLabel'],
  ['06', 'customerLabel'],
  ['07', 'terminalLabel'],
  ['08', 'purpose'],
] as const;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

function fieldsOf(n: EmvNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of n.children ?? []) if (!(c.id in out)) out[c.id] = c.value;
  return out;
}

function readMerchant(fields: readonly EmvNode[], currency: string | undefined): EmvMerchant {
  const m: Writable<EmvMerchant> = { accounts: [] };
  const name = findNode(fields, '59')?.value;
  const city = findNode(fields, '60')?.value;
  const postalCode = findNode(fields, '61')?.value;
  const country = findNode(fields, '58')?.value;
  const mcc = findNode(fields, '52')?.value;
  if (name !== undefined) m.name = name;
  if (city !== undefined) m.city = city;
  if (postalCode !== undefined) m.postalCode = postalCode;
  if (country !== undefined) m.country = country;
  if (mcc !== undefined) m.mcc = mcc;
  if (currency !== undefined) m.currency = currency;
  m.accounts = fields.filter((f) => Number(f.id) >= 26 && Number(f.id) <= 51 && f.children !== undefined).map((f) => ({ id: f.id, fields: fieldsOf(f) }));
  const lang = findNode(fields, '64');
  const lf = lang?.children === undefined ? undefined : fieldsOf(lang);
  if (lf?.['00'] !== undefined && lf['01'] !== undefined) {
    m.alternateLanguage = { language: lf['00'], name: lf['01'], ...(lf['02'] === undefined ? {} : { city: lf['02'] }) };
  }
  return m;
}

/** The meaning of a decoded tree. */
export function readContent(fields: readonly EmvNode[]): EmvContent {
  const numeric = findNode(fields, '53')?.value;
  const currency = numeric === undefined ? undefined : currencyByNumeric(numeric);
  const c: Writable<EmvContent> = {
    formatIndicator: findNode(fields, '00')?.value ?? '',
    merchant: readMerchant(fields, currency?.alpha),
  };
  const poi = findNode(fields, '01')?.value;
  if (poi === '11') c.initiation = 'static';
  if (poi === '12') c.initiation = 'dynamic';
  if (numeric !== undefined) c.currencyNumeric = numeric;
  const amountText = findNode(fields, '54')?.value;
  if (amountText !== undefined && currency !== undefined) {
    const amount = readDecimal(amountText, currency.minorUnits);
    if (amount !== undefined) c.amount = amount;
  }
  const extra = findNode(fields, '62');
  if (extra?.children !== undefined) {
    const f = fieldsOf(extra);
    for (const [id, key] of ADDITIONAL) {
      const v = f[id];
      if (v !== undefined) c[key] = v;
    }
  }
  return c;
}
