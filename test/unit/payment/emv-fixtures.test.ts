/** Real published payloads (test/fixtures/emv): every one decodes, and says what its issuer put in it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emvCrcHex } from '../../../src/payment/emv-crc.js';
import { decodeEmv, isEmvPayload } from '../../../src/payment/emv-decode.js';
import { readJpqrStoreId } from '../../../src/payment/emv-jpqr.js';

interface Fixture {
  name: string;
  scheme: string;
  payload: string;
  source: string;
  notes: string;
}

const fixtures = JSON.parse(readFileSync(new URL('../../fixtures/emv/payloads.json', import.meta.url), 'utf8')) as Fixture[];
const byName = (name: string): string => {
  const f = fixtures.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no fixture ${name}`);
  return f.payload;
};

describe('published EMV payloads', () => {
  it('are at least a dozen, each with a source', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
    for (const f of fixtures) expect(f.source.length, f.name).toBeGreaterThan(20);
    expect(new Set(fixtures.map((f) => f.scheme))).toEqual(new Set(['EMVCo', 'Pix', 'PromptPay', 'SGQR', 'JPQR', 'QRIS', 'Mastercard']));
  });

  it.each(fixtures.map((f) => [f.name, f.payload] as const))('%s has a valid CRC and decodes', (_name, payload) => {
    expect(isEmvPayload(payload)).toBe(true);
    expect(emvCrcHex(payload.slice(0, -4))).toBe(payload.slice(-4).toUpperCase());
    const d = decodeEmv(payload);
    expect(d.crc).toBe(payload.slice(-4));
    expect(d.fields.at(-1)).toEqual({ id: '63', name: 'CRC', value: payload.slice(-4) });
    // The tree keeps every value exactly: written back out, it is the payload again.
    const threeDigit = d.warnings.some((w) => w.includes('three-digit'));
    const rewritten = d.fields
      .map((f) => `${f.id}${String([...f.value].length).padStart(threeDigit && [...f.value].length > 99 ? 3 : 2, '0')}${f.value}`)
      .join('');
    expect(rewritten).toBe(payload);
  });

  it('reads the EMVCo sample into a named tree with nested templates', () => {
    const d = decodeEmv(byName('emvco-spec-sample'));
    expect(d.warnings).toEqual([]);
    expect(d.fields.map((f) => f.id)).toEqual(['00', '01', '29', '31', '52', '58', '59', '60', '64', '54', '53', '55', '62', '91', '63']);
    expect(d.fields[8]).toEqual({
      id: '64',
      name: 'Merchant Information - Language Template',
      value: '0002ZH0104最佳运输0202北京',
      children: [
        { id: '00', name: 'Language Preference', value: 'ZH' },
        { id: '01', name: 'Merchant Name - Alternate Language', value: '最佳运输' },
        { id: '02', name: 'Merchant City - Alternate Language', value: '北京' },
      ],
    });
    expect(d.fields[12]?.children).toEqual([
      { id: '03', name: 'Store Label', value: '1234' },
      { id: '06', name: 'Customer Label', value: '***' },
      { id: '07', name: 'Terminal Label', value: 'A6008667' },
      { id: '09', name: 'Additional Consumer Data Request', value: 'ME' },
    ]);
    expect(d.fields[13]).toMatchObject({
      id: '91',
      name: 'Unreserved Template',
      children: [
        { id: '00', name: 'Globally Unique Identifier', value: 'A011223344998877' },
        { id: '07', value: '12345678' },
      ],
    });
    expect(d.content).toMatchObject({
      initiation: 'dynamic',
      amount: 2372,
      currencyNumeric: '156',
      terminalLabel: 'A6008667',
      merchant: {
        name: 'BEST TRANSPORT',
        city: 'BEIJING',
        country: 'CN',
        mcc: '4111',
        currency: 'CNY',
        alternateLanguage: { language: 'ZH', name: '最佳运输', city: '北京' },
      },
    });
  });

  it('reads the Pix manual example: key, reference *** and no warnings', () => {
    const d = decodeEmv(byName('pix-bcb-manual-static'));
    expect(d.warnings).toEqual([]);
    expect(d.content.initiation).toBeUndefined();
    expect(d.content.referenceLabel).toBe('***');
    expect(d.content.merchant.accounts).toEqual([{ id: '26', fields: { '00': 'br.gov.bcb.pix', '01': '123e4567-e12b-12d1-a456-426655440000' } }]);
    expect(d.fields[1]?.children?.[1]).toEqual({ id: '01', name: 'Pix Key', value: '123e4567-e12b-12d1-a456-426655440000' });
  });

  it('accepts the OpenPix three-digit length with a warning', () => {
    const d = decodeEmv(byName('pix-openpix-dynamic'));
    expect(d.warnings).toEqual(['id 26 has a three-digit length (103); EMV lengths are two digits']);
    expect(d.content.amount).toBe(1500);
    expect(d.content.merchant.accounts[0]?.fields['25']).toBe('api.openpix.com.br/openpix/testing?transactionID=cd079f3d50a44a97a7e4397784d13c6e');
  });

  it('accepts PromptPay personal codes without MCC, name and city, saying so', () => {
    const d = decodeEmv(byName('promptpay-phone-amount'));
    expect(d.warnings).toEqual(['id 52 (Merchant Category Code) is missing', 'id 59 (Merchant Name) is missing', 'id 60 (Merchant City) is missing']);
    expect(d.content).toMatchObject({ initiation: 'dynamic', amount: 422, merchant: { currency: 'THB', country: 'TH' } });
    expect(d.fields[2]?.children?.[1]).toEqual({ id: '01', name: 'PromptPay Mobile Number', value: '0066000000000' });
    const bill = decodeEmv(byName('promptpay-bill-payment'));
    expect(bill.content.amount).toBe(90004);
    expect(bill.fields[2]?.children?.map((c) => c.name)).toEqual(['Globally Unique Identifier', 'Biller ID', 'Reference 1', 'Reference 2']);
  });

  it('accepts the 1069-character SGQR sample with its one warning and nested 62.50', () => {
    const p = byName('sgqr-spec-food-xyz');
    const d = decodeEmv(p);
    expect(d.warnings).toEqual([`the payload is ${p.length} characters; EMV allows at most 512`]);
    expect(d.content.merchant.accounts.map((a) => a.id)).toEqual(['26', '27', '28', '29', '30', '31', '32', '33', '34', '35', '36', '37', '51']);
    expect(d.fields.filter((f) => f.children === undefined && Number(f.id) < 26).map((f) => [f.id, f.name])).toEqual([
      ['00', 'Payload Format Indicator'],
      ['01', 'Point of Initiation Method'],
      ['02', 'Merchant Account Information (Visa)'],
      ['04', 'Merchant Account Information (Mastercard)'],
      ['11', 'Merchant Account Information (Amex)'],
      ['12', 'Merchant Account Information (Amex)'],
      ['15', 'Merchant Account Information (UnionPay)'],
    ]);
    const extra = d.fields.find((f) => f.id === '62');
    expect(extra?.children?.[2]).toEqual({
      id: '50',
      name: 'Payment System Specific Template',
      value: '0015SG.COM.DASH.WWW01100000055502',
      children: [
        { id: '00', name: 'Globally Unique Identifier', value: 'SG.COM.DASH.WWW' },
        { id: '01', value: '0000055502' },
      ],
    });
    expect(d.content).toMatchObject({
      billNumber: '1234567R',
      customerLabel: '8765430',
      merchant: { name: 'FOOD XYZ PTE LTD', postalCode: '081006', mcc: '5814' },
    });
  });

  it('reads JPQR: store id levels and the JA language template', () => {
    const d = decodeEmv(byName('jpqr-mercari-static'));
    expect(d.warnings).toEqual([]);
    expect(readJpqrStoreId(d.content.merchant.accounts)).toEqual({ level1: '0000000000001', level2: '0001', level3: '000001', level4: '000001' });
    expect(d.content.merchant).toMatchObject({
      currency: 'JPY',
      country: 'JP',
      postalCode: '1066143',
      alternateLanguage: { language: 'JA', name: 'メルペイ カフェ' },
    });
    expect(d.fields.find((f) => f.id === '26')?.children?.map((c) => c.name)).toEqual([
      'Globally Unique Identifier',
      'JPQR Store ID Level 1',
      'JPQR Store ID Level 2',
      'JPQR Store ID Level 3',
      'JPQR Store ID Level 4',
    ]);
  });

  it('reads QRIS and the Mastercard example', () => {
    expect(decodeEmv(byName('qris-dana-dynamic')).content).toMatchObject({
      amount: 1000000,
      billNumber: 'SzW8BPHhw35i1vT',
      merchant: { currency: 'IDR', city: 'Kota Jakarta Se' },
    });
    const mc = decodeEmv(byName('mastercard-sqr-example'));
    expect(mc.warnings).toEqual([]);
    expect(mc.content).toMatchObject({ amount: 10000, merchant: { currency: 'USD', accounts: [] } });
    expect(mc.fields[2]?.name).toBe('Merchant Account Information (Mastercard)');
  });
});
