/**
 * What the optional push button does. Short press: cancel the sale on screen, or, when none is
 * pending, show the last payment for a moment (the cashier checking "did that go through?").
 * Long press: show the device's status for a moment. With a voice, the short press also says the
 * last payment again and the long press reads the day's takings. A screen the Device shows meanwhile (a new
 * charge) replaces these at once; they never hide a sale.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Screen } from '../core/screen.js';
import type { Button } from '../signal/button.js';
import type { Device } from './device.js';
import type { TakingsLine } from '../voice/phrases.js';

export interface ButtonActionsOptions {
  readonly button: Button;
  readonly device: Device;
  readonly display: { show(screen: Screen): void; readonly screen: Screen | undefined };
  readonly clock: Clock;
  /** How long a glance screen stays before the Device's own screen comes back. */
  readonly holdMs: number;
  readonly statusLines: () => readonly string[];
  /** The voice (src/voice/voice.ts); absent: the button only shows. */
  readonly voice?: { replay(last: { amount: number; currency: string; wallet?: string }): void; readTakings(lines: readonly TakingsLine[]): void };
}

export function wireButton(o: ButtonActionsOptions): () => void {
  let timer: TimerHandle | undefined;
  const glance = (screen: Screen): void => {
    if (timer !== undefined) o.clock.clearTimeout(timer);
    o.display.show(screen);
    timer = o.clock.setTimeout(() => {
      timer = undefined;
      // Only put the Device's screen back if nothing newer replaced the glance.
      if (o.display.screen === screen) o.display.show(o.device.screen);
    }, o.holdMs);
  };
  const offShort = o.button.on('short', () => {
    if (o.device.saleState.pending !== undefined) {
      void o.device.pressButton();
      return;
    }
    const last = o.device.history()[0];
    if (last === undefined) return;
    glance({
      name: 'paid',
      orderId: last.orderId,
      money: { amount: last.amount, currency: last.currency },
      ...(last.wallet !== undefined ? { wallet: last.wallet } : {}),
      ...(last.late ? { late: true } : {}),
    });
    o.voice?.replay(last);
  });
  const offLong = o.button.on('long', () => {
    glance({ name: 'status', lines: o.statusLines() });
    o.voice?.readTakings(o.device.takings().sales);
  });
  return () => {
    offShort();
    offLong();
    if (timer !== undefined) o.clock.clearTimeout(timer);
  };
}
