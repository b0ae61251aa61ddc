/**
 * The payment state on disk: the durable part of the sale (pending sale, recently ended sales,
 * payment history) and the replay cache, in ONE file written atomically, so a jti and the sale
 * it changed are always persisted together. Writes are serialised and coalesced: a save asked
 * for while one is running is folded into the next write.
 */
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isTillqrError, TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { array, int, object, literal, string, type Infer } from '../core/schema.js';
import { eventSchema } from '../link/contract.js';
import { durableSaleSchema } from '../core/sale-state.js';
import { replaySnapshotSchema } from '../payment/replay-cache.js';
import { cleanStaleTemps, readJsonFile, writeFileAtomic } from '../store/atomic-file.js';
import { takingsSchema } from '../voice/takings.js';

export const STATE_FILE_NAME = 'payment-state.json';

export const stateFileSchema = object(
  {
    version: literal(1),
    savedAt: int({ min: 0 }),
    sale: durableSaleSchema,
    replay: replaySnapshotSchema,
    /** The day's takings (src/voice/takings.ts), in the same write as the sale that added to them. Absent: none today. */
    takings: takingsSchema.optional(),
    /**
     * The events of the decision being written, until they are published, with the jti of the
     * message that led to it (none for a timer). See Device: a crash in between must not lose them.
     */
    outbox: object({ jti: string({ min: 1, max: 256 }).optional(), events: array(eventSchema, { max: 16 }) }).optional(),
    // A top-level key a newer release added is dropped, not a corrupt file: after a rollback the
    // older release keeps its sale and replay cache (this release is the first to tolerate one).
  },
  { unknownKeys: 'strip' },
);

export type StateFileContent = Infer<typeof stateFileSchema>;

export class StateFile {
  readonly path: string;
  readonly #snapshot: () => StateFileContent;
  #inflight: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(dir: string, snapshot: () => StateFileContent) {
    this.path = join(dir, STATE_FILE_NAME);
    this.#snapshot = snapshot;
  }

  /** Undefined when there is no file yet; STORE_CORRUPT when it does not parse or match the schema. */
  async load(): Promise<StateFileContent | undefined> {
    await cleanStaleTemps(this.path);
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return undefined;
    const r = stateFileSchema.safeParse(raw);
    if (!r.ok) {
      throw new TillqrError(
        'STORE_CORRUPT',
        `${this.path} does not match its schema: ${r.issues
          .slice(0, 3)
          .map((i) => i.message)
          .join('; ')}`,
        { path: this.path },
      );
    }
    return r.value;
  }

  /**
   * load(), but a corrupt file is not the end of the till: it is kept aside as
   * `payment-state.json.corrupt-<ms>` for a technician, logged, and the device starts empty.
   */
  async loadOrSetAside(nowMs: number, log: Logger): Promise<StateFileContent | undefined> {
    try {
      return await this.load();
    } catch (e) {
      if (!isTillqrError(e, 'STORE_CORRUPT')) throw e;
      const aside = `${this.path}.corrupt-${nowMs}`;
      log.error('the payment state file is corrupt; keeping it aside and starting empty', { error: e.message, keptAs: aside });
      await rename(this.path, aside).catch(() => undefined);
      return undefined;
    }
  }

  /** Resolves once a write that started after this call has finished (rejects if it failed). */
  save(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const write = (): Promise<void> => {
      this.#queued = undefined;
      // Compact JSON: this file is rewritten after every accepted message.
      return writeFileAtomic(this.path, JSON.stringify(this.#snapshot()) + '\n');
    };
    const p = this.#inflight.then(write, write);
    this.#queued = p;
    this.#inflight = p.catch(() => undefined);
    return p;
  }
}
