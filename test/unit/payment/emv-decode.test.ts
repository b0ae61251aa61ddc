import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTillqrError, type ErrorCode } from '../../../src/core/errors.js';
import { emvCrcHex } from '../../../src/payment/emv-crc.js';
import { decodeEmv, isEmvPayload } from '../../../src/payment/emv-decode.js';

const PIX = '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

/** TLV with lengths counted as told, then the CRC: payloads that break rules on purpose. */
function build(pairs: [string, string][], count: (v: string) => number = (v) => [...v].length): string {
  const body = pairs.map(([id, v]) => `${id}${String(count(v)).padStart(2, '0')}${v}`).join('') + '6304';
  return body + emvCrcHex(body);
}

const ACCOUNT: [string, string] = ['26', '0014br.gov.bcb.pix0105abcde'];
const BASE: [string, string][] = [['00', '01'], ['01', '11'], ACCOUNT, ['52', '5812'], ['53', '986'], ['58', 'BR'], ['59', 'LOJA'], ['60', 'RIO']];

function failure(payload: string): { code: ErrorCode; message: string } {
  try {
    decodeEmv(payload);
  } catch (e) {
    if (isTillqrError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('decoded');
}

describe('isEmvPayload', () => {
  it('is true only for payloads starting 000201 or 000202', () => {
    expect(isEmvPayload(PIX)).toBe(true);
    expect(isEmvPayload('000202010211')).toBe(true);
    expect(isEmvPayload('000203')).toBe(false);
    expect(isEmvPayload('https://pay.example/qr/abc')).toBe(false);
    expect(isEmvPayload(' 000201')).toBe(false);
    expect(isEmvPayload('')).toBe(false);
  });
});

describe('decodeEmv errors', () => {
  it('reports a CRC mismatch with both values', () => {
    const bad = PIX.slice(0, -4) + '4F21';
    expect(failure(bad)).toEqual({ code: 'EMV_CRC_MISMATCH', message: 'CRC mismatch: payload says 4F21, computed 1D3D' });
    const changed = PIX.replace('Fulano', 'Fulana');
    expect(failure(changed)).toEqual({ code: 'EMV_CRC_MISMATCH', message: `CRC mismatch: payload says 1D3D, computed ${emvCrcHex(changed.slice(0, -4))}` });
  });

  it('compares the CRC case-insensitively', () => {
    const lower = build(BASE).replace(/[A-F0-9]{4}$/, (c) => c.toLowerCase());
    expect(decodeEmv(lower).crc).toMatch(/^[0-9a-f]{4}$/);
  });

  it('refuses what is not EMV, has no CRC, or is not TLV', () => {
    expect(failure('https://pay.example/qr/abc')).toEqual({ code: 'EMV_MALFORMED', message: 'not an EMV payload: it must start with "000201" (got "https:")' });
    expect(failure('000201010211')).toEqual({ code: 'EMV_MALFORMED', message: 'no CRC at the end: an EMV payload ends with "6304" and four hex digits' });
    const body = '0002010102115X04ABCD6304';
    expect(failure(body + emvCrcHex(body))).toEqual({ code: 'EMV_MALFORMED', message: 'malformed EMV payload at character 12: "5X" is not a two-digit id' });
    const short = '00020101021159200ABC6304';
    expect(failure(short + emvCrcHex(short)).message).toMatch(/^malformed EMV payload at character 12: id 59 says 20 characters/);
    const crcInside = '000201590863041234';
    expect(failure(crcInside + emvCrcHex(crcInside)).code).toBe('EMV_MALFORMED');
    expect(failure('000201' + 'x'.repeat(5000)).message).toMatch(/no QR code holds more than 4296/);
  });

  it('throws only TillqrErrors, whatever the input', () => {
    const valid = build(BASE);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `000201${s}`),
          fc.tuple(fc.nat(valid.length - 1), fc.string({ minLength: 1, maxLength: 1 })).map(([i, c]) => valid.slice(0, i) + c + valid.slice(i + 1)),
        ),
        (s) => {
          try {
            decodeEmv(s);
          } catch (e) {
            expect(isTillqrError(e, 'EMV_MALFORMED') || isTillqrError(e, 'EMV_CRC_MISMATCH')).toBe(true);
          }
        },
      ),
    );
  });
});

describe('decodeEmv leniency: rule breaks are warnings', () => {
  it('accepts a clean payload without warnings', () => {
    expect(decodeEmv(build(BASE)).warnings).toEqual([]);
  });

  it('accepts "00" = "02", a missing MCC, long names and cities, and unknown currencies', () => {
    const d = decodeEmv(
      build([
        ['00', '02'],
        ['01', '13'],
        ACCOUNT,
        ['53', '999'],
        ['58', 'br'],
        ['59', 'A VERY LONG MERCHANT NAME THAT GOES ON'],
        ['60', 'SAO JOSE DOS CAMPOS DO SUL'],
      ]),
    );
    expect(d.warnings).toEqual([
      'id 00 (Payload Format Indicator) is "02"; the specification says "01"',
      'id 01 (Point of Initiation Method) is "13", not "11" (static) or "12" (dynamic)',
      'id 58 (Country Code) is "br", not an ISO 3166-1 alpha-2 country code',
      'id 59 (Merchant Name) is 38 characters; at most 25 allowed',
      'id 60 (Merchant City) is 26 characters; at most 15 allowed',
      'id 52 (Merchant Category Code) is missing',
      'id 53 (Transaction Currency) "999" is not a known ISO 4217 currency',
    ]);
    expect(d.content.formatIndicator).toBe('02');
    expect(d.content.initiation).toBeUndefined();
    expect(d.content.merchant.currency).toBeUndefined();
    expect(d.content.merchant.city).toBe('SAO JOSE DOS CAMPOS DO SUL');
  });

  it('accepts payloads over 512 characters', () => {
    const accounts: [string, string][] = ['26', '27', '28', '29', '30', '31'].map((id) => [id, `0010com.acme.x01${'80'}${'9'.repeat(80)}`]);
    const p = build([['00', '01'], ['01', '11'], ...accounts, ['52', '5812'], ['53', '702'], ['58', 'SG'], ['59', 'SHOP'], ['60', 'SINGAPORE']]);
    expect(p.length).toBeGreaterThan(512);
    expect(decodeEmv(p).warnings).toEqual([`the payload is ${p.length} characters; EMV allows at most 512`]);
  });

  it('reads lengths counted in UTF-8 bytes or UTF-16 units, saying so', () => {
    const pairs: [string, string][] = [...BASE.slice(0, 6), ['59', 'Padaria São João'], ['60', 'São Paulo']];
    const bytes = decodeEmv(build(pairs, (v) => Buffer.byteLength(v, 'utf8')));
    expect(bytes.warnings).toContain('lengths count UTF-8 bytes, not characters as EMV requires');
    expect(bytes.content.merchant.name).toBe('Padaria São João');
    const units = decodeEmv(build([...BASE, ['64', '0002JA0105𠮷野家本']], (v) => v.length));
    expect(units.warnings).toContain('lengths count UTF-16 code units, not characters as EMV requires');
    expect(units.content.merchant.alternateLanguage).toEqual({ language: 'JA', name: '𠮷野家本' });
  });

  it('accepts a CRC computed over UTF-16 code units, saying so', () => {
    const body = build([...BASE.slice(0, 6), ['59', 'Café Zé'], ['60', 'RIO']]).slice(0, -4);
    let crc = 0xffff;
    for (let i = 0; i < body.length; i++) {
      crc ^= body.charCodeAt(i) << 8;
      for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
      crc &= 0xffff;
    }
    const d = decodeEmv(body + crc.toString(16).toUpperCase().padStart(4, '0'));
    expect(d.warnings[0]).toBe('the CRC was computed over UTF-16 code units, not UTF-8 bytes as EMV requires');
    expect(d.content.merchant.name).toBe('Café Zé');
  });

  it('ignores trailing whitespace after the CRC', () => {
    const d = decodeEmv(`${PIX}\r\n`);
    expect(d.warnings).toEqual(['whitespace after the CRC was ignored']);
    expect(d.crc).toBe('1D3D');
  });

  it('keeps a template whose content is not TLV as a plain value', () => {
    const d = decodeEmv(build([...BASE, ['62', 'INVOICE 42']]));
    expect(d.warnings).toEqual(['id 62 is a template but its content is not TLV ("IN" is not a two-digit id at character 0); kept as a plain value']);
    expect(d.fields.find((f) => f.id === '62')).toEqual({ id: '62', name: 'Additional Data Field Template', value: 'INVOICE 42' });
  });

  it('warns about broken template, fee, amount and duplicate rules', () => {
    const d = decodeEmv(
      build([
        ['00', '01'],
        ['01', '12'],
        ['27', '0105abcde'],
        ['52', '5812'],
        ['53', '392'],
        ['54', '12.50'],
        ['55', '02'],
        ['57', '3'],
        ['58', 'JP'],
        ['59', 'カフェ'],
        ['59', 'CAFE'],
        ['60', 'TOKYO'],
        ['62', `01${'26'}${'X'.repeat(26)}`],
        ['64', '0003JPN'],
        ['70', 'X'],
      ]),
    );
    expect(d.warnings).toEqual([
      'id 59 (Merchant Name) has characters outside the EMV common character set (local-language text belongs in id 64)',
      'id 59 (Merchant Name) appears more than once; the first is used',
      'id 70 (RFU for EMVCo) is reserved for future use by EMVCo',
      'id 54 (Transaction Amount) "12.50" has more decimals than JPY allows (0)',
      'id 57 (Value of Convenience Fee Percentage) is present but id 55 is not "03"',
      'id 55 (Tip or Convenience Indicator) is "02" but id 56 (the fixed fee) is missing',
      'id 27 (Merchant Account Information) has no Globally Unique Identifier (sub-id 00)',
      'id 62.01 (Bill Number) is 26 characters; at most 25 allowed',
      'id 64.00 (Language Preference) is "JPN", not a 2-letter ISO 639 code',
      'id 64.01 (Merchant Name - Alternate Language) is missing',
    ]);
    expect(d.content.amount).toBeUndefined();
    expect(d.content.merchant.name).toBe('カフェ');
  });

  it('warns when a JPQR template has malformed store id levels', () => {
    const d = decodeEmv(
      build([
        ['00', '01'],
        ['01', '11'],
        ['27', '0019jp.or.paymentsjapan01031230204000103060000010406000001'],
        ['52', '5812'],
        ['53', '392'],
        ['58', 'JP'],
        ['59', 'CAFE'],
        ['60', 'TOKYO'],
      ]),
    );
    expect(d.warnings).toEqual(['JPQR store id level1 (sub-id 01) is "123", not 13 digits', 'the JPQR template is id 27, not 26']);
  });
});
