/**
 * The retained `status` topic: the latest status is kept and published whenever it changes and
 * on every (re)connect; the last will carries the same with `online: false`.
 */
import type { DeviceStatus } from './contract.js';

export class StatusPublisher {
  #current: Omit<DeviceStatus, 'online'>;
  #lastSent: string | undefined;
  readonly #send: (payload: string) => void;

  constructor(initial: Omit<DeviceStatus, 'online'>, send: (payload: string) => void) {
    this.#current = initial;
    this.#send = send;
  }

  /** Change the status; publish it if connected and different from what was last sent. */
  set(status: Omit<DeviceStatus, 'online'>, connected: boolean): void {
    this.#current = status;
    if (connected) this.#publish(false);
  }

  /** After a (re)connect: publish even if unchanged (the will may have replaced it meanwhile). */
  connected(): void {
    this.#publish(true);
  }

  disconnected(): void {
    this.#lastSent = undefined;
  }

  payload(online: boolean): string {
    const { state, version, since, faults, takings } = this.#current;
    // The day's takings only while online: a last will set at connect time would carry stale ones.
    const s: DeviceStatus = {
      online,
      state,
      version,
      since,
      ...(faults !== undefined && faults.length > 0 ? { faults } : {}),
      ...(online && takings !== undefined ? { takings } : {}),
    };
    return JSON.stringify(s);
  }

  #publish(force: boolean): void {
    const p = this.payload(true);
    if (!force && p === this.#lastSent) return;
    this.#lastSent = p;
    this.#send(p);
  }
}
