/** A throwaway CA and client certificate made with openssl at test time (nothing is committed). */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** A second key that does not belong to certPem. */
  readonly otherKeyPem: string;
}

export async function makeTls(cn = 'shop-042'): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-tls-'));
  const o = (f: string): string => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    await run('openssl', ['req', '-x509', ...ec, '-keyout', o('ca.key'), '-out', o('ca.pem'), '-days', '2', '-subj', '/CN=tillqr-test-ca']);
    await run('openssl', ['req', ...ec, '-keyout', o('client.key'), '-out', o('client.csr'), '-subj', `/CN=${cn}`]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      o('client.csr'),
      '-CA',
      o('ca.pem'),
      '-CAkey',
      o('ca.key'),
      '-CAcreateserial',
      '-out',
      o('client.crt'),
      '-days',
      '2',
    ]);
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', o('other.key')]);
    return {
      caPem: await readFile(o('ca.pem'), 'utf8'),
      certPem: await readFile(o('client.crt'), 'utf8'),
      keyPem: await readFile(o('client.key'), 'utf8'),
      otherKeyPem: await readFile(o('other.key'), 'utf8'),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
