/** A throwaway CA and client certificate for bundles (test/helpers/test-ca.ts; nothing is committed). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCa } from '../../helpers/test-ca.js';

export interface TestTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** A second key that does not belong to certPem. */
  readonly otherKeyPem: string;
}

export async function makeTls(cn = 'shop-042'): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-tls-'));
  try {
    const ca = await TestCa.create(dir);
    const client = await ca.issue('client', { use: 'client', cn });
    const other = await ca.strayKey('other');
    return {
      caPem: await readFile(ca.caFile, 'utf8'),
      certPem: await readFile(client.certFile, 'utf8'),
      keyPem: await readFile(client.keyFile, 'utf8'),
      otherKeyPem: await readFile(other, 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
