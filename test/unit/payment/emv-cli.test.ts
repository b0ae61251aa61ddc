/** `tillqr emv decode|encode`, run in-process with a captured io. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/emv.js';
import { captureIo } from '../../../src/cli/io.js';
import { EXIT } from '../../../src/core/errors.js';
import { emvCrcHex } from '../../../src/payment/emv-crc.js';
import { decodeEmv } from '../../../src/payment/emv-decode.js';

const fixtures = fileURLToPath(new URL('../../fixtures/emv/', import.meta.url));
const PIX = '00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo({}, fixtures);
  const code = await run(argv, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

describe('tillqr emv decode', () => {
  it('prints the tree as JSON with ids, names, values, nested templates and warnings', async () => {
    const r = await cli('decode', PIX);
    expect(r.code).toBe(EXIT.OK);
    expect(r.err).toBe('');
    const json = JSON.parse(r.out) as { crc: string; warnings: string[]; fields: unknown[]; content: Record<string, unknown> };
    expect(json.crc).toBe('1D3D');
    expect(json.warnings).toEqual([]);
    expect(json.fields[1]).toEqual({
      id: '26',
      name: 'Merchant Account Information',
      value: '0014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000',
      children: [
        { id: '00', name: 'Globally Unique Identifier', value: 'br.gov.bcb.pix' },
        { id: '01', name: 'Pix Key', value: '123e4567-e12b-12d1-a456-426655440000' },
      ],
    });
    expect(json.content).toMatchObject({ referenceLabel: '***', merchant: { name: 'Fulano de Tal', currency: 'BRL' } });
  });

  it('prints warnings for a CRC-valid payload that breaks rules, and still exits 0', async () => {
    const r = await cli('decode', '00020101021129370016A000000677010111011300668012345675802TH530376463046197');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { warnings: string[] }).warnings).toContain('id 52 (Merchant Category Code) is missing');
  });

  it('exits 1 with the one-line reason for a bad CRC or a malformed payload', async () => {
    const badCrc = await cli('decode', PIX.replace('1D3D', '4F21'));
    expect(badCrc).toEqual({ code: 1, out: '', err: 'CRC mismatch: payload says 4F21, computed 1D3D\n' });
    const notEmv = await cli('decode', 'https://pay.example/qr/1');
    expect(notEmv).toEqual({ code: 1, out: '', err: 'not an EMV payload: it must start with "000201" (got "https:")\n' });
    const body = '0002010102115X04ABCD6304';
    expect(await cli('decode', body + emvCrcHex(body))).toEqual({
      code: 1,
      out: '',
      err: 'malformed EMV payload at character 12: "5X" is not a two-digit id\n',
    });
  });

  it('explains usage', async () => {
    expect((await cli('decode')).code).toBe(EXIT.USAGE);
    expect((await cli('decode', 'a', 'b')).err).toMatch(/^emv decode takes one payload/);
    expect((await cli('frobnicate')).code).toBe(EXIT.USAGE);
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/tillqr emv encode --profile FILE/);
  });
});

describe('tillqr emv encode', () => {
  it('prints a static payload for a profile', async () => {
    const r = await cli('encode', '--profile', 'profile-pix.json', '--reference', '***', '--static');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const body =
      '000201010211' +
      '26580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000' +
      '52040000' +
      '5303986' +
      '5802BR' +
      '5913Fulano de Tal' +
      '6008BRASILIA' +
      '62070503***' +
      '6304';
    expect(r.out).toBe(`${body}${emvCrcHex(body)}\n`);
  });

  it('reads the amount in currency units and puts bill, reference and terminal in tag 62', async () => {
    const r = await cli('encode', '--profile', 'profile-pix.json', '--amount', '12.5', '--bill', 'B7', '--reference', 'R8', '--terminal', 'T9');
    expect(r.code).toBe(0);
    const d = decodeEmv(r.out.trim());
    expect(d.warnings).toEqual([]);
    expect(d.content).toMatchObject({ initiation: 'dynamic', amount: 1250, billNumber: 'B7', referenceLabel: 'R8', terminalLabel: 'T9' });
  });

  it('takes the merchant out of a whole config file (JPQR here)', async () => {
    const r = await cli('encode', '--profile', 'profile-jpqr.json', '--amount', '1200');
    expect(r.code).toBe(0);
    const d = decodeEmv(r.out.trim());
    expect(d.content).toMatchObject({
      amount: 1200,
      merchant: { currency: 'JPY', alternateLanguage: { language: 'JA', name: 'メルペイ カフェ', city: '港区' } },
    });
    expect(r.out).toContain('54041200');
  });

  it('exits 1 with one line for a bad profile, amount or field', async () => {
    const bad = await cli('encode', '--profile', 'profile-invalid.json');
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      'profile profile-invalid.json: name: "" is not a string of 1 to 25 characters; country: "sg" is not an ISO 3166-1 alpha-2 country code such as "JP"; mcc: "58" is not a 4-digit merchant category code\n',
    );
    const yen = await cli('encode', '--profile', 'profile-jpqr.json', '--amount', '12.50');
    expect(yen).toEqual({ code: 1, out: '', err: '"12.50" has too many decimals: JPY amounts have no decimal places\n' });
    const missing = await cli('encode', '--profile', 'no-such-file.json');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^cannot read profile no-such-file.json: ENOENT/);
    const long = await cli('encode', '--profile', 'profile-pix.json', '--reference', 'R'.repeat(30));
    expect(long.err).toBe(`reference label "${'R'.repeat(30)}" is 30 characters; EMV id 62.05 takes 1 to 25\n`);
  });

  it('explains usage', async () => {
    expect((await cli('encode')).err).toMatch(/^--profile is required/);
    expect((await cli('encode', '--profile', 'p', '--static', '--dynamic')).code).toBe(EXIT.USAGE);
    expect((await cli('encode', '--profile', 'p', '--colour', 'red')).code).toBe(EXIT.USAGE);
  });
});
