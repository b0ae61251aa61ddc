/**
 * A local HTTPS server for artifact downloads, with a certificate from a throwaway test CA
 * (test/helpers/test-ca.ts; no key material in the repository). Supports Range requests
 * (`bytes=N-` and `bytes=N-M`), can ignore them for a path (a server without range support), and
 * can cut a response off after N bytes (to test resume).
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { TestCa } from '../../helpers/test-ca.js';
import { tempDir } from './fleet-kit.js';

export class ArtifactServer {
  readonly caFile: string;
  readonly files = new Map<string, Buffer>();
  readonly requests: { path: string; range: string | undefined }[] = [];
  /** Cut the next response for a path off after this many body bytes. */
  readonly cutAfter = new Map<string, number>();
  /** Paths answered whole (200) whatever range is asked for. */
  readonly noRanges = new Set<string>();
  readonly #server: Server;

  private constructor(server: Server, caFile: string) {
    this.#server = server;
    this.caFile = caFile;
  }

  static async start(): Promise<ArtifactServer> {
    const ca = await TestCa.create(await tempDir('tillqr-https-'));
    const { certFile, keyFile } = await ca.issue('server', { use: 'server' });
    const holder: { self?: ArtifactServer } = {};
    const server = createServer({ key: await readFile(keyFile), cert: await readFile(certFile) }, (req, res) =>
      holder.self?.handle(req.url ?? '/', req.headers.range, res),
    );
    const self = new ArtifactServer(server, ca.caFile);
    holder.self = self;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return self;
  }

  url(path: string): string {
    return `https://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  handle(path: string, range: string | undefined, res: ServerResponse): void {
    this.requests.push({ path, range });
    const body = this.files.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = body.length - 1;
    const m = range === undefined || this.noRanges.has(path) ? null : /^bytes=(\d+)-(\d*)$/.exec(range);
    if (m !== null) {
      start = Number(m[1]);
      if (m[2] !== undefined && m[2] !== '') end = Math.min(end, Number(m[2]));
    }
    const part = body.subarray(start, end + 1);
    const cut = this.cutAfter.get(path);
    this.cutAfter.delete(path);
    res.writeHead(m !== null ? 206 : 200, {
      'content-length': part.length,
      ...(m !== null ? { 'content-range': `bytes ${start}-${end}/${body.length}` } : {}),
    });
    if (cut !== undefined) {
      res.write(part.subarray(0, cut), () => res.destroy());
      return;
    }
    res.end(part);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
