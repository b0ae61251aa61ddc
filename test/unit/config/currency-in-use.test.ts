/**
 * `tillqr config check` refuses a merchant currency that is three letters but not an ISO 4217
 * code in use ("YEN" used to pass and fail the first sale), naming the key and what to write.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as config } from '../../../src/cli/config.js';
import { captureIo } from '../../../src/cli/io.js';
import { validateConfig } from '../../../src/config/load.js';

const merchant = (currency: string) => ({ name: 'SHOP', city: 'TOKYO', country: 'JP', mcc: '5814', currency });

describe('merchant.currency', () => {
  it('takes codes in use and refuses the rest', () => {
    expect(validateConfig({ merchant: merchant('JPY') }).merchant?.currency).toBe('JPY');
    for (const bad of ['YEN', 'XXY', 'RMB'])
      expect(() => validateConfig({ merchant: merchant(bad) }), bad).toThrow(
        new RegExp(`merchant\\.currency: "${bad}" is not an ISO 4217 currency code in use`),
      );
  });

  it('config check exits non-zero on YEN with the key and the fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-currency-'));
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify({ merchant: merchant('YEN') }));
    const err = await config(['check', '--config', path], captureIo({}, dir)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((err as Error).message).toContain('merchant.currency: "YEN" is not an ISO 4217 currency code in use (e.g. "JPY", "USD", "KRW")');
  });
});
