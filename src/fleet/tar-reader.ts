/**
 * A small streaming tar reader (POSIX ustar, pax `x`/`g` headers, GNU `L`/`K` long names), enough
 * for release artifacts made by GNU tar, bsdtar or npm pack. Push bytes in; get events out. It
 * checks each header's checksum and refuses entry types a release never needs (devices, FIFOs,
 * contiguous files are read as files). Hard links are passed on (node-gyp leaves them in
 * node_modules); paths and link targets are returned as written; unpack.ts decides what is safe.
 */
import { TillqrError } from '../core/errors.js';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink';

export interface TarEntry {
  readonly path: string;
  readonly type: TarEntryType;
  readonly mode: number;
  readonly size: number;
  /** symlink: the target as written; hardlink: the path of an earlier entry of the archive. */
  readonly linkTarget?: string;
}

export type TarEvent =
  | { readonly kind: 'entry'; readonly entry: TarEntry }
  | { readonly kind: 'data'; readonly chunk: Buffer }
  | { readonly kind: 'end-entry' }
  | { readonly kind: 'end' };

const BLOCK = 512;
const META_LIMIT = 1_048_576;

function bad(message: string): TillqrError {
  return new TillqrError('UPDATE_FAILED', `bad artifact: ${message}`, { reason: 'bad_artifact' });
}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number, what: string): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    // GNU base-256 for large values (positive only).
    if (first !== 0x80) throw bad(`${what} is a negative or too large base-256 number`);
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + (buf[i] ?? 0);
    if (!Number.isSafeInteger(n)) throw bad(`${what} is too large`);
    return n;
  }
  const text = buf
    .toString('latin1', start, start + len)
    .replace(/\0.*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(`${what} ${JSON.stringify(text)} is not an octal number`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
  return sum === octal(h, 148, 8, 'checksum');
}

/** Parse pax extended header records ("<len> <key>=<value>\n"). */
export function parsePax(body: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(body.toString('latin1', i, sp));
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > body.length) throw bad('a pax record has a wrong length');
    const rec = body.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

export class TarParser {
  #buf: Buffer = Buffer.alloc(0);
  #state: 'header' | 'data' | 'meta' | 'end' = 'header';
  #remaining = 0;
  #padding = 0;
  #zeroBlocks = 0;
  #metaType = '';
  #meta: Buffer[] = [];
  #longName: string | undefined;
  #longLink: string | undefined;
  #pax = new Map<string, string>();

  get ended(): boolean {
    return this.#state === 'end';
  }

  /** Feed bytes; returns the events they complete. */
  push(chunk: Buffer): TarEvent[] {
    const events: TarEvent[] = [];
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    for (;;) {
      if (this.#state === 'end') {
        this.#buf = Buffer.alloc(0); // trailing blocks after the end marker are ignored
        return events;
      }
      if (this.#state === 'data' || this.#state === 'meta') {
        if (this.#remaining > 0) {
          if (this.#buf.length === 0) return events;
          const n = Math.min(this.#remaining, this.#buf.length);
          const part = this.#buf.subarray(0, n);
          this.#buf = this.#buf.subarray(n);
          this.#remaining -= n;
          if (this.#state === 'data') events.push({ kind: 'data', chunk: part });
          else this.#meta.push(Buffer.from(part));
          if (this.#remaining > 0) return events;
        }
        if (this.#buf.length < this.#padding) return events;
        this.#buf = this.#buf.subarray(this.#padding);
        if (this.#state === 'data') events.push({ kind: 'end-entry' });
        else this.#endMeta();
        this.#state = 'header';
        continue;
      }
      if (this.#buf.length < BLOCK) return events;
      const h = this.#buf.subarray(0, BLOCK);
      this.#buf = this.#buf.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        if (++this.#zeroBlocks >= 2) {
          this.#state = 'end';
          events.push({ kind: 'end' });
        }
        continue;
      }
      if (this.#zeroBlocks > 0) throw bad('a zero block in the middle of the archive');
      const ev = this.#header(Buffer.from(h));
      if (ev !== undefined) events.push(ev);
    }
  }

  /**
   * Call at the end of input: the archive must have ended properly. `openEnded`: the input is a
   * run of whole entries without the end marker (an artifact's application member, whose end
   * marker comes with the runtime member); it must stop at an entry boundary.
   */
  finish(o: { openEnded?: boolean } = {}): TarEvent[] {
    if (o.openEnded === true && this.#state === 'header' && this.#zeroBlocks === 0 && this.#buf.length === 0 && this.#pending() === undefined) {
      this.#state = 'end';
      return [{ kind: 'end' }];
    }
    if (this.#state === 'end' || (this.#state === 'header' && this.#zeroBlocks === 1 && this.#buf.length === 0)) {
      if (this.#state !== 'end') {
        this.#state = 'end';
        return [{ kind: 'end' }];
      }
      return [];
    }
    throw bad('the archive is truncated');
  }

  /** A pax or GNU long-name header read and waiting for the entry it belongs to. */
  #pending(): string | undefined {
    return this.#pax.size > 0 || this.#longName !== undefined || this.#longLink !== undefined ? 'meta' : undefined;
  }

  #header(h: Buffer): TarEvent | undefined {
    if (!checksumOk(h)) throw bad('a header checksum does not match (not a tar file, or corrupt)');
    const typeflag = String.fromCharCode(h[156] ?? 0);
    let size = octal(h, 124, 12, 'size');
    const ustar = h.toString('latin1', 257, 262) === 'ustar';
    let name = cString(h, 0, 100);
    if (ustar) {
      const prefix = cString(h, 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    let linkTarget = cString(h, 157, 100);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > META_LIMIT) throw bad(`a ${typeflag} header of ${size} bytes`);
      this.#state = 'meta';
      this.#metaType = typeflag;
      this.#meta = [];
      this.#remaining = size;
      this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
      return undefined;
    }
    const pax = this.#pax;
    this.#pax = new Map();
    if (this.#longName !== undefined) name = this.#longName;
    if (this.#longLink !== undefined) linkTarget = this.#longLink;
    this.#longName = undefined;
    this.#longLink = undefined;
    const paxPath = pax.get('path');
    if (paxPath !== undefined) name = paxPath;
    const paxLink = pax.get('linkpath');
    if (paxLink !== undefined) linkTarget = paxLink;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) {
      if (!/^[0-9]+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) throw bad('a pax size is not a number');
      size = Number(paxSize);
    }
    const mode = octal(h, 100, 8, 'mode');
    let type: TarEntryType;
    switch (typeflag) {
      case '0':
      case '\0':
      case '7':
        type = 'file';
        break;
      case '5':
        type = 'dir';
        size = 0;
        break;
      case '2':
        type = 'symlink';
        size = 0;
        break;
      case '1':
        type = 'hardlink';
        size = 0; // ustar: a link entry carries no data
        break;
      default:
        throw bad(`${JSON.stringify(name)} has entry type ${JSON.stringify(typeflag)} (only files, directories, symbolic and hard links are allowed)`);
    }
    const entry: TarEntry = type === 'symlink' || type === 'hardlink' ? { path: name, type, mode, size, linkTarget } : { path: name, type, mode, size };
    this.#state = 'data';
    this.#remaining = size;
    this.#padding = (BLOCK - (size % BLOCK)) % BLOCK;
    return { kind: 'entry', entry };
  }

  #endMeta(): void {
    const body = Buffer.concat(this.#meta);
    this.#meta = [];
    switch (this.#metaType) {
      case 'x':
        this.#pax = parsePax(body);
        break;
      case 'L':
        this.#longName = cString(body, 0, body.length);
        break;
      case 'K':
        this.#longLink = cString(body, 0, body.length);
        break;
      default:
        break; // 'g': global headers carry nothing a release needs
    }
  }
}
