/**
 * Download an artifact over HTTPS into a file, with progress, a stall timeout, a size cap, a few
 * redirects (HTTPS only) and resume: a partial file left by an earlier attempt is continued with
 * a Range request when the server supports it. With `prefix`, only the resource's first `size`
 * bytes are fetched (a split artifact's application member, decision 0009): asked for with a
 * Range request `bytes=<from>-<size-1>`, and from a server that ignores ranges the first `size`
 * bytes of its answer are kept and the connection closed. Integrity is checked afterwards against
 * the job's signed SHA-256, not here.
 */
import { createWriteStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { TillqrError } from '../core/errors.js';

export interface HttpsDownloadOptions {
  readonly url: string;
  readonly dest: string;
  /** Bytes to fetch: the whole resource, or with `prefix` its first `size` bytes. */
  readonly size: number;
  readonly prefix?: boolean;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string | Buffer;
  readonly stallMs: number;
  readonly onProgress: (bytes: number) => void;
  readonly signal?: AbortSignal;
  readonly maxRedirects?: number;
}

function failed(message: string, cause?: unknown): TillqrError {
  return new TillqrError('UPDATE_FAILED', message, { reason: 'download_failed' }, cause === undefined ? undefined : { cause });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function get(url: URL, o: HttpsDownloadOptions, from: number): Promise<IncomingMessage> {
  // Loaded on the first download: node:https (with http and tls) is about 4 MB of an idle daemon.
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        ...(o.ca !== undefined ? { ca: o.ca } : {}),
        headers: o.prefix === true ? { range: `bytes=${from}-${o.size - 1}` } : from > 0 ? { range: `bytes=${from}-` } : {},
        ...(o.signal !== undefined ? { signal: o.signal } : {}),
      },
      resolve,
    );
    req.setTimeout(o.stallMs, () => req.destroy(failed(`no answer from ${url.host} within ${o.stallMs} ms`)));
    req.on('error', (e) => reject(e instanceof TillqrError ? e : failed(`${url.host}: ${e.message}`, e)));
    req.end();
  });
}

export async function downloadHttps(o: HttpsDownloadOptions): Promise<void> {
  let url = new URL(o.url);
  let have = await sizeOf(o.dest);
  if (have > o.size) {
    await truncate(o.dest, 0);
    have = 0;
  }
  if (have === o.size) return;
  let res: IncomingMessage | undefined;
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'https:') throw failed(`refusing a non-HTTPS URL (${url.protocol})`);
    res = await get(url, o, have);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      if (hop >= (o.maxRedirects ?? 3)) throw failed('too many redirects');
      url = new URL(res.headers.location, url);
      continue;
    }
    if (status === 206) {
      const m = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '');
      if (m === null || Number(m[1]) !== have) {
        res.resume();
        throw failed('the server answered a range request with a different range');
      }
    } else if (status === 200) {
      if (have > 0) await truncate(o.dest, 0);
      have = 0;
    } else if (status === 416 && have > 0) {
      res.resume();
      await truncate(o.dest, 0);
      return downloadHttps(o);
    } else {
      res.resume();
      throw failed(`HTTP ${status} from ${url.host}`);
    }
    break;
  }
  const body = res;
  const out = createWriteStream(o.dest, { flags: have > 0 ? 'a' : 'w', mode: 0o600 });
  let bytes = have;
  o.onProgress(bytes);
  try {
    await new Promise<void>((resolve, reject) => {
      let timer = setTimeout(() => body.destroy(failed(`the download stalled for ${o.stallMs} ms`)), o.stallMs);
      let enough = false;
      body.on('data', (chunk: Buffer) => {
        if (enough) return;
        clearTimeout(timer);
        timer = setTimeout(() => body.destroy(failed(`the download stalled for ${o.stallMs} ms`)), o.stallMs);
        if (bytes + chunk.length > o.size && o.prefix !== true) {
          body.destroy(failed(`the artifact is larger than the ${o.size} bytes the job announced`));
          return;
        }
        const take = chunk.subarray(0, o.size - bytes);
        bytes += take.length;
        if (!out.write(take)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
        o.onProgress(bytes);
        if (o.prefix === true && bytes === o.size) {
          // The prefix is here: the rest of the answer (a server that ignored the range) is not wanted.
          enough = true;
          clearTimeout(timer);
          body.destroy();
          out.end(() => resolve());
        }
      });
      body.on('end', () => {
        clearTimeout(timer);
        if (!enough) out.end(() => resolve());
      });
      body.on('error', (e) => {
        clearTimeout(timer);
        if (!enough) out.end(() => reject(e instanceof TillqrError ? e : failed(`the download broke off: ${e.message}`, e)));
      });
      body.on('aborted', () => {
        clearTimeout(timer);
        if (!enough) out.end(() => reject(failed('the server closed the connection early')));
      });
      out.on('error', (e) => {
        clearTimeout(timer);
        body.destroy();
        reject(new TillqrError('UPDATE_FAILED', `cannot write the download: ${e.message}`, { reason: 'install_failed' }, { cause: e }));
      });
    });
  } finally {
    const fh = await open(o.dest, 'r+').catch(() => undefined);
    await fh?.sync().catch(() => undefined);
    await fh?.close();
  }
  if (bytes !== o.size) throw failed(`got ${bytes} bytes, the job announced ${o.size}`);
}
