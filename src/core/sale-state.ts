/**
 * The sale state machine's data: state, the events that drive it and the effects it asks for.
 * Times are Unix milliseconds and enter only through events.
 */
import type { DeviceEvent, SaleStateName } from '../link/contract.js';
import { array, boolean, int, object, oneOf, string, type Infer } from './schema.js';
import type { Money, Screen } from './screen.js';
import type { SignalEvent } from '../signal/indicator.js';

export interface PendingSale {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly qr: string;
  readonly reference?: string;
  /** When the sale expires: the charge's expiresAt, capped at maxChargeSec after it arrived. */
  readonly deadline: number;
  /** When it was first shown. */
  readonly shownAt: number;
}

export type Outcome = 'paid' | 'failed' | 'expired' | 'cancelled';

export interface ClosedSale {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly outcome: Outcome;
  readonly endedAt: number;
}

export interface ShownResult {
  readonly outcome: Outcome;
  readonly orderId: string;
  readonly money: Money;
  readonly wallet?: string;
  readonly late?: boolean;
  readonly until: number;
}

export interface HistoryEntry {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly wallet?: string;
  readonly providerTxnId: string;
  /** Unix seconds, from the confirmation. */
  readonly paidAt: number;
  /** Unix ms when the device accepted it. */
  readonly acceptedAt: number;
  readonly late?: boolean;
}

export type LinkState = { readonly kind: 'connecting' } | { readonly kind: 'online' | 'offline'; readonly since: number };

export interface SaleState {
  readonly link: LinkState;
  readonly pending: PendingSale | undefined;
  readonly result: ShownResult | undefined;
  /** Recently ended sales (for late confirmations and refusing a second verdict). */
  readonly closed: readonly ClosedSale[];
  /** Last accepted payments, newest first. */
  readonly history: readonly HistoryEntry[];
  readonly phase: { readonly name: SaleStateName; readonly since: number };
}

export interface SaleContext {
  readonly storeName: string;
  /** Static store QR shown when idle. */
  readonly idleQr?: string;
  readonly wallets: readonly string[];
  /** Broker as shown on the connecting screen (no credentials). */
  readonly broker: string;
  readonly resultHoldMs: number;
  readonly lateConfirmationMs: number;
  readonly maxChargeMs: number;
  readonly historySize: number;
}

export interface ChargeFacts {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** The QR payload to show: from the charge, or built by the device. */
  readonly qr: string;
  readonly reference?: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

export interface PaymentFacts {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'succeeded' | 'failed';
  readonly wallet?: string;
  readonly providerTxnId: string;
  readonly paidAt: number;
}

export type SaleEvent =
  | { readonly type: 'charge'; readonly at: number; readonly charge: ChargeFacts }
  | { readonly type: 'cancel'; readonly at: number; readonly orderId: string }
  | { readonly type: 'payment'; readonly at: number; readonly payment: PaymentFacts }
  | { readonly type: 'tick'; readonly at: number }
  | { readonly type: 'link'; readonly at: number; readonly online: boolean }
  | { readonly type: 'button'; readonly at: number };

export type SaleEffect =
  | { readonly kind: 'signal'; readonly event: SignalEvent }
  | { readonly kind: 'show'; readonly screen: Screen }
  | { readonly kind: 'publish'; readonly event: DeviceEvent }
  /** The one sale timer: deliver a `tick` at this time (undefined: none needed). */
  | { readonly kind: 'timer'; readonly at: number | undefined }
  /** Durable state changed: persist before reporting it. */
  | { readonly kind: 'persist' };

export interface Step {
  readonly state: SaleState;
  readonly effects: readonly SaleEffect[];
}

export function initialSaleState(at: number): SaleState {
  return { link: { kind: 'connecting' }, pending: undefined, result: undefined, closed: [], history: [], phase: { name: 'idle', since: at } };
}

// ---- persistence: the durable part of the state -----------------------------------------------

const money = { amount: int({ min: 0 }), currency: string({ pattern: /^[A-Z]{3}$/ }) };

export const durableSaleSchema = object({
  pending: object({
    orderId: string({ min: 1, max: 64 }),
    ...money,
    qr: string({ min: 1, max: 4096 }),
    reference: string({ max: 64 }).optional(),
    deadline: int({ min: 0 }),
    shownAt: int({ min: 0 }),
  }).optional(),
  closed: array(
    object({ orderId: string({ min: 1, max: 64 }), ...money, outcome: oneOf(['paid', 'failed', 'expired', 'cancelled'] as const), endedAt: int({ min: 0 }) }),
    { max: 1000 },
  ),
  history: array(
    object({
      orderId: string({ min: 1, max: 64 }),
      ...money,
      wallet: string({ max: 32 }).optional(),
      providerTxnId: string({ max: 128 }),
      paidAt: int({ min: 0 }),
      acceptedAt: int({ min: 0 }),
      late: boolean().optional(),
    }),
    { max: 1000 },
  ),
});

export type DurableSale = Infer<typeof durableSaleSchema>;

export function durablePart(s: SaleState): DurableSale {
  const out: DurableSale = { closed: [...s.closed], history: [...s.history] };
  if (s.pending !== undefined) out.pending = { ...s.pending };
  return out;
}

/** A state restored after a restart: not connected yet, no result on screen. */
export function restoredSaleState(d: DurableSale, at: number): SaleState {
  return { ...initialSaleState(at), pending: d.pending, closed: d.closed, history: d.history, phase: { name: d.pending ? 'charge' : 'idle', since: at } };
}
