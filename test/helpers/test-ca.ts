/**
 * Throwaway TLS material for tests, made with openssl at test time (nothing is committed): a CA
 * (EC P-256, two days), and certificates it signs for a server (with an IP SAN, serverAuth) or a
 * client (clientAuth). Files are `<dir>/ca.pem`, `<dir>/<name>.pem` and `<dir>/<name>.key`.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
}

export class TestCa {
  readonly dir: string;
  readonly caFile: string;

  private constructor(dir: string) {
    this.dir = dir;
    this.caFile = join(dir, 'ca.pem');
  }

  /** A new CA in `dir` (created if missing), named `cn`. */
  static async create(dir: string, cn = 'tillqr-test-ca'): Promise<TestCa> {
    await mkdir(dir, { recursive: true });
    const ca = new TestCa(dir);
    await run('openssl', ['req', '-x509', ...EC, '-keyout', join(dir, 'ca.key'), '-out', ca.caFile, '-days', '2', '-subj', `/CN=${cn}`]);
    return ca;
  }

  /** A certificate signed by this CA: a server's for 127.0.0.1, or a client's named `cn`. */
  async issue(name: string, o: { use: 'server' } | { use: 'client'; cn: string }): Promise<Issued> {
    const f = (ext: string): string => join(this.dir, `${name}.${ext}`);
    const cn = o.use === 'server' ? '127.0.0.1' : o.cn;
    await writeFile(f('ext'), o.use === 'server' ? 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
    await run('openssl', ['req', ...EC, '-keyout', f('key'), '-out', f('csr'), '-subj', `/CN=${cn}`]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      f('csr'),
      '-CA',
      this.caFile,
      '-CAkey',
      join(this.dir, 'ca.key'),
      '-CAcreateserial',
      '-out',
      f('pem'),
      '-days',
      '2',
      '-extfile',
      f('ext'),
    ]);
    return { certFile: f('pem'), keyFile: f('key') };
  }

  /** An EC key that belongs to no certificate. */
  async strayKey(name: string): Promise<string> {
    const file = join(this.dir, `${name}.key`);
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
    return file;
  }
}
