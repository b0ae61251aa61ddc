/**
 * Money: an amount is a whole number of minor units (yen, cents, fils) with an ISO 4217 alphabetic
 * code. Nothing here uses floating point for amounts; decimal strings are built and read digit by digit.
 */
import { TillqrError } from '../core/errors.js';
import { knownCurrency, type Currency } from './currencies.js';

export interface Money {
  /** Whole minor units: 1200 JPY is ¥1,200; 1250 USD is $12.50. */
  readonly amount: number;
  /** ISO 4217 alphabetic code. */
  readonly currency: string;
}

/** The currency record (in use, or recently withdrawn so old codes still show), or MONEY_INVALID. */
export function requireCurrency(alpha: string): Currency {
  const c = knownCurrency(alpha);
  if (c === undefined)
    throw new TillqrError('MONEY_INVALID', `${JSON.stringify(alpha)} is not an ISO 4217 currency code in use (e.g. "JPY", "USD")`, { currency: alpha });
  return c;
}

/** How many decimals the currency's amounts have (JPY 0, USD 2, KWD 3). */
export function minorUnits(alpha: string): number {
  return requireCurrency(alpha).minorUnits;
}

function requireAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new TillqrError('MONEY_INVALID', `${String(amount)} is not an amount: expected a whole, non-negative number of minor units`, { amount });
  }
}

/** Minor units as a plain decimal string with exactly the currency's decimals: 1250 USD -> "12.50", 1200 JPY -> "1200". */
export function toDecimalString(amount: number, alpha: string): string {
  requireAmount(amount);
  return decimalString(amount, minorUnits(alpha));
}

/** Characters EMV MPM tag 54 (transaction amount) holds, the decimal point included. */
export const EMV_AMOUNT_CHARS = 13;

/**
 * The largest amount, in minor units, whose plain decimal text fits EMV tag 54: 13 digits for a
 * currency without decimals (JPY, KRW: 9,999,999,999,999), 12 digits for one with 1-4 decimals
 * (USD: 9,999,999,999.99; KWD: 999,999,999.999), since the point takes a character. A currency
 * tillqr does not know gets the 12-digit bound, which fits whatever its decimals are.
 */
export function maxAmount(alpha: string): number {
  const decimals = knownCurrency(alpha)?.minorUnits ?? 1;
  return decimals === 0 ? 10 ** EMV_AMOUNT_CHARS - 1 : 10 ** (EMV_AMOUNT_CHARS - 1) - 1;
}

/** The digit work behind toDecimalString, for a known number of decimals. */
export function decimalString(amount: number, decimals: number): string {
  const digits = String(amount).padStart(decimals + 1, '0');
  if (decimals === 0) return digits;
  return `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

const DECIMAL = /^([0-9]+)(?:\.([0-9]*))?$|^\.([0-9]+)$/;

/**
 * Reads a plain decimal ("12.50", "12", "12.5", ".5") into minor units for a number of decimals;
 * undefined when the text is not such a number or has more non-zero decimals than allowed.
 */
export function readDecimal(text: string, decimals: number): number | undefined {
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const whole = m[1] ?? '0';
  const frac = (m[2] ?? m[3] ?? '').replace(/0+$/, '');
  if (frac.length > decimals) return undefined;
  const n = Number(`${whole}${frac.padEnd(decimals, '0')}`);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Parses an amount typed by a person (CLI flags, console) into minor units: "12.50" USD -> 1250,
 * "1200" JPY -> 1200. Thousands separators, signs and exponents are refused with MONEY_INVALID.
 */
export function parseMoney(text: string, alpha: string): number {
  const c = requireCurrency(alpha);
  const t = text.trim();
  const m = DECIMAL.exec(t);
  if (m === null) {
    throw new TillqrError('MONEY_INVALID', `${JSON.stringify(text)} is not an amount: expected digits with an optional decimal point, e.g. ${exampleFor(c)}`, {
      text,
      currency: alpha,
    });
  }
  const frac = (m[2] ?? m[3] ?? '').replace(/0+$/, '');
  if (frac.length > c.minorUnits) {
    const allowed = c.minorUnits === 0 ? 'no decimal places' : `at most ${c.minorUnits} decimal place${c.minorUnits === 1 ? '' : 's'}`;
    throw new TillqrError('MONEY_INVALID', `${JSON.stringify(text)} has too many decimals: ${c.alpha} amounts have ${allowed}`, { text, currency: alpha });
  }
  const n = readDecimal(t, c.minorUnits);
  if (n === undefined) throw new TillqrError('MONEY_INVALID', `${JSON.stringify(text)} is too large an amount`, { text, currency: alpha });
  return n;
}

function exampleFor(c: Currency): string {
  return JSON.stringify(c.minorUnits === 0 ? '1200' : decimalString(1250 * 10 ** Math.max(0, c.minorUnits - 2), c.minorUnits));
}

// Symbols used when the reader's locale has none for the currency (Intl prints the bare ISO code).
const FALLBACK_SYMBOL: Readonly<Record<string, string>> = {
  AUD: 'A$',
  BRL: 'R$',
  CAD: 'CA$',
  CNY: 'CN¥',
  EUR: '€',
  GBP: '£',
  HKD: 'HK$',
  IDR: 'Rp',
  ILS: '₪',
  INR: '₹',
  JPY: '¥',
  KRW: '₩',
  MXN: 'MX$',
  MYR: 'RM',
  NZD: 'NZ$',
  PHP: '₱',
  SGD: 'S$',
  THB: '฿',
  TWD: 'NT$',
  USD: 'US$',
  VND: '₫',
};

// Where a locale's own symbol would mislead a reader at a till: in Japanese CLDR shows the yuan as
// 元, which a Japanese customer reads next to yen prices; CN¥ says which yen-like unit it is.
const LOCALE_SYMBOL: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ja: { CNY: 'CN¥' },
};

/**
 * Formats minor units for a reader: `formatMoney(1200, 'JPY', 'ja')` is "¥1,200",
 * `formatMoney(1200, 'CNY', 'en')` is "CN¥12.00", `formatMoney(12000, 'KRW', 'ko')` is "₩12,000",
 * `formatMoney(1200, 'SGD', 'en')` is "S$12.00". Grouping, decimal mark and symbol position follow
 * the locale (Intl.NumberFormat); decimals follow ISO 4217.
 */
export function formatMoney(amount: number, alpha: string, locale: string): string {
  requireAmount(amount);
  const c = requireCurrency(alpha);
  const f = formatterFor(c, locale);
  const parts = f.nf.formatToParts(decimalString(amount, c.minorUnits) as Intl.StringNumericLiteral);
  const i = parts.findIndex((p) => p.type === 'currency');
  const own = parts[i];
  if (own === undefined) return parts.map((p) => p.value).join('');
  const symbol = chooseSymbol(own.value, c.alpha, f.language);
  if (symbol === own.value) return parts.map((p) => p.value).join('');
  const out = parts.map((p) => p.value);
  out[i] = symbol;
  // The bare code came with a space ("SGD 12.00"); a symbol takes the locale's own spacing, which
  // we read off the euro, a currency every locale has a symbol for.
  const before = i > 0 ? parts[i - 1] : undefined;
  const after = parts[i + 1];
  if (!f.spaced) {
    if (isSpace(after)) out[i + 1] = '';
    else if (isSpace(before)) out[i - 1] = '';
  }
  return out.join('');
}

interface Formatter {
  readonly nf: Intl.NumberFormat;
  readonly language: string;
  readonly spaced: boolean;
}

// Creating an Intl.NumberFormat costs about 0.1 ms, formatting with one a few microseconds; a
// countdown and the layout check format the same currency many times. The formatters are pure
// functions of their key, so this memo is safe to share (and bounded).
const FORMATTERS = new Map<string, Formatter>();
const FORMATTERS_MAX = 512;

function formatterFor(c: Currency, locale: string): Formatter {
  const key = `${locale}\u0000${c.alpha}`;
  const hit = FORMATTERS.get(key);
  if (hit !== undefined) return hit;
  let nf: Intl.NumberFormat;
  try {
    nf = new Intl.NumberFormat(locale, { style: 'currency', currency: c.alpha, minimumFractionDigits: c.minorUnits, maximumFractionDigits: c.minorUnits });
  } catch {
    throw new TillqrError('MONEY_INVALID', `${JSON.stringify(locale)} is not a locale (e.g. "ja", "en-SG")`, { locale });
  }
  const f: Formatter = { nf, language: new Intl.Locale(nf.resolvedOptions().locale).language, spaced: localeSpacesSymbol(locale) };
  if (FORMATTERS.size >= FORMATTERS_MAX) FORMATTERS.clear();
  FORMATTERS.set(key, f);
  return f;
}

function chooseSymbol(intlSymbol: string, alpha: string, language: string): string {
  const override = LOCALE_SYMBOL[language]?.[alpha];
  if (override !== undefined) return override;
  if (intlSymbol === alpha) return FALLBACK_SYMBOL[alpha] ?? intlSymbol;
  // Japanese CLDR uses the fullwidth yen sign; tills print the ordinary one.
  return intlSymbol.replace('￥', '¥');
}

function isSpace(p: Intl.NumberFormatPart | undefined): boolean {
  return p?.type === 'literal' && /^\s+$/u.test(p.value);
}

function localeSpacesSymbol(locale: string): boolean {
  const parts = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' }).formatToParts(1);
  const i = parts.findIndex((p) => p.type === 'currency');
  return isSpace(parts[i - 1]) || isSpace(parts[i + 1]);
}
