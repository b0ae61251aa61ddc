/**
 * A chunked MQTT download with a retry policy: a failed attempt is tried again a bounded number
 * of times with back-off, and the download resolves only when the file on disk matches the
 * job's signed size and SHA-256, so a failed download is never taken for a finished one.
 *
 * Retried: a server that went quiet (`stalls` request timeouts in a row while connected, no new
 * block) and a finished file that does not match the signed SHA-256 (bytes from frames are not
 * trusted; the mismatching file is deleted and fetched again). Not retried: an answer from the
 * server (unknown stream, bad request, another size), a local file error, or a stop.
 * Each attempt resumes from the block map the previous one saved and uses a new token, so late
 * answers to an earlier attempt are ignored like forged ones.
 */
import { rm } from 'node:fs/promises';
import type { Clock, TimerHandle } from '../core/clock.js';
import { isTillqrError, TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StreamFrameHeader } from '../link/contract-fleet.js';
import { verifyArtifact } from './installer.js';
import { StreamClient, type StreamClientOptions } from './stream-client.js';

export interface RetryPolicy {
  /** Attempts in all (the first one included). */
  readonly attempts: number;
  /** Request timeouts in a row without a new block that end an attempt. */
  readonly stalls: number;
  /** Wait before the 2nd attempt; doubled for each further one, up to maxDelayMs. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The policy for a chunked transfer whose requests time out after `requestTimeoutMs` (fleet.requestTimeoutSec). */
export function streamRetryPolicy(requestTimeoutMs: number): RetryPolicy {
  return { attempts: 4, stalls: 3, baseDelayMs: requestTimeoutMs, maxDelayMs: 300_000 };
}

/** The wait after failed attempt number `failed` (1-based). */
export function retryDelayMs(p: RetryPolicy, failed: number): number {
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** Math.max(0, failed - 1));
}

/** Is this failure worth another attempt? */
export function retryable(e: unknown): boolean {
  return isTillqrError(e) && (e.context.retryable === true || e.context.reason === 'sha256_mismatch');
}

export interface StreamDownloadOptions extends Omit<StreamClientOptions, 'maxStalls'> {
  /** The job's signed SHA-256 of what is fetched (the artifact, or its first `length` bytes). */
  readonly sha256: string;
  /** Defaults to streamRetryPolicy(timeoutMs). */
  readonly policy?: RetryPolicy;
}

export class StreamDownload {
  readonly #o: StreamDownloadOptions;
  readonly #policy: RetryPolicy;
  readonly #log: Logger;
  readonly #clock: Clock;
  #client: StreamClient | undefined;
  #stopped: Error | undefined;
  #wait: { timer: TimerHandle; wake: () => void } | undefined;

  constructor(o: StreamDownloadOptions) {
    this.#o = o;
    this.#policy = o.policy ?? streamRetryPolicy(o.timeoutMs);
    this.#log = o.logger;
    this.#clock = o.clock;
  }

  /** Download into `dest`; resolves only with the whole, verified file on disk. */
  async run(): Promise<void> {
    const p = this.#policy;
    for (let attempt = 1; ; attempt++) {
      const stop = this.#stopReason();
      if (stop !== undefined) throw stop;
      const client = new StreamClient({ ...this.#o, maxStalls: p.stalls });
      this.#client = client;
      try {
        await client.run();
        await verifyArtifact(this.#o.dest, Math.min(this.#o.length ?? this.#o.size, this.#o.size), this.#o.sha256).catch(async (e: unknown) => {
          await rm(this.#o.dest, { force: true });
          throw e;
        });
        if (attempt > 1) this.#log.info('the download completed after a retry', { stream: this.#o.stream, attempt });
        return;
      } catch (e) {
        const stop = this.#stopReason(); // read again: abort() may have run meanwhile
        if (stop !== undefined) throw stop;
        const message = e instanceof Error ? e.message : String(e);
        if (!retryable(e) || attempt >= p.attempts) {
          if (!isTillqrError(e) || attempt === 1) throw e;
          throw new TillqrError(e.code, `${message} (attempt ${attempt} of ${p.attempts})`, { ...e.context, attempts: attempt }, { cause: e });
        }
        const delayMs = retryDelayMs(p, attempt);
        this.#log.warn('a download attempt failed; trying again', { stream: this.#o.stream, attempt, of: p.attempts, inMs: delayMs, error: message });
        await this.#sleep(delayMs);
      } finally {
        this.#client = undefined;
      }
    }
  }

  /** A frame arrived on stream/data. */
  frame(header: StreamFrameHeader, data: Buffer): void {
    this.#client?.frame(header, data);
  }

  online(): void {
    this.#client?.online();
  }

  offline(): void {
    this.#client?.offline();
  }

  /** Stop now, also during a back-off (the partial file and block map stay for a later resume). */
  async abort(e: Error): Promise<void> {
    this.#stopped = e;
    const w = this.#wait;
    if (w !== undefined) {
      this.#clock.clearTimeout(w.timer);
      w.wake();
    }
    await this.#client?.abort(e);
  }

  #stopReason(): Error | undefined {
    return this.#stopped;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#wait = undefined;
        resolve();
      };
      this.#wait = { timer: this.#clock.setTimeout(wake, ms), wake };
    });
  }
}
