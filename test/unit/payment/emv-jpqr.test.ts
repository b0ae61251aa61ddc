import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTillqrError } from '../../../src/core/errors.js';
import { emvCrcHex } from '../../../src/payment/emv-crc.js';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import { encodeEmv } from '../../../src/payment/emv-encode.js';
import { JPQR_GUID, checkJpqrMerchant, jpqrAccount, jpqrMerchant, readJpqrStoreId, type JpqrStore } from '../../../src/payment/emv-jpqr.js';
import { merchantConfigSchema } from '../../../src/payment/merchant-config.js';

const store: JpqrStore = {
  storeId: { level1: '0000000000001', level2: '0001', level3: '000001', level4: '000001' },
  name: 'MERPAY CAFE',
  city: 'MINATO-KU',
  nameJa: 'メルペイ カフェ',
  cityJa: '港区',
  postalCode: '1066143',
  mcc: '5812',
};

function invalid(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isTillqrError(e, 'EMV_INVALID_FIELD')) return e.message;
    throw e;
  }
  throw new Error('no error');
}

describe('JPQR profile', () => {
  it('is a valid merchant profile with the jp.or.paymentsjapan template in 26 and JA in 64', () => {
    const m = jpqrMerchant(store);
    expect(merchantConfigSchema.safeParse(m).ok).toBe(true);
    expect(m.accounts).toEqual([{ id: '26', fields: { '00': JPQR_GUID, '01': '0000000000001', '02': '0001', '03': '000001', '04': '000001' } }]);
    expect(m).toMatchObject({ country: 'JP', currency: 'JPY', alternateLanguage: { language: 'JA', name: 'メルペイ カフェ', city: '港区' } });
  });

  it('encodes byte for byte: yen without decimals, the 68-character store template, the Japanese name', () => {
    const p = encodeEmv({ merchant: jpqrMerchant(store), amount: 1200, terminalLabel: 'REG1' });
    const body =
      '000201010212' +
      '26680019jp.or.paymentsjapan011300000000000010204000103060000010406000001' +
      '52045812' +
      '5303392' +
      '54041200' +
      '5802JP' +
      '5911MERPAY CAFE' +
      '6009MINATO-KU' +
      '61071066143' +
      '62080704REG1' +
      '64240002JA0108メルペイ カフェ0202港区' +
      '6304';
    expect(p).toBe(body + emvCrcHex(body));
    const d = decodeEmv(p);
    expect(d.warnings).toEqual([]);
    expect(readJpqrStoreId(d.content.merchant.accounts)).toEqual(store.storeId);
    expect(d.content).toMatchObject({
      initiation: 'dynamic',
      amount: 1200,
      terminalLabel: 'REG1',
      merchant: { alternateLanguage: { language: 'JA', name: 'メルペイ カフェ', city: '港区' } },
    });
  });

  it('round-trips any store id and Japanese name', () => {
    const digits = (n: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const kana = fc
      .array(
        fc.integer({ min: 0x30a1, max: 0x30fa }).map((c) => String.fromCodePoint(c)),
        { minLength: 1, maxLength: 25 },
      )
      .map((a) => a.join(''));
    fc.assert(
      fc.property(
        digits(13),
        digits(4),
        digits(6),
        digits(6),
        kana,
        fc.integer({ min: 1, max: 9_999_999 }),
        (level1, level2, level3, level4, nameJa, amount) => {
          const m = jpqrMerchant({ ...store, storeId: { level1, level2, level3, level4 }, nameJa });
          const d = decodeEmv(encodeEmv({ merchant: m, amount }));
          expect(d.warnings).toEqual([]);
          expect(d.content.merchant).toEqual(m);
          expect(d.content.amount).toBe(amount);
          expect(readJpqrStoreId(d.content.merchant.accounts)).toEqual({ level1, level2, level3, level4 });
        },
      ),
    );
  });

  it('refuses a malformed store id', () => {
    expect(invalid(() => jpqrAccount({ level1: '123', level2: '0001', level3: '00000A', level4: '000001' }))).toBe(
      'JPQR store id level1 (sub-id 01) is "123", not 13 digits; JPQR store id level3 (sub-id 03) is "00000A", not 6 digits',
    );
  });

  it('holds a JPQR profile to the JPQR rules when encoding', () => {
    const m = jpqrMerchant(store);
    expect(invalid(() => encodeEmv({ merchant: { ...m, currency: 'USD', country: 'US' } }))).toBe(
      'not a valid JPQR profile: country is "US"; JPQR is "JP"; currency is "USD"; JPQR is "JPY"',
    );
    const { alternateLanguage: _a, ...noJa } = m;
    expect(invalid(() => encodeEmv({ merchant: noJa }))).toBe(
      'not a valid JPQR profile: JPQR needs alternateLanguage (tag 64) with language "JA" and the store name in Japanese',
    );
    expect(invalid(() => encodeEmv({ merchant: { ...m, alternateLanguage: { language: 'ZH', name: '咖啡' } } }))).toBe(
      'not a valid JPQR profile: alternateLanguage.language is "ZH"; JPQR uses "JA"',
    );
    expect(invalid(() => encodeEmv({ merchant: { ...m, postalCode: '106-6143' } }))).toBe(
      'not a valid JPQR profile: postal code "106-6143" is not 7 digits without a hyphen',
    );
    const moved = { ...m, accounts: [{ id: '27', fields: m.accounts?.[0]?.fields ?? {} }] };
    expect(invalid(() => checkJpqrMerchant(moved))).toBe('not a valid JPQR profile: the JPQR template is id 27; JPQR puts it in id 26');
    expect(() => checkJpqrMerchant({ ...m, accounts: [{ id: '26', fields: { '00': 'br.gov.bcb.pix', '01': 'k' } }], currency: 'BRL' })).not.toThrow();
  });

  it("keeps other providers' templates beside the JPQR one", () => {
    const m = jpqrMerchant({ ...store, otherAccounts: [{ id: '29', fields: { '00': 'D15600000000', '05': 'A93FO3230Q' } }] });
    const d = decodeEmv(encodeEmv({ merchant: m }));
    expect(d.content.initiation).toBe('static');
    expect(d.content.merchant.accounts.map((a) => a.id)).toEqual(['26', '29']);
  });
});
