import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTillqrError } from '../../../src/core/errors.js';
import { formatMoney, minorUnits, parseMoney, readDecimal, toDecimalString } from '../../../src/payment/money.js';
import { CURRENCIES, currencyByAlpha, currencyByNumeric } from '../../../src/payment/currencies.js';

function moneyError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isTillqrError(e, 'MONEY_INVALID')) return e.message;
    throw e;
  }
  throw new Error('expected MONEY_INVALID');
}

describe('ISO 4217 table', () => {
  it('maps alpha to numeric and minor units for the currencies tills use', () => {
    const expected: [string, string, number][] = [
      ['JPY', '392', 0],
      ['CNY', '156', 2],
      ['KRW', '410', 0],
      ['USD', '840', 2],
      ['EUR', '978', 2],
      ['SGD', '702', 2],
      ['THB', '764', 2],
      ['BRL', '986', 2],
      ['IDR', '360', 2],
      ['MYR', '458', 2],
      ['HKD', '344', 2],
      ['TWD', '901', 2],
      ['KWD', '414', 3],
      ['BHD', '048', 3],
      ['VND', '704', 0],
      ['CLF', '990', 4],
      ['GBP', '826', 2],
      ['INR', '356', 2],
    ];
    for (const [alpha, numeric, minor] of expected) {
      expect(currencyByAlpha(alpha)).toEqual({ alpha, numeric, minorUnits: minor });
      expect(currencyByNumeric(numeric)?.alpha).toBe(alpha);
    }
  });

  it('has unique codes, well-formed entries, and only codes the runtime knows', () => {
    const alphas = new Set(CURRENCIES.map((c) => c.alpha));
    expect(alphas.size).toBe(CURRENCIES.length);
    const numerics = CURRENCIES.map((c) => c.numeric);
    expect(new Set(numerics).size).toBe(numerics.length);
    expect(CURRENCIES.length).toBeGreaterThan(150);
    // ICU lists currencies, not funds codes; VED (2021) is newer than Node 20's ICU data.
    const known = new Set([...Intl.supportedValuesOf('currency'), 'BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'VED']);
    for (const c of CURRENCIES) {
      expect(c.alpha).toMatch(/^[A-Z]{3}$/);
      expect(c.numeric).toMatch(/^[0-9]{3}$/);
      expect([0, 2, 3, 4]).toContain(c.minorUnits);
      expect(known.has(c.alpha), c.alpha).toBe(true);
    }
  });

  it('answers a numeric code with the current currency after a replacement, and knows withdrawn ones', () => {
    expect(currencyByNumeric('532')?.alpha).toBe('XCG');
    expect(currencyByNumeric('694')?.alpha).toBe('SLL');
    expect(currencyByAlpha('SLL')).toBeUndefined();
    expect(currencyByAlpha('ANG')).toBeUndefined();
    expect(currencyByNumeric('999')).toBeUndefined();
  });
});

describe('formatMoney', () => {
  it.each([
    [1200, 'JPY', 'ja', '¥1,200'],
    [1200, 'JPY', 'en', '¥1,200'],
    [1200, 'CNY', 'en', 'CN¥12.00'],
    [1200, 'CNY', 'ja', 'CN¥12.00'],
    [12000, 'KRW', 'ko', '₩12,000'],
    [12000, 'KRW', 'en', '₩12,000'],
    [1200, 'SGD', 'en', 'S$12.00'],
    [1200, 'SGD', 'ja', 'S$12.00'],
    [1200, 'SGD', 'en-SG', '$12.00'],
    [123456, 'USD', 'en-US', '$1,234.56'],
    [1250, 'KWD', 'en', 'KWD\u00a01.250'],
    [123456, 'EUR', 'de', '1.234,56\u00a0€'],
    [1200, 'JPY', 'fr', '1\u202f200\u00a0¥'],
    [5, 'USD', 'en', '$0.05'],
    [0, 'JPY', 'ja', '¥0'],
    [150050, 'THB', 'th', '฿1,500.50'],
  ])('%d %s in %s is %s', (amount, currency, locale, text) => {
    expect(formatMoney(amount, currency, locale)).toBe(text);
  });

  it('still shows amounts in a recently withdrawn currency read from an old code', () => {
    expect(formatMoney(150000, 'SLL', 'en')).toBe('SLL\u00a01,500.00');
  });

  it('formats large amounts exactly, without floating-point rounding', () => {
    expect(formatMoney(9007199254740991, 'USD', 'en')).toBe('$90,071,992,547,409.91');
  });

  it('refuses bad amounts, currencies and locales with MONEY_INVALID', () => {
    expect(moneyError(() => formatMoney(12.5, 'USD', 'en'))).toMatch(/whole, non-negative number of minor units/);
    expect(moneyError(() => formatMoney(-1, 'USD', 'en'))).toMatch(/not an amount/);
    expect(moneyError(() => formatMoney(1, 'XXX', 'en'))).toMatch(/"XXX" is not an ISO 4217 currency code/);
    expect(moneyError(() => formatMoney(1, 'USD', 'not a locale!'))).toMatch(/is not a locale/);
  });
});

describe('decimal strings', () => {
  it('renders minor units with exactly the currency decimals', () => {
    expect(toDecimalString(1250, 'USD')).toBe('12.50');
    expect(toDecimalString(5, 'USD')).toBe('0.05');
    expect(toDecimalString(1200, 'JPY')).toBe('1200');
    expect(toDecimalString(1250, 'KWD')).toBe('1.250');
    expect(toDecimalString(0, 'BHD')).toBe('0.000');
  });

  it('reads what it writes, for every currency and amount', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CURRENCIES.map((c) => c.alpha)), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (cur, amount) => {
        expect(parseMoney(toDecimalString(amount, cur), cur)).toBe(amount);
        expect(readDecimal(toDecimalString(amount, cur), minorUnits(cur))).toBe(amount);
      }),
    );
  });
});

describe('parseMoney', () => {
  it.each([
    ['12.50', 'USD', 1250],
    ['12.5', 'USD', 1250],
    ['12', 'USD', 1200],
    ['.5', 'USD', 50],
    [' 7.00 ', 'USD', 700],
    ['1200', 'JPY', 1200],
    ['1200.00', 'JPY', 1200],
    ['1.25', 'KWD', 1250],
    ['0', 'KRW', 0],
  ])('%j %s is %d', (text, currency, amount) => {
    expect(parseMoney(text, currency)).toBe(amount);
  });

  it('explains what is wrong', () => {
    expect(moneyError(() => parseMoney('12.345', 'USD'))).toBe('"12.345" has too many decimals: USD amounts have at most 2 decimal places');
    expect(moneyError(() => parseMoney('1200.5', 'JPY'))).toBe('"1200.5" has too many decimals: JPY amounts have no decimal places');
    expect(moneyError(() => parseMoney('1,200', 'JPY'))).toBe('"1,200" is not an amount: expected digits with an optional decimal point, e.g. "1200"');
    expect(moneyError(() => parseMoney('-5', 'USD'))).toMatch(/e\.g\. "12\.50"/);
    expect(moneyError(() => parseMoney('1e3', 'USD'))).toMatch(/is not an amount/);
    expect(moneyError(() => parseMoney('', 'USD'))).toMatch(/is not an amount/);
    expect(moneyError(() => parseMoney('99999999999999999999', 'USD'))).toMatch(/too large/);
    expect(moneyError(() => parseMoney('1', 'usd'))).toMatch(/not an ISO 4217 currency code/);
  });
});
