/**
 * The day's takings as text for the status screen and the console: "today: 3 sales, 3840 JPY"
 * (amounts as plain decimals with the currency's own decimals, one currency after another). Pure.
 */
import { decimalString } from '../payment/money.js';
import { knownCurrency } from '../payment/currencies.js';
import type { Takings } from './takings.js';

export function takingsAmounts(t: Takings): string {
  if (t.sales.length === 0) return 'no sales yet';
  return t.sales
    .map((s) => `${s.count} ${s.count === 1 ? 'sale' : 'sales'}, ${decimalString(s.amount, knownCurrency(s.currency)?.minorUnits ?? 0)} ${s.currency}`)
    .join('; ');
}

/** One line for the status screen: "today: 3 sales, 3840 JPY". */
export function takingsLine(t: Takings): string {
  return `today: ${takingsAmounts(t)}`;
}
