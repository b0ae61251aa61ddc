/**
 * The MQTT contract between a backend and a device, in one place: every topic with its direction,
 * QoS, retain flag and payload schema, the event types and every reason a message is refused.
 * Payloads are validated against these schemas at the boundary; docs/protocol.md is generated
 * from this file (a test fails when they drift).
 */
import { DEVICE_ID } from '../config/schema.js';
import { array, boolean, int, literal, object, oneOf, string, type Infer, type Schema } from '../core/schema.js';
import { decimalString, maxAmount } from '../payment/money.js';
import type { TopicName } from './topics.js';

const UNIX_SEC = (doc: string) => int({ min: 0, max: 99_999_999_999, expected: 'Unix time in whole seconds' }).doc(doc);

export const ORDER_ID = /^[A-Za-z0-9._:-]{1,64}$/;
const orderId = () =>
  string({ pattern: ORDER_ID, expected: 'an order id of 1-64 letters, digits, ".", "_", ":" or "-"' }).doc(
    "The backend's id of the sale. When the device builds the QR, it is the EMV reference label and must fit in 25 characters.",
  );
const AMOUNT_MAX = maxAmount('JPY');
const amount = () =>
  int({
    min: 1,
    max: AMOUNT_MAX,
    expected: `a whole number of minor units from 1 to ${AMOUNT_MAX} (at most ${maxAmount('USD')} for a currency with decimals)`,
  }).doc(
    'Integer amount in minor units (yen, cents). Bounded by EMV MPM tag 54, 13 characters with the decimal point: ' +
      `at most ${decimalString(maxAmount('JPY'), 0)} for a currency without decimals (JPY, KRW), ${decimalString(maxAmount('USD'), 2)} for one with two (USD, EUR), ` +
      `${decimalString(maxAmount('KWD'), 3)} with three (KWD), ${decimalString(maxAmount('CLF'), 4)} with four (CLF), so every amount accepted fits a QR the device builds. ` +
      'A larger amount is `malformed`. A panel too small to show an allowed amount whole refuses the charge as `amount_unshowable`.',
  );

/** The amount bound depends on the currency's decimals (see `amount`). */
function amountWithinEmv<T extends { amount: number; currency: string }>(m: T): string | undefined {
  const max = maxAmount(m.currency);
  return m.amount <= max ? undefined : `an amount of at most ${max} minor units of ${m.currency} (EMV tag 54 holds 13 characters with the decimal point)`;
}
const currency = () => string({ pattern: /^[A-Z]{3}$/, expected: 'an ISO 4217 alphabetic code such as "JPY"' }).doc('ISO 4217 alphabetic currency code.');

export const JTI = /^[\x21-\x7e]{1,128}$/;

/** Claims every signed message carries (RFC 7519 names). */
const claims = {
  aud: string({ pattern: DEVICE_ID, expected: 'a device id' }).doc('The device id this message is for.'),
  iat: UNIX_SEC('When the message was signed.'),
  exp: UNIX_SEC("After this the message is refused; at most 24 h after the device's clock."),
  jti: string({ pattern: JTI, expected: 'a message id of 1-128 printable ASCII characters' }).doc('Unique id of this message; a device acts on each jti once.'),
};

export const chargeSchema = object({
  typ: literal('charge').doc('Always "charge".'),
  orderId: orderId(),
  amount: amount(),
  currency: currency(),
  qr: string({ min: 1, max: 1024 }).optional().doc('QR payload to show; without it the device builds a dynamic EMV payload from its merchant profile.'),
  reference: string({ min: 1, max: 64 }).optional().doc('Text shown under the amount (e.g. a table or receipt number).'),
  expiresAt: UNIX_SEC('When the sale expires; the device also caps it at sale.maxChargeSec.'),
  ...claims,
}).refine(amountWithinEmv);

export const cancelSchema = object({
  typ: literal('cancel').doc('Always "cancel".'),
  orderId: orderId(),
  ...claims,
});

export const paymentSchema = object({
  typ: literal('payment').doc('Always "payment".'),
  orderId: orderId(),
  amount: amount(),
  currency: currency(),
  status: oneOf(['succeeded', 'failed'] as const).doc('"succeeded" fires the success signal; "failed" shows the failure.'),
  wallet: string({ min: 1, max: 32 }).optional().doc('Wallet or scheme that paid (shown on screen and kept in the history).'),
  providerTxnId: string({ min: 1, max: 128 }).doc("The payment provider's transaction id (kept in the history)."),
  paidAt: UNIX_SEC('When the provider settled the payment.'),
  ...claims,
}).refine(amountWithinEmv);

export const EVENT_TYPES = ['displayed', 'paid', 'failed', 'expired', 'cancelled', 'rejected'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const eventSchema = object({
  type: oneOf(EVENT_TYPES).doc('What happened (see the event table).'),
  orderId: string({ pattern: ORDER_ID, expected: 'an order id' })
    .optional()
    .doc("The order it concerns; on `rejected` only when the message's signature verified."),
  reason: string({ pattern: /^[a-z_]{1,32}$/, expected: 'a reason code' })
    .optional()
    .doc('Why (see the reason table).'),
  at: UNIX_SEC('When the device decided.'),
  jti: string({ pattern: JTI, expected: 'a message id' })
    .optional()
    .doc(
      "The `jti` of the signed message this event answers, so a backend can match the event to its message. Present when the message's signature verified: on its `displayed`, `paid`, `failed`, `cancelled` and `rejected`; absent on events the device decides itself (`expired`, `cancelled` by the button) and on the `cancelled` (reason `replaced`) of the order a new charge replaced.",
    ),
  same: literal(true)
    .optional()
    .doc(
      "On `rejected` `replayed` only: the message is the very bytes of one the device accepted and answered before (a backend re-sending a confirmation it saw no answer to, e.g. across a broker failover). Nothing changed and nothing was signalled; take it as the device's acknowledgement of that `jti` (its decision was the earlier event for it). Absent on a replay with other bytes.",
    ),
  detail: string({ min: 1, max: 300 })
    .optional()
    .doc(
      'Human-readable words for the decision, e.g. "the payment is in USD but order A-1 was charged in JPY". On every `rejected`; for people and logs: match on `reason`, never on this text, which may change.',
    ),
});

export const SALE_STATES = ['idle', 'charge', 'paid', 'failed', 'expired', 'cancelled'] as const;
export type SaleStateName = (typeof SALE_STATES)[number];

export const statusSchema = object({
  online: boolean().doc('true while connected; the last will (sent by the broker when the device vanishes) says false.'),
  state: oneOf(SALE_STATES).doc('The sale state the device is in.'),
  version: string({ min: 1, max: 64 }).doc('Software version.'),
  since: UNIX_SEC('When the device entered this state (in the last will: when it connected).'),
  faults: array(string({ pattern: /^[A-Z][A-Z0-9_]{2,47}$/, expected: 'an error code' }), { min: 1, max: 8 })
    .optional()
    .doc(
      'Present while a part needs a technician: the error codes, e.g. `STORE_WRITE_FAILED` (the state directory cannot be written: the disk is full or failing), `PANEL_BUSY_TIMEOUT`, or `PANEL_UNAVAILABLE` (the panel cannot be opened; charges are refused `display_unavailable` until it opens). Absent when the device is healthy. Payments go on meanwhile.',
    ),
  takings: object({
    day: string({ pattern: /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, expected: 'a date as YYYY-MM-DD' }).doc(
      'The shop day (its local date; the day begins at `shop.dayStartsAt`, default 04:00, in `shop.timeZone`).',
    ),
    sales: array(object({ currency: currency(), count: int({ min: 0 }).doc('Paid sales.'), amount: int({ min: 0 }).doc('Their sum in minor units.') }), {
      max: 64,
    }).doc('Per currency; empty when nothing was paid yet today.'),
  })
    .optional()
    .doc("The day's takings: count and sum of paid sales per currency since the shop's day began; cleared at the day boundary. Absent on the last will."),
});

export type ChargeMessage = Infer<typeof chargeSchema>;
export type CancelMessage = Infer<typeof cancelSchema>;
export type PaymentMessage = Infer<typeof paymentSchema>;
export type SignedMessage = ChargeMessage | CancelMessage | PaymentMessage;
export type DeviceEvent = Infer<typeof eventSchema>;
export type DeviceStatus = Infer<typeof statusSchema>;

export interface TopicSpec {
  readonly name: TopicName;
  readonly direction: 'backend → device' | 'device → backend';
  readonly signed: boolean;
  readonly retained: boolean;
  readonly qos: 1;
  readonly schema: Schema<unknown>;
  readonly summary: string;
}

export const TOPICS: readonly TopicSpec[] = [
  {
    name: 'charge',
    direction: 'backend → device',
    signed: true,
    retained: false,
    qos: 1,
    schema: chargeSchema,
    summary: 'Show a sale: amount and QR. Replaces a pending sale.',
  },
  { name: 'cancel', direction: 'backend → device', signed: true, retained: false, qos: 1, schema: cancelSchema, summary: 'Cancel the pending sale.' },
  {
    name: 'payment',
    direction: 'backend → device',
    signed: true,
    retained: false,
    qos: 1,
    schema: paymentSchema,
    summary: "The payment provider's verdict on a sale.",
  },
  { name: 'events', direction: 'device → backend', signed: false, retained: false, qos: 1, schema: eventSchema, summary: 'Every decision the device makes.' },
  {
    name: 'status',
    direction: 'device → backend',
    signed: false,
    retained: true,
    qos: 1,
    schema: statusSchema,
    summary: 'Online flag and sale state; last will sets online false.',
  },
];

export const SIGNED_SCHEMAS = { charge: chargeSchema, cancel: cancelSchema, payment: paymentSchema } as const;

export const EVENT_DOCS: Readonly<Record<EventType, string>> = {
  displayed: 'A charge was accepted and its QR is on screen.',
  paid: 'The success signal fired for this order, exactly then and only then (reason `late` when the sale had ended shortly before).',
  failed: 'A signed `failed` payment for the pending sale was accepted.',
  expired: 'The pending sale reached its expiry without a payment.',
  cancelled: 'The pending sale ended: by a signed cancel (reason `cancel`), replaced by a new charge (`replaced`) or by the button (`button`).',
  rejected: 'A message was refused; `reason` says why. Nothing on screen changed and no signal fired.',
};

export const REJECT_REASONS = {
  too_large: 'The message is larger than mqtt.maxPayloadBytes.',
  malformed: 'Not a JWS compact serialization, a payload that is not a JSON object, or a field that does not match the schema (unknown fields included).',
  unsupported_alg: 'The JWS header `alg` is not "EdDSA".',
  unknown_kid: 'The JWS header names no `kid`, or one that is not in trust.backendKeys.',
  bad_signature: 'The Ed25519 signature does not verify with the key named by `kid`.',
  wrong_type: 'The payload `typ` does not name the topic it arrived on.',
  wrong_audience: "`aud` is not this device's id.",
  not_yet_valid: "`iat` is later than the device's clock plus trust.clockSkewSec.",
  expired: "`exp` is earlier than the device's clock minus trust.clockSkewSec, or a charge's `expiresAt` has passed.",
  lifetime_too_long: "`exp` is more than 24 h after the device's clock (longer-lived messages would outlive the replay cache).",
  replayed: 'A message with this `jti` was already processed.',
  unknown_order: 'A payment or cancel for an order that is neither pending nor ended within sale.lateConfirmationSec.',
  order_closed: 'A payment or cancel for a sale that already ended (paid or failed; for cancel: any ended sale).',
  amount_mismatch: "The payment amount differs from the charge's.",
  currency_mismatch: "The payment currency differs from the charge's.",
  no_qr: 'A charge without `qr` while the device cannot build a dynamic QR (no merchant profile, or the order id does not fit).',
  display_unavailable:
    "A charge while the device's panel cannot be opened (the status topic carries a `PANEL_UNAVAILABLE` fault): no QR could be shown. Send the charge again once the fault is gone.",
  amount_unshowable:
    'A charge whose amount this panel cannot show whole in the configured mounting and language, even at the smallest amount size on a line of its own (a long amount on a small panel). Refused before any QR is shown; the sale on screen stays.',
  internal: 'The device failed while handling the message (a bug; it is logged).',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;
