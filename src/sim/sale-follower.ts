/**
 * Which sale the simulated device is showing, whoever started it: charges seen on the broker
 * (from this page or any other client) are remembered by order id, the device's `displayed`
 * event makes one current, and its paid/failed/expired/cancelled event records the outcome. It
 * also remembers the tokens this backend published, so the broker's copy of them is not
 * reported as another client's message.
 */
import type { DeviceEvent } from '../link/contract.js';
import { Listeners } from '../signal/listeners.js';
import type { SaleOutcome, SimSale } from './sim-backend.js';

const OUTCOMES: readonly string[] = ['paid', 'failed', 'expired', 'cancelled'] satisfies SaleOutcome[];
/** How many recent charges and own tokens are remembered. */
const REMEMBER = 32;

function remember<K, V>(m: Map<K, V>, k: K, v: V): void {
  m.delete(k);
  m.set(k, v);
  for (const old of m.keys()) {
    if (m.size <= REMEMBER) break;
    m.delete(old);
  }
}

export class SaleFollower {
  readonly #own = new Map<string, true>();
  readonly #charges = new Map<string, SimSale>();
  readonly #listeners = new Listeners<SimSale>(() => undefined);
  #sale: SimSale | undefined;

  get sale(): SimSale | undefined {
    return this.#sale;
  }

  onSale(fn: (s: SimSale) => void): () => void {
    return this.#listeners.on(fn);
  }

  markOwn(token: string): void {
    remember(this.#own, token, true);
  }

  isOwn(token: string): boolean {
    return this.#own.has(token);
  }

  /** A charge seen on the broker (or just sent by this page). */
  charge(s: SimSale): void {
    remember(this.#charges, s.orderId, s);
  }

  /** This page's own sale becomes current at once (the device's `displayed` event confirms it). */
  started(s: SimSale): void {
    this.charge(s);
    this.#set(s);
  }

  event(e: DeviceEvent): void {
    if (e.orderId === undefined) return;
    const cur = this.#sale;
    if (e.type === 'displayed') {
      const s = this.#charges.get(e.orderId);
      if (s !== undefined && (cur?.orderId !== s.orderId || cur.outcome !== undefined)) this.#set(s);
      return;
    }
    if (OUTCOMES.includes(e.type) && cur?.orderId === e.orderId && cur.outcome === undefined) this.#set({ ...cur, outcome: e.type as SaleOutcome });
  }

  clear(): void {
    this.#listeners.clear();
  }

  #set(s: SimSale): void {
    this.#sale = s;
    this.#listeners.emit(s);
  }
}
