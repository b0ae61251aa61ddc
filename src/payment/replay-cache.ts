/**
 * The set of signed-message ids (`jti`) this device has already processed, so that no signed
 * message is acted on twice.
 *
 * Retention: an entry is kept until `max(seen + retention, exp + skew)`; with the retention at
 * 25 h and token lifetimes capped at 24 h (see acceptance.ts) an entry is only ever dropped once
 * its token would be refused as expired anyway. Size: bounded by `maxEntries`; when full, entries
 * whose keep-until has passed go first, then the ones closest to it (and the caller is told, so
 * it can log that the bound was hit: only a flood of validly signed messages can do that).
 *
 * The cache is plain data (`snapshot()` / `ReplayCache.restore()`); the daemon persists it
 * atomically together with the sale state.
 */
import { array, int, object, string } from '../core/schema.js';

export const REPLAY_RETENTION_SEC = 25 * 3600;
export const REPLAY_MAX_ENTRIES = 20_000;

export interface ReplayEntry {
  /** Unix ms until which the jti must be remembered. */
  readonly until: number;
  /** Digest of the exact message when it was accepted (to recognise a broker redelivery). */
  readonly digest?: string;
}

export type ReplayLookup = { readonly seen: false } | { readonly seen: true; readonly acceptedDigest: string | undefined };

const entrySchema = object({ jti: string({ min: 1, max: 256 }), until: int({ min: 0 }), digest: string({ max: 64 }).optional() });
export const replaySnapshotSchema = array(entrySchema, { max: 1_000_000 });
export type ReplaySnapshot = { jti: string; until: number; digest?: string }[];

export class ReplayCache {
  readonly #entries = new Map<string, ReplayEntry>();
  readonly #maxEntries: number;
  readonly #retentionMs: number;

  constructor(opts: { maxEntries?: number; retentionSec?: number } = {}) {
    this.#maxEntries = opts.maxEntries ?? REPLAY_MAX_ENTRIES;
    this.#retentionMs = (opts.retentionSec ?? REPLAY_RETENTION_SEC) * 1000;
  }

  get size(): number {
    return this.#entries.size;
  }

  lookup(jti: string): ReplayLookup {
    const e = this.#entries.get(jti);
    return e === undefined ? { seen: false } : { seen: true, acceptedDigest: e.digest };
  }

  /**
   * Remember a jti seen at `nowMs` whose token expires at `expMs` (already including the skew).
   * Returns how many still-live entries had to be evicted to stay within the bound (normally 0).
   */
  add(jti: string, nowMs: number, expMs: number): number {
    this.#forgetExpiredOldest(nowMs);
    this.#entries.delete(jti);
    this.#entries.set(jti, { until: Math.max(nowMs + this.#retentionMs, expMs) });
    return this.#trim(nowMs);
  }

  /** Mark a remembered jti as accepted, with the digest of the exact message. */
  markAccepted(jti: string, digest: string): void {
    const e = this.#entries.get(jti);
    if (e !== undefined) this.#entries.set(jti, { until: e.until, digest });
  }

  /** Drop entries whose keep-until has passed. */
  prune(nowMs: number): void {
    for (const [jti, e] of this.#entries) if (e.until <= nowMs) this.#entries.delete(jti);
  }

  /**
   * Entries sit in the order they were added, which is (almost) the order they expire in: forget
   * the expired ones at the front, so the cache and the state file it is saved in stay the size of
   * the live set rather than growing to the bound. Amortised O(1); `prune` catches the rest.
   */
  #forgetExpiredOldest(nowMs: number): void {
    for (const [jti, e] of this.#entries) {
      if (e.until > nowMs) return;
      this.#entries.delete(jti);
    }
  }

  #trim(nowMs: number): number {
    if (this.#entries.size <= this.#maxEntries) return 0;
    this.prune(nowMs);
    let evictedLive = 0;
    if (this.#entries.size > this.#maxEntries) {
      const byUntil = [...this.#entries].sort((a, b) => a[1].until - b[1].until);
      for (const [jti] of byUntil.slice(0, this.#entries.size - this.#maxEntries)) {
        this.#entries.delete(jti);
        evictedLive++;
      }
    }
    return evictedLive;
  }

  snapshot(): ReplaySnapshot {
    return [...this.#entries].map(([jti, e]) => (e.digest === undefined ? { jti, until: e.until } : { jti, until: e.until, digest: e.digest }));
  }

  static restore(snapshot: ReplaySnapshot, nowMs: number, opts: { maxEntries?: number; retentionSec?: number } = {}): ReplayCache {
    const c = new ReplayCache(opts);
    for (const s of snapshot) {
      if (s.until > nowMs) c.#entries.set(s.jti, s.digest === undefined ? { until: s.until } : { until: s.until, digest: s.digest });
    }
    c.#trim(nowMs);
    return c;
  }
}
