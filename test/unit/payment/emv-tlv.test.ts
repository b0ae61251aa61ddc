import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTillqrError } from '../../../src/core/errors.js';
import { codeUnitCrcHex, crc16CcittFalse, emvCrcHex } from '../../../src/payment/emv-crc.js';
import { charLength, isTlvProblem, readTlv, readTlvLenient, writeTlv } from '../../../src/payment/emv-tlv.js';

/** The textbook bit-by-bit CRC, written independently of the table-driven one under test. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

describe('CRC-16/CCITT-FALSE', () => {
  it('gives the catalogued check value 0x29B1 for "123456789"', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
    expect(emvCrcHex('123456789')).toBe('29B1');
  });

  it('reproduces published EMV CRCs over UTF-8 bytes, CJK included', () => {
    const spec =
      '00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304';
    expect(emvCrcHex(spec)).toBe('A13A');
    expect(
      emvCrcHex('00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304'),
    ).toBe('1D3D');
  });

  it('pads to four hex digits and agrees with the bitwise reference on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc16CcittFalse(bytes)).toBe(referenceCrc(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(emvCrcHex(s)).toMatch(/^[0-9A-F]{4}$/);
      }),
    );
  });

  it('has a code-unit variant equal to the UTF-8 CRC for ASCII only', () => {
    expect(codeUnitCrcHex('000201ABC')).toBe(emvCrcHex('000201ABC'));
    expect(codeUnitCrcHex('São Paulo')).not.toBe(emvCrcHex('São Paulo'));
  });
});

describe('TLV', () => {
  it('counts lengths in code points, not UTF-16 units or bytes', () => {
    expect(charLength('北京')).toBe(2);
    expect(charLength('𠮷野家')).toBe(3);
    expect(writeTlv('64', '𠮷野家')).toBe('6403𠮷野家');
    expect(readTlv('0104最佳运输0202北京')).toEqual([
      { id: '01', value: '最佳运输' },
      { id: '02', value: '北京' },
    ]);
  });

  it('reads lengths in UTF-8 bytes or UTF-16 units when told to', () => {
    expect(readTlv('5910São Paulo6002SP', 'utf8')).toEqual([
      { id: '59', value: 'São Paulo' },
      { id: '60', value: 'SP' },
    ]);
    expect(readTlv('0104𠮷野家', 'utf16')).toEqual([{ id: '01', value: '𠮷野家' }]);
    expect(readTlv('0102𠮷', 'utf16')).toEqual([{ id: '01', value: '𠮷' }]);
    expect(readTlv('0101𠮷', 'utf16')).toEqual({ at: 0, reason: 'id 01 length 1 ends inside a character' });
    expect(readTlv('0101é', 'utf8')).toEqual({ at: 0, reason: 'id 01 length 1 ends inside a character' });
  });

  it('says where and why a string is not TLV', () => {
    expect(readTlv('0002010')).toEqual({ at: 6, reason: '1 stray character(s) at the end where an id and length were expected' });
    expect(readTlv('AB0201')).toEqual({ at: 0, reason: '"AB" is not a two-digit id' });
    expect(readTlv('00X201')).toEqual({ at: 2, reason: 'id 00 has length "X2", not two digits' });
    expect(readTlv('000501')).toEqual({ at: 0, reason: 'id 00 says 5 characters but only 2 remain' });
    expect(readTlv('')).toEqual([]);
  });

  it('reads what it writes', () => {
    const item = fc.record({
      id: fc.stringMatching(/^[0-9]{2}$/),
      value: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 99 }).filter((v) => charLength(v) <= 99),
    });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), (items) => {
        expect(readTlv(items.map((i) => writeTlv(i.id, i.value)).join(''))).toEqual(items);
      }),
    );
  });

  it('refuses to write what cannot be read back', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (isTillqrError(e, 'EMV_INVALID_FIELD')) return e.message;
      }
      return 'no error';
    };
    expect(code(() => writeTlv('59', 'x'.repeat(100), 'merchant name'))).toBe('merchant name (id 59) is 100 characters; an EMV field holds at most 99');
    expect(code(() => writeTlv('59', ''))).toMatch(/is empty/);
    expect(code(() => writeTlv('5', 'x'))).toMatch(/not a two-digit EMV id/);
  });

  it('leniently accepts a three-digit length only where two digits give no reading', () => {
    const long = `0014br.gov.bcb.pix2581${'a'.repeat(81)}`;
    const text = `000201261${String(long.length).slice(1)}${long}5303986`;
    expect(isTlvProblem(readTlv(text))).toBe(true);
    const r = readTlvLenient(text);
    expect(isTlvProblem(r)).toBe(false);
    expect(r).toEqual([
      { id: '00', value: '01' },
      { id: '26', value: long, longLength: true },
      { id: '53', value: '986' },
    ]);
    expect(readTlvLenient('000201')).toEqual([{ id: '00', value: '01' }]);
    expect(isTlvProblem(readTlvLenient('0002019'))).toBe(true);
  });
});
