/**
 * One attempt of the device side of the chunked MQTT transfer. It keeps a window of numbered
 * blocks requested (stream/get), writes each answered block at its offset, and keeps a bitmap of
 * the blocks it has. After a disconnect it asks again for what is missing; after a restart it
 * continues from the bitmap persisted beside the partial file (written only after the file was
 * fsynced, so a block marked received is on disk). A request unanswered within the timeout is
 * asked again; `maxStalls` timeouts in a row while connected, with no new block, end the attempt
 * (retryable; download-retry.ts decides). Only frames carrying this attempt's random token count:
 * any other frame on stream/data (stale, or published by someone else) is ignored and counted,
 * so it can neither end nor corrupt the download. With `length`, only the stream's first `length`
 * bytes are fetched (a split artifact's application member, decision 0009): the blocks covering
 * them, the last one cut at `length`.
 */
import { randomBytes } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { int, object, string } from '../core/schema.js';
import type { StreamFrameHeader, StreamRequest } from '../link/contract-fleet.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import { blockCount, blockLength } from './stream-codec.js';

export interface StreamClientOptions {
  readonly stream: string;
  /** The whole stream's size (what the server's blocks are cut from). */
  readonly size: number;
  /** Fetch only bytes 0..length-1 (default: all of them). */
  readonly length?: number;
  readonly blockSize: number;
  readonly window: number;
  readonly dest: string;
  readonly timeoutMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly request: (r: StreamRequest) => void;
  readonly connected: () => boolean;
  /** Bytes on disk, and blocks. */
  readonly onProgress: (bytes: number, blocks: number) => void;
  /** Request timeouts in a row (connected, no new block) that end the attempt; unbounded when absent. */
  readonly maxStalls?: number;
}

/** An attempt that failed in a way another attempt may not (the server went quiet). */
export function stalled(message: string): TillqrError {
  return new TillqrError('UPDATE_FAILED', message, { reason: 'download_failed', retryable: true });
}

const progressSchema = object({ stream: string(), size: int(), length: int().optional(), blockSize: int(), have: string() });
const PERSIST_EVERY = 64;

export class StreamClient {
  readonly #o: StreamClientOptions;
  readonly #n: number;
  /** Bytes fetched: the stream, or its first `length` bytes. */
  readonly #length: number;
  readonly #have: Uint8Array;
  readonly #token = randomBytes(9).toString('base64url');
  readonly #outstanding = new Set<number>();
  #count = 0;
  #bytes = 0;
  #next = 0;
  #fh: FileHandle | undefined;
  #timer: TimerHandle | undefined;
  #sinceSave = 0;
  #writes: Promise<unknown> = Promise.resolve();
  #done: { resolve: () => void; reject: (e: Error) => void } | undefined;
  #finished = false;
  #stalls = 0;
  #foreign = 0;

  constructor(o: StreamClientOptions) {
    this.#o = o;
    this.#length = Math.min(o.length ?? o.size, o.size);
    this.#n = blockCount(this.#length, o.blockSize);
    this.#have = new Uint8Array(Math.ceil(this.#n / 8));
  }

  get progressPath(): string {
    return `${this.#o.dest}.blocks.json`;
  }

  get received(): number {
    return this.#count;
  }

  /** Frames ignored for a wrong token. */
  get ignored(): number {
    return this.#foreign;
  }

  #has(i: number): boolean {
    return ((this.#have[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
  }

  #mark(i: number): void {
    this.#have[i >> 3] = (this.#have[i >> 3] ?? 0) | (1 << (i & 7));
  }

  /** Fetch the whole stream into `dest`; resolves when every block is on disk. */
  async run(): Promise<void> {
    await this.#restore();
    this.#fh = await open(this.#o.dest, this.#count > 0 ? 'r+' : 'w+', 0o600);
    await this.#fh.truncate(this.#length);
    this.#o.onProgress(this.#bytes, this.#count);
    if (this.#count === this.#n) return this.#complete();
    const done = new Promise<void>((resolve, reject) => (this.#done = { resolve, reject }));
    this.#fill();
    try {
      await done;
    } catch (e) {
      await this.#writes.catch(() => undefined); // the block map is saved and the file closed before the next attempt
      throw e;
    } finally {
      this.#stopTimer();
    }
  }

  /** A frame arrived on stream/data. */
  frame(header: StreamFrameHeader, data: Buffer): void {
    if (header.stream !== this.#o.stream || this.#finished) return;
    if (header.token !== this.#token) {
      this.#ignore();
      return;
    }
    if (header.error !== undefined) {
      this.#fail(new TillqrError('UPDATE_FAILED', `the stream server refused: ${header.error}`, { reason: 'download_failed' }));
      return;
    }
    const i = header.block;
    if (i === undefined || i < 0 || i >= this.#n || this.#has(i)) return;
    if (header.size !== undefined && header.size !== this.#o.size) {
      this.#fail(new TillqrError('UPDATE_FAILED', `the stream is ${header.size} bytes, the job announced ${this.#o.size}`, { reason: 'download_failed' }));
      return;
    }
    if (data.length !== blockLength(i, this.#o.size, this.#o.blockSize)) return; // a wrong-sized block is asked for again
    this.#mark(i);
    this.#stalls = 0;
    this.#outstanding.delete(i);
    this.#count++;
    const keep = blockLength(i, this.#length, this.#o.blockSize);
    this.#bytes += keep;
    const fh = this.#fh;
    if (fh === undefined) return;
    this.#writes = this.#writes.then(() => fh.write(data, 0, keep, i * this.#o.blockSize)).catch((e: unknown) => this.#fail(e as Error));
    this.#o.onProgress(this.#bytes, this.#count);
    if (++this.#sinceSave >= PERSIST_EVERY) {
      this.#sinceSave = 0;
      this.#writes = this.#writes.then(() => this.#save()).catch((e: unknown) => this.#o.logger.warn('could not save the transfer progress', { error: e }));
    }
    if (this.#count === this.#n) {
      void this.#writes
        .then(() => this.#complete())
        .then(
          () => this.#done?.resolve(),
          (e: unknown) => this.#fail(e as Error),
        );
      return;
    }
    this.#armTimer();
    if (this.#outstanding.size <= this.#o.window / 2) this.#fill();
  }

  /** Connected again: ask again for everything outstanding. */
  online(): void {
    if (this.#finished || this.#done === undefined) return;
    this.#stalls = 0;
    this.#outstanding.clear();
    this.#next = 0;
    this.#fill();
  }

  offline(): void {
    this.#stopTimer();
    this.#writes = this.#writes.then(() => this.#save()).catch(() => undefined);
  }

  /** Stop without finishing (the partial file and bitmap stay for a later resume). */
  async abort(e: Error): Promise<void> {
    this.#fail(e);
    await this.#writes.catch(() => undefined);
  }

  #fill(): void {
    if (!this.#o.connected()) return;
    const want: number[] = [];
    while (this.#outstanding.size + want.length < this.#o.window) {
      const i = this.#nextMissing();
      if (i === undefined) break;
      want.push(i);
    }
    if (want.length > 0) {
      for (const i of want) this.#outstanding.add(i);
      this.#o.request({ stream: this.#o.stream, token: this.#token, blockSize: this.#o.blockSize, blocks: want });
    }
    this.#armTimer();
  }

  #nextMissing(): number | undefined {
    for (let k = 0; k < this.#n; k++) {
      const i = (this.#next + k) % this.#n;
      if (!this.#has(i) && !this.#outstanding.has(i)) {
        this.#next = i + 1;
        return i;
      }
    }
    return undefined;
  }

  #armTimer(): void {
    this.#stopTimer();
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#finished || !this.#o.connected()) return; // offline: online() asks again
      if (++this.#stalls >= (this.#o.maxStalls ?? Infinity)) {
        this.#fail(stalled(`no block arrived in ${this.#stalls} requests of ${this.#o.timeoutMs / 1000} s (${this.#count} of ${this.#n} blocks received)`));
        return;
      }
      this.#o.logger.info('a block request timed out; asking again', {
        outstanding: this.#outstanding.size,
        received: this.#count,
        of: this.#n,
        stalls: this.#stalls,
      });
      this.#outstanding.clear();
      this.#fill();
    }, this.#o.timeoutMs);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A frame with a wrong token: counted; logged at the 1st, 10th, 100th and every 1000th (never its contents). */
  #ignore(): void {
    const n = ++this.#foreign;
    if (n === 1 || n === 10 || n === 100 || n % 1000 === 0)
      this.#o.logger.warn('ignored stream frames with a wrong token (stale or forged)', { stream: this.#o.stream, count: n });
  }

  #ended(how: string): void {
    if (this.#foreign > 0)
      this.#o.logger.warn(`the transfer attempt ${how}; frames with a wrong token were ignored`, { stream: this.#o.stream, count: this.#foreign });
  }

  #fail(e: Error): void {
    if (this.#finished) return;
    this.#ended('failed');
    this.#finished = true;
    this.#stopTimer();
    const fh = this.#fh;
    this.#fh = undefined;
    this.#writes = this.#writes
      .then(() => this.#save(fh))
      .finally(() => fh?.close())
      .catch(() => undefined);
    this.#done?.reject(e);
  }

  async #save(fh = this.#fh): Promise<void> {
    if (fh === undefined) return;
    await fh.sync();
    await writeJsonAtomic(this.progressPath, {
      stream: this.#o.stream,
      size: this.#o.size,
      length: this.#length,
      blockSize: this.#o.blockSize,
      have: Buffer.from(this.#have).toString('base64'),
    });
  }

  async #restore(): Promise<void> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.progressPath);
    } catch {
      raw = undefined;
    }
    const r = progressSchema.safeParse(raw);
    if (
      !r.ok ||
      r.value.stream !== this.#o.stream ||
      r.value.size !== this.#o.size ||
      (r.value.length ?? r.value.size) !== this.#length ||
      r.value.blockSize !== this.#o.blockSize
    )
      return;
    const bits = Buffer.from(r.value.have, 'base64');
    if (bits.length !== this.#have.length) return;
    this.#have.set(bits);
    for (let i = 0; i < this.#n; i++) {
      if (this.#has(i)) {
        this.#count++;
        this.#bytes += blockLength(i, this.#length, this.#o.blockSize);
      }
    }
    this.#o.logger.info('resuming a chunked transfer', { stream: this.#o.stream, have: this.#count, of: this.#n });
  }

  async #complete(): Promise<void> {
    if (this.#finished) return;
    this.#ended('completed');
    this.#finished = true;
    this.#stopTimer();
    const fh = this.#fh;
    this.#fh = undefined;
    if (fh !== undefined) {
      await fh.sync();
      await fh.close();
    }
    await rm(this.progressPath, { force: true });
  }
}
