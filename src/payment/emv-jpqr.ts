/**
 * JPQR, Japan's unified MPM code (Payments Japan, "Code payment unified technical specification
 * guidelines, MPM"). What it puts where, on top of EMV MPM:
 *   26  merchant account template: 00 = "jp.or.paymentsjapan", 01-04 = the unified store id, in
 *       four management levels of 13, 4, 6 and 6 digits;
 *   27-51 optional templates of individual code-payment providers;
 *   53 = "392" (JPY, no decimals), 58 = "JP", 59/60 = store name and city in Latin letters,
 *   61 = 7-digit postal code without a hyphen,
 *   64 = language template with 00 = "JA", 01 = store name in Japanese, 02 = city in Japanese.
 */
import { TillqrError } from '../core/errors.js';
import type { Infer } from '../core/schema.js';
import type { merchantAccountSchema, merchantConfigSchema } from './merchant-config.js';
import { childValue, type EmvNode } from './emv-tree.js';

type MerchantAccount = Infer<typeof merchantAccountSchema>;
type MerchantConfig = Infer<typeof merchantConfigSchema>;

export const JPQR_GUID = 'jp.or.paymentsjapan';
export const JPQR_ACCOUNT_ID = '26';

/** The unified store id: four management levels. */
export interface JpqrStoreId {
  readonly level1: string;
  readonly level2: string;
  readonly level3: string;
  readonly level4: string;
}

const LEVELS = [
  ['01', 'level1', 13],
  ['02', 'level2', 4],
  ['03', 'level3', 6],
  ['04', 'level4', 6],
] as const;

export function isJpqrGui(gui: string | undefined): boolean {
  return gui?.toLowerCase() === JPQR_GUID;
}

export function isJpqrAccount(account: MerchantAccount): boolean {
  return isJpqrGui(account.fields['00']);
}

function problems(get: (sub: string) => string | undefined): string[] {
  const out: string[] = [];
  for (const [sub, name, digits] of LEVELS) {
    const v = get(sub);
    if (v === undefined) out.push(`JPQR store id ${name} (sub-id ${sub}) is missing`);
    else if (!new RegExp(`^[0-9]{${digits}}$`).test(v)) out.push(`JPQR store id ${name} (sub-id ${sub}) is ${JSON.stringify(v)}, not ${digits} digits`);
  }
  return out;
}

/** The merchant account template for a JPQR store id. Throws EMV_INVALID_FIELD on a malformed id. */
export function jpqrAccount(id: JpqrStoreId): MerchantAccount {
  const values: Record<string, string> = { '01': id.level1, '02': id.level2, '03': id.level3, '04': id.level4 };
  const bad = problems((sub) => values[sub]);
  if (bad.length > 0) throw new TillqrError('EMV_INVALID_FIELD', bad.join('; '), { template: JPQR_ACCOUNT_ID });
  return { id: JPQR_ACCOUNT_ID, fields: { '00': JPQR_GUID, ...values } };
}

export interface JpqrStore {
  readonly storeId: JpqrStoreId;
  /** Store name in Latin letters (tag 59, at most 25 characters). */
  readonly name: string;
  /** City in Latin letters (tag 60, at most 15 characters). */
  readonly city: string;
  /** Store name in Japanese (tag 64.01). */
  readonly nameJa: string;
  readonly cityJa?: string;
  /** 7 digits, no hyphen. */
  readonly postalCode?: string;
  readonly mcc: string;
  /** Further provider templates (27-51). */
  readonly otherAccounts?: readonly MerchantAccount[];
}

/** A merchant profile that encodes as JPQR. */
export function jpqrMerchant(store: JpqrStore): MerchantConfig {
  return {
    name: store.name,
    city: store.city,
    ...(store.postalCode === undefined ? {} : { postalCode: store.postalCode }),
    country: 'JP',
    mcc: store.mcc,
    currency: 'JPY',
    accounts: [jpqrAccount(store.storeId), ...(store.otherAccounts ?? [])],
    alternateLanguage: { language: 'JA', name: store.nameJa, ...(store.cityJa === undefined ? {} : { city: store.cityJa }) },
  };
}

/** The store id of the first JPQR template among accounts, or undefined. */
export function readJpqrStoreId(accounts: readonly MerchantAccount[]): JpqrStoreId | undefined {
  const a = accounts.find(isJpqrAccount);
  if (a === undefined) return undefined;
  const f = a.fields;
  if (problems((sub) => f[sub]).length > 0) return undefined;
  return { level1: f['01'] ?? '', level2: f['02'] ?? '', level3: f['03'] ?? '', level4: f['04'] ?? '' };
}

/**
 * Strict JPQR rules for the encoder; throws EMV_INVALID_FIELD listing every problem. Does nothing
 * for a profile without a JPQR template.
 */
export function checkJpqrMerchant(m: MerchantConfig): void {
  const accounts = (m.accounts ?? []).filter(isJpqrAccount);
  const first = accounts[0];
  if (first === undefined) return;
  const out: string[] = [];
  if (accounts.length > 1) out.push('a JPQR profile has one jp.or.paymentsjapan template');
  if (first.id !== JPQR_ACCOUNT_ID) out.push(`the JPQR template is id ${first.id}; JPQR puts it in id ${JPQR_ACCOUNT_ID}`);
  out.push(...problems((sub) => first.fields[sub]));
  if (m.country !== 'JP') out.push(`country is ${JSON.stringify(m.country)}; JPQR is "JP"`);
  if (m.currency !== 'JPY') out.push(`currency is ${JSON.stringify(m.currency)}; JPQR is "JPY"`);
  if (m.postalCode !== undefined && !/^[0-9]{7}$/.test(m.postalCode)) out.push(`postal code ${JSON.stringify(m.postalCode)} is not 7 digits without a hyphen`);
  if (m.alternateLanguage === undefined) out.push('JPQR needs alternateLanguage (tag 64) with language "JA" and the store name in Japanese');
  else if (m.alternateLanguage.language !== 'JA') out.push(`alternateLanguage.language is ${JSON.stringify(m.alternateLanguage.language)}; JPQR uses "JA"`);
  if (out.length > 0) throw new TillqrError('EMV_INVALID_FIELD', `not a valid JPQR profile: ${out.join('; ')}`, { problems: out });
}

/** Decoder warnings for a template that carries the JPQR identifier. */
export function jpqrWarnings(template: EmvNode): string[] {
  if (!isJpqrGui(childValue(template, '00'))) return [];
  const out = problems((sub) => childValue(template, sub));
  if (template.id !== JPQR_ACCOUNT_ID) out.push(`the JPQR template is id ${template.id}, not ${JPQR_ACCOUNT_ID}`);
  return out;
}
