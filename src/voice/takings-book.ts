/**
 * A Device's running day's takings: records each paid sale, hands the durable part to the state
 * file (written in the same atomic write as the sale), and wakes at the shop's day boundary so the
 * retained status drops yesterday's takings. The day rule (`shop.*`) is read live.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ShopConfig } from './config.js';
import { addSale, msUntilDayStart, shopDay, takingsFor, type Takings } from './takings.js';

export interface TakingsBookOptions {
  readonly clock: Clock;
  readonly shop: () => ShopConfig;
}

export class TakingsBook {
  readonly #o: TakingsBookOptions;
  #takings: Takings | undefined;
  #timer: TimerHandle | undefined;
  #day = '';

  constructor(o: TakingsBookOptions) {
    this.#o = o;
  }

  #today(): string {
    const s = this.#o.shop();
    return shopDay(this.#o.clock.now(), s.dayStartsAt, s.timeZone);
  }

  /** What the last run saved (another day's takings are not today's: they read as empty). */
  restore(t: Takings | undefined): void {
    this.#takings = t;
  }

  record(amount: number, currency: string): void {
    this.#takings = addSale(this.#takings, this.#today(), amount, currency);
  }

  /** Today's takings (empty on a new day). */
  today(): Takings {
    return takingsFor(this.#takings, this.#today());
  }

  /** For the state file: today's takings, written with the sale. */
  persisted(): { takings?: Takings } {
    const t = this.today();
    return t.sales.length > 0 ? { takings: t } : {};
  }

  /** Wake at each day boundary and tell `onNewDay` when the day changed. */
  start(onNewDay: () => void): void {
    this.#day = this.#today();
    const arm = (): void => {
      const s = this.#o.shop();
      this.#timer = this.#o.clock.setTimeout(
        () => {
          const day = this.#today();
          if (day !== this.#day) {
            this.#day = day;
            onNewDay();
          }
          arm();
        },
        msUntilDayStart(this.#o.clock.now(), s.dayStartsAt, s.timeZone),
      );
    };
    arm();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
