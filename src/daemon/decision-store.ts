/**
 * How a Device's decisions reach the disk and the backend, in that order. A decision (the sale,
 * the replay cache) is written together with the events it produced, then the events are
 * published. A crash in between leaves them in the state file: the restarted device holds them
 * until the broker redelivers the message that led to them (its PUBACK was never sent) and
 * publishes them then; a timer's decision has no redelivery, so its events go out at start.
 * A failed write is logged and raised as the `storage` fault; the next good write clears it.
 */
import { isTillqrError } from '../core/errors.js';
import type { Faults } from '../core/faults.js';
import type { Logger } from '../core/logger.js';
import type { DeviceEvent } from '../link/contract.js';
import { StateFile, type StateFileContent } from './state-file.js';

interface Outbox {
  readonly jti?: string;
  readonly events: readonly DeviceEvent[];
}

export interface DecisionStoreOptions {
  readonly dir: string;
  readonly now: () => number;
  readonly log: Logger;
  readonly faults: Faults;
  readonly publish: (event: DeviceEvent) => void;
  /** The durable part of the device now: written with every decision. */
  readonly durable: () => Pick<StateFileContent, 'sale' | 'replay' | 'takings'>;
}

export class DecisionStore {
  readonly #o: DecisionStoreOptions;
  readonly #file: StateFile;
  /** Events of the decision being written, saved with it until published. */
  #outbox: Outbox | undefined;
  /** Restored from before a restart: events that may never have left, released by the redelivery of their message. */
  #held: Outbox | undefined;

  constructor(o: DecisionStoreOptions) {
    this.#o = o;
    this.#file = new StateFile(o.dir, () => {
      const box = this.#outbox ?? this.#held;
      return {
        version: 1,
        savedAt: o.now(),
        ...o.durable(),
        ...(box !== undefined ? { outbox: { ...(box.jti !== undefined ? { jti: box.jti } : {}), events: [...box.events] } } : {}),
      };
    });
  }

  /** What the last run left (a corrupt file is set aside and the device starts empty). */
  load(): Promise<StateFileContent | undefined> {
    return this.#file.loadOrSetAside(this.#o.now(), this.#o.log);
  }

  /** After load and connecting: hold the last run's unsent events for their message's redelivery, or publish a timer's now. */
  restoreOutbox(outbox: StateFileContent['outbox']): void {
    if (outbox === undefined) return;
    if (outbox.jti !== undefined) this.#held = { jti: outbox.jti, events: outbox.events };
    else this.#publishUnsent(outbox);
  }

  /** A redelivery of the message with this jti arrived: publish what the last run held for it. True when there was something. */
  releaseFor(jti: string): boolean {
    const held = this.#held;
    if (held?.jti !== jti) return false;
    this.#held = undefined;
    this.#publishUnsent(held);
    return true;
  }

  /** Write the decision together with its events, then publish them. */
  async persistThenPublish(events: readonly DeviceEvent[], jti: string | undefined): Promise<void> {
    this.#outbox = { ...(jti !== undefined ? { jti } : {}), events: [...events] };
    try {
      await this.#file.save();
      this.#o.faults.clear('storage');
    } catch (e) {
      this.#o.log.error('could not persist the payment state', { error: e, code: isTillqrError(e) ? e.code : undefined });
      this.#o.faults.raise('storage', isTillqrError(e) ? e.code : 'STORE_WRITE_FAILED', e instanceof Error ? e.message : String(e));
    }
    for (const ev of events) this.#o.publish(ev);
    this.#outbox = undefined;
  }

  /** A last write on the way out (errors logged). */
  async flush(): Promise<void> {
    await this.#file.save().catch((e: unknown) => this.#o.log.error('could not save the payment state', { error: e }));
  }

  #publishUnsent(o: Outbox): void {
    this.#o.log.warn('publishing the events of a decision written just before the last stop', { events: o.events.map((e) => `${e.type} ${e.orderId ?? ''}`) });
    for (const ev of o.events) this.#o.publish(ev);
  }
}
