import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTillqrError } from '../../../src/core/errors.js';
import { CURRENCIES } from '../../../src/payment/currencies.js';
import { emvCrcHex } from '../../../src/payment/emv-crc.js';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import { encodeEmv, type EmvEncodeInput, type MerchantConfig } from '../../../src/payment/emv-encode.js';
import { merchantConfigSchema } from '../../../src/payment/merchant-config.js';

const pix: MerchantConfig = {
  name: 'Fulano de Tal',
  city: 'BRASILIA',
  country: 'BR',
  mcc: '0000',
  currency: 'BRL',
  accounts: [{ id: '26', fields: { '00': 'br.gov.bcb.pix', '01': '123e4567-e12b-12d1-a456-426655440000' } }],
};

function invalid(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isTillqrError(e, 'EMV_INVALID_FIELD')) return e.message;
    throw e;
  }
  throw new Error('encoded');
}

describe('encodeEmv, byte for byte', () => {
  it('writes the Pix manual example, with 01 = 11 added for a static code', () => {
    const body =
      '000201' +
      '010211' +
      '26580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000' +
      '52040000' +
      '5303986' +
      '5802BR' +
      '5913Fulano de Tal' +
      '6008BRASILIA' +
      '62070503***' +
      '6304';
    expect(encodeEmv({ merchant: pix, referenceLabel: '***', initiation: 'static' })).toBe(body + emvCrcHex(body));
  });

  it('writes a dynamic code with amount in the currency minor units and tag 62 sub-fields', () => {
    const cases: [string, number, string][] = [
      ['JPY', 1200, '54041200'],
      ['USD', 1250, '540512.50'],
      ['USD', 5, '54040.05'],
      ['KWD', 1250, '54051.250'],
      ['BHD', 7, '54050.007'],
      ['KRW', 12000, '540512000'],
    ];
    for (const [currency, amount, field] of cases) {
      const p = encodeEmv({ merchant: { ...pix, currency }, amount, billNumber: 'B-1', referenceLabel: 'R2', terminalLabel: 'T3' });
      expect(p).toContain(`010212`);
      expect(p).toContain(`5802BR`);
      expect(p).toContain(field);
      expect(p).toContain('62190103B-10502R20702T3');
    }
  });

  it('writes ids in ascending order, templates sorted, CJK in tag 64 counted in characters', () => {
    const p = encodeEmv({
      merchant: {
        name: 'BEST TRANSPORT',
        city: 'BEIJING',
        postalCode: '100000',
        country: 'CN',
        mcc: '4111',
        currency: 'CNY',
        accounts: [
          { id: '31', fields: { '03': '12345678', '00': 'D15600000001' } },
          { id: '29', fields: { '00': 'D15600000000', '05': 'A93FO3230Q' } },
        ],
        alternateLanguage: { language: 'ZH', name: '最佳运输', city: '北京' },
      },
      amount: 2372,
      terminalLabel: 'A6008667',
    });
    const body =
      '000201010212' +
      '29300012D156000000000510A93FO3230Q' +
      '31280012D15600000001030812345678' +
      '52044111' +
      '5303156' +
      '540523.72' +
      '5802CN' +
      '5914BEST TRANSPORT' +
      '6007BEIJING' +
      '6106100000' +
      '62120708A6008667' +
      '64200002ZH0104最佳运输0202北京' +
      '6304';
    expect(p).toBe(body + emvCrcHex(body));
  });
});

describe('encodeEmv is strict', () => {
  it.each<[string, Partial<EmvEncodeInput> & { m?: Partial<MerchantConfig> }, string]>([
    [
      'a CJK name in tag 59',
      { m: { name: 'メルペイ カフェ' } },
      'merchant name "メルペイ カフェ" uses characters outside the EMV common character set (printable ASCII); put a local-language name in alternateLanguage (tag 64)',
    ],
    ['a long name', { m: { name: 'X'.repeat(26) } }, `merchant name "${'X'.repeat(26)}" is 26 characters; EMV id 59 takes 1 to 25`],
    ['a long city', { m: { city: 'SAO JOSE DOS CAMPOS' } }, 'merchant city "SAO JOSE DOS CAMPOS" is 19 characters; EMV id 60 takes 1 to 15'],
    ['a bad MCC', { m: { mcc: '58' } }, 'merchant category code "58" is not a 4-digit merchant category code'],
    ['a bad country', { m: { country: 'Brazil' } }, 'country "Brazil" is not an ISO 3166-1 alpha-2 code such as "JP"'],
    ['an unknown currency', { m: { currency: 'XYZ' } }, 'currency "XYZ" is not an ISO 4217 currency code in use'],
    ['no accounts', { m: { accounts: [] } }, 'the merchant profile has no accounts: an EMV payload needs at least one merchant account template (ids 26-51)'],
    [
      'an account without GUI',
      { m: { accounts: [{ id: '26', fields: { '01': 'x' } }] } },
      'merchant account 26 has no globally unique identifier (sub-field "00")',
    ],
    ['an account id out of range', { m: { accounts: [{ id: '52', fields: { '00': 'x' } }] } }, 'merchant account id "52" is not between "26" and "51"'],
    [
      'a duplicate account',
      {
        m: {
          accounts: [
            { id: '26', fields: { '00': 'x' } },
            { id: '26', fields: { '00': 'y' } },
          ],
        },
      },
      'merchant account id 26 is used twice',
    ],
    [
      'an oversized account',
      { m: { accounts: [{ id: '26', fields: { '00': 'g', '01': 'x'.repeat(99) } }] } },
      'merchant account 26 is 108 characters once encoded; a template holds at most 99',
    ],
    ['a fractional amount', { amount: 12.5 }, 'amount 12.5 is not a positive whole number of minor units'],
    ['a zero amount', { amount: 0 }, 'amount 0 is not a positive whole number of minor units'],
    ['an amount over 13 characters', { amount: 1e13 }, 'amount 100000000000.00 BRL is 15 characters; EMV id 54 takes at most 13'],
    ['a long reference', { referenceLabel: 'R'.repeat(26) }, `reference label "${'R'.repeat(26)}" is 26 characters; EMV id 62.05 takes 1 to 25`],
    ['a non-ASCII bill number', { billNumber: 'Nº 5' }, 'bill number "Nº 5" uses characters outside the EMV common character set (printable ASCII)'],
    [
      'a lower-case language',
      { m: { alternateLanguage: { language: 'ja', name: 'カフェ' } } },
      'alternate language "ja" is not a 2-letter ISO 639 code in capitals such as "JA"',
    ],
    [
      'a long local name',
      { m: { alternateLanguage: { language: 'JA', name: 'あ'.repeat(26) } } },
      `alternate-language name "${'あ'.repeat(26)}" is 26 characters; EMV id 64.01 takes 1 to 25`,
    ],
    [
      'a control character',
      { m: { alternateLanguage: { language: 'JA', name: 'カ\nフェ' } } },
      'alternate-language name "カ\\nフェ" contains control characters',
    ],
  ])('refuses %s', (_what, change, message) => {
    const { m, ...rest } = change;
    expect(invalid(() => encodeEmv({ merchant: { ...pix, ...m }, ...rest }))).toBe(message);
  });

  it('refuses a payload over 512 characters', () => {
    const accounts = ['26', '27', '28', '29', '30', '31'].map((id) => ({ id, fields: { '00': 'com.example', '01': 'x'.repeat(80) } }));
    expect(invalid(() => encodeEmv({ merchant: { ...pix, accounts } }))).toMatch(/^the payload would be 6\d\d characters; EMV allows at most 512$/);
  });
});

// ---- round trip -------------------------------------------------------------------------------

const ascii = (min: number, max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
const cjkChar = fc
  .oneof(
    fc.integer({ min: 0x3041, max: 0x30fa }), // kana
    fc.integer({ min: 0x4e00, max: 0x9fff }), // CJK unified ideographs
    fc.integer({ min: 0xac00, max: 0xd7a3 }), // hangul
    fc.integer({ min: 0x20000, max: 0x2a6df }), // CJK extension B, outside the BMP
  )
  .map((c) => String.fromCodePoint(c));
const local = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.oneof(cjkChar, cjkChar, fc.constant(' '), fc.constant('ー')), { minLength: 1, maxLength: max }).map((a) => a.join(''));
const sub = fc.integer({ min: 1, max: 99 }).map((n) => String(n).padStart(2, '0'));
const account = (id: string): fc.Arbitrary<{ id: string; fields: Record<string, string> }> =>
  fc.record({ gui: ascii(1, 20), extra: fc.dictionary(sub, ascii(1, 12), { maxKeys: 3 }) }).map(({ gui, extra }) => ({ id, fields: { '00': gui, ...extra } }));
const accounts = fc
  .uniqueArray(fc.integer({ min: 26, max: 51 }).map(String), { minLength: 1, maxLength: 2 })
  .chain((ids) => fc.tuple(...ids.map(account)))
  .map((list) => [...list].sort((a, b) => a.id.localeCompare(b.id)));

const merchant: fc.Arbitrary<MerchantConfig> = fc.record(
  {
    name: ascii(1, 25),
    city: ascii(1, 15),
    postalCode: ascii(1, 10),
    country: fc.stringMatching(/^[A-Z]{2}$/),
    mcc: fc.stringMatching(/^[0-9]{4}$/),
    currency: fc.constantFrom(...CURRENCIES.map((c) => c.alpha)),
    accounts,
    alternateLanguage: fc.record({ language: fc.constantFrom('JA', 'ZH', 'KO'), name: local(25), city: local(15) }, { requiredKeys: ['language', 'name'] }),
  },
  { requiredKeys: ['name', 'city', 'country', 'mcc', 'currency', 'accounts'] },
);

const input: fc.Arbitrary<EmvEncodeInput> = fc.record(
  {
    merchant,
    initiation: fc.constantFrom('static' as const, 'dynamic' as const),
    amount: fc.integer({ min: 1, max: 99_999_999 }),
    billNumber: ascii(1, 25),
    referenceLabel: ascii(1, 25),
    terminalLabel: ascii(1, 25),
  },
  { requiredKeys: ['merchant'] },
);

describe('decode(encode(x)) gives back x', () => {
  it('for any valid profile, amount and references, CJK local names included, with no warnings', () => {
    fc.assert(
      fc.property(input, (x) => {
        expect(merchantConfigSchema.safeParse(x.merchant).ok).toBe(true);
        const decoded = decodeEmv(encodeEmv(x));
        expect(decoded.warnings).toEqual([]);
        const { merchant: m, initiation, ...sale } = decoded.content as typeof decoded.content & Record<string, unknown>;
        expect(m).toEqual({ ...x.merchant });
        const dynamic = x.amount !== undefined || x.billNumber !== undefined || x.referenceLabel !== undefined;
        expect(initiation).toBe(x.initiation ?? (dynamic ? 'dynamic' : 'static'));
        const { merchant: _m, initiation: _i, ...expectedSale } = x;
        const { formatIndicator, currencyNumeric, ...rest } = sale as Record<string, unknown>;
        expect(formatIndicator).toBe('01');
        expect(currencyNumeric).toBe(CURRENCIES.find((c) => c.alpha === x.merchant.currency)?.numeric);
        expect(rest).toEqual(expectedSale);
      }),
      { numRuns: 300 },
    );
  });
});
