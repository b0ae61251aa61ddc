/**
 * The payment backend as the simulator page drives it: it signs charges, cancels and payment
 * verdicts with the dev key and publishes them over MQTT through BackendClient (the same code an
 * integrator uses), and it can send forged or tampered confirmations to show them being refused.
 * It watches the device's events and status topics and reports everything it sends and sees.
 */
import { randomUUID } from 'node:crypto';
import { TillqrError } from '../core/errors.js';
import { BackendClient, signMessage, type MessageBody } from '../link/backend-client.js';
import { statusSchema, type DeviceEvent, type DeviceStatus } from '../link/contract.js';
import { parseJsonPayload } from '../link/json-payload.js';
import { INBOUND_TOPICS, type InboundTopic } from '../link/topics.js';
import { emvDynamicQr } from '../daemon/dynamic-qr.js';
import { b64urlDecode, b64urlEncode, signCompact } from '../payment/jws.js';
import { encodeEmv, type MerchantConfig } from '../payment/emv-encode.js';
import { parseMoney } from '../payment/money.js';
import { forgerKey, type SimKey } from './dev-keys.js';
import { readInbound, type InboundSeen } from './inbound-message.js';
import { SaleFollower } from './sale-follower.js';

export const WALLETS = ['d払い', 'au PAY', 'LINE Pay', 'Merpay', 'Alipay', 'WeChat Pay', 'Kakao Pay'] as const;
export type Wallet = (typeof WALLETS)[number];

export const FORGERIES = {
  'untrusted-key': { label: 'untrusted key', detail: 'a payment signed with a key the device does not trust, claiming the trusted key id' },
  'unknown-kid': { label: 'unknown key id', detail: "a payment signed with a stranger's key under its own key id" },
  tampered: { label: 'tampered', detail: 'a genuine "failed" verdict with its status changed to "succeeded" after signing' },
  replayed: { label: 'replayed', detail: 'the last genuine message sent again' },
} as const;
export type ForgeryKind = keyof typeof FORGERIES;

export interface SimSale {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** The QR payload the device must show: the one sent, or the one the device builds itself. */
  readonly qr: string;
  /** Who made the QR: the device from its merchant profile, or the backend (other currencies). */
  readonly qrBy: 'device' | 'backend';
  readonly reference?: string;
  readonly expiresAt: number;
  /** Who sent the charge: this page, or another client on the broker (the CLI, another backend). */
  readonly startedBy: 'page' | 'other';
  /** How the sale ended, from the device's events; absent while it is open. */
  readonly outcome?: SaleOutcome;
}

export type SaleOutcome = 'paid' | 'failed' | 'expired' | 'cancelled';

/** What the page's log shows: what the backend sent and what came back on the broker. */
export type BackendFeed =
  | {
      readonly kind: 'sent';
      readonly at: number;
      readonly topic: InboundTopic;
      readonly summary: string;
      readonly orderId?: string;
      readonly forged?: ForgeryKind;
      readonly from?: 'other';
    }
  | { readonly kind: 'event'; readonly at: number; readonly event: DeviceEvent }
  | { readonly kind: 'status'; readonly at: number; readonly status: DeviceStatus };

export interface SimBackendOptions {
  readonly url: string;
  readonly protocolVersion: 4 | 5;
  readonly topicPrefix: string;
  readonly deviceId: string;
  readonly devKey: SimKey;
  readonly merchant: MerchantConfig;
  readonly username?: string;
  readonly password?: string;
}

export interface NewSaleInput {
  /** As typed: "1200" JPY, "12.50" USD. */
  readonly amount: string;
  readonly currency: string;
  readonly reference?: string;
  /** Seconds until the sale expires (default 300). */
  readonly ttlSec?: number;
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

/**
 * JPQR is yen only, so a sale in another currency gets a QR the backend makes itself, as a
 * cross-border acquirer would: the store's profile with one (made-up) acquirer account template.
 */
export function crossBorderProfile(m: MerchantConfig, currency: string): MerchantConfig {
  return { ...m, currency, accounts: [{ id: '27', fields: { '00': 'com.example.crossborder', '01': `SIM-${m.postalCode ?? '0000000'}` } }] };
}

export class SimBackend {
  readonly #o: SimBackendOptions;
  readonly #client: BackendClient;
  readonly #forger = forgerKey();
  readonly #listeners = new Set<(f: BackendFeed) => void>();
  readonly #follower = new SaleFollower();
  #lastGenuine: { topic: InboundTopic; token: string; orderId: string } | undefined;
  #seq = 0;
  #status: DeviceStatus | undefined;

  private constructor(o: SimBackendOptions, client: BackendClient) {
    this.#o = o;
    this.#client = client;
    client.onEvent((id, event) => {
      if (id !== o.deviceId) return;
      this.#emit({ kind: 'event', at: Date.now(), event });
      this.#follower.event(event);
    });
    const topics = client.topics(o.deviceId);
    const statusTopic = topics.topic('status');
    client.client.on('message', (topic, payload) => {
      const inbound = topics.inbound(topic);
      if (inbound !== undefined) return this.#sawInbound(payload, readInbound(inbound, payload));
      if (topic !== statusTopic) return;
      const status = parseJsonPayload(statusSchema, payload);
      if (status === undefined) return;
      this.#status = status;
      this.#emit({ kind: 'status', at: Date.now(), status });
    });
  }

  static async connect(o: SimBackendOptions): Promise<SimBackend> {
    const client = await BackendClient.connect({
      url: o.url,
      topicPrefix: o.topicPrefix,
      protocolVersion: o.protocolVersion,
      clientId: `tillqr-sim-backend-${randomUUID().slice(0, 8)}`,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
    });
    const b = new SimBackend(o, client);
    await client.watch(o.deviceId);
    const topics = client.topics(o.deviceId);
    // The device's inbound topics too: the page shows every charge, cancel and payment, whoever sent it.
    await client.client.subscribeAsync([topics.topic('status'), ...INBOUND_TOPICS.map((t) => topics.topic(t))], { qos: 1 });
    return b;
  }

  /** The sale the device shows (or last showed), whoever started it. */
  get sale(): SimSale | undefined {
    return this.#follower.sale;
  }

  get status(): DeviceStatus | undefined {
    return this.#status;
  }

  get devKid(): string {
    return this.#o.devKey.kid;
  }

  onFeed(fn: (f: BackendFeed) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Called whenever the sale the device shows changes: a new one (from any client) or its outcome. */
  onSale(fn: (s: SimSale) => void): () => void {
    return this.#follower.onSale(fn);
  }

  /** Sign and send a charge. In the merchant's currency the device builds the QR; otherwise it is sent. */
  async newSale(i: NewSaleInput): Promise<SimSale> {
    const currency = i.currency.trim().toUpperCase();
    const amount = parseMoney(i.amount, currency);
    if (amount < 1) throw new TillqrError('MONEY_INVALID', 'a sale needs an amount above zero', { amount: i.amount });
    const orderId = this.#orderId();
    const expiresAt = nowSec() + (i.ttlSec ?? 300);
    const m = this.#o.merchant;
    const byDevice = currency === m.currency;
    const qr = byDevice
      ? emvDynamicQr(m, amount, currency, orderId)
      : encodeEmv({ merchant: crossBorderProfile(m, currency), amount, referenceLabel: orderId });
    const reference = i.reference?.trim();
    const body: MessageBody = {
      typ: 'charge',
      orderId,
      amount,
      currency,
      expiresAt,
      ...(byDevice ? {} : { qr }),
      ...(reference !== undefined && reference !== '' ? { reference } : {}),
    };
    await this.#sendGenuine('charge', body, orderId, `charge ${amount} ${currency} (QR by ${byDevice ? 'device' : 'backend'})`);
    const sale: SimSale = {
      orderId,
      amount,
      currency,
      qr,
      qrBy: byDevice ? 'device' : 'backend',
      expiresAt,
      startedBy: 'page',
      ...(reference !== undefined && reference !== '' ? { reference } : {}),
    };
    this.#follower.started(sale);
    return sale;
  }

  /** The provider's verdict for the current sale: paid with `wallet`, or failed. */
  async verdict(status: 'succeeded' | 'failed', wallet?: string): Promise<SimSale> {
    const s = this.#requireSale();
    const body: MessageBody = {
      typ: 'payment',
      orderId: s.orderId,
      amount: s.amount,
      currency: s.currency,
      status,
      ...(wallet !== undefined ? { wallet } : {}),
      providerTxnId: `sim-${randomUUID()}`,
      paidAt: nowSec(),
    };
    await this.#sendGenuine('payment', body, s.orderId, `payment ${status}${wallet !== undefined ? ` via ${wallet}` : ''}`);
    return s;
  }

  async cancel(): Promise<SimSale> {
    const s = this.#requireSale();
    await this.#sendGenuine('cancel', { typ: 'cancel', orderId: s.orderId }, s.orderId, 'cancel');
    return s;
  }

  /** Send a confirmation the device must refuse; resolves with the reason it should give. */
  async forge(kind: ForgeryKind): Promise<{ reason: string }> {
    const s = this.#follower.sale;
    const orderId = s?.orderId ?? this.#orderId();
    const payment = {
      typ: 'payment' as const,
      orderId,
      amount: s?.amount ?? 1000,
      currency: s?.currency ?? this.#o.merchant.currency,
      status: 'succeeded' as const,
      wallet: 'LINE Pay',
      providerTxnId: `forged-${randomUUID()}`,
      paidAt: nowSec(),
    };
    const claims = { aud: this.#o.deviceId, iat: nowSec(), exp: nowSec() + 300, jti: randomUUID() };
    let topic: InboundTopic = 'payment';
    let token: string;
    let reason: string;
    switch (kind) {
      case 'untrusted-key':
        token = signCompact(JSON.stringify({ ...payment, ...claims }), this.#forger.key, { kid: this.#o.devKey.kid });
        reason = 'bad_signature';
        break;
      case 'unknown-kid':
        token = signCompact(JSON.stringify({ ...payment, ...claims }), this.#forger.key, { kid: this.#forger.kid });
        reason = 'unknown_kid';
        break;
      case 'tampered': {
        const genuine = this.#sign({ ...payment, status: 'failed' });
        const [h, p, sig] = genuine.split('.') as [string, string, string];
        const claimsIn = JSON.parse((b64urlDecode(p) ?? Buffer.alloc(0)).toString('utf8')) as Record<string, unknown>;
        token = `${h}.${b64urlEncode(JSON.stringify({ ...claimsIn, status: 'succeeded' }))}.${sig}`;
        reason = 'bad_signature';
        break;
      }
      case 'replayed': {
        const last = this.#lastGenuine;
        if (last === undefined) throw new TillqrError('USAGE', 'nothing genuine was sent yet, so there is nothing to replay: start a sale first');
        topic = last.topic;
        token = last.token;
        reason = 'replayed';
        break;
      }
    }
    this.#follower.markOwn(token);
    await this.#client.publish(this.#o.deviceId, topic, token);
    this.#emit({ kind: 'sent', at: Date.now(), topic, summary: `forged (${FORGERIES[kind].label}): ${FORGERIES[kind].detail}`, orderId, forged: kind });
    return { reason };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#follower.clear();
    await this.#client.close();
  }

  async #sendGenuine(topic: InboundTopic, body: MessageBody, orderId: string, summary: string): Promise<void> {
    const token = this.#sign(body);
    this.#follower.markOwn(token);
    await this.#client.publish(this.#o.deviceId, topic, token);
    this.#lastGenuine = { topic, token, orderId };
    this.#emit({ kind: 'sent', at: Date.now(), topic, summary, orderId });
  }

  #sign(body: MessageBody): string {
    return signMessage(body, { deviceId: this.#o.deviceId, key: this.#o.devKey.key, kid: this.#o.devKey.kid });
  }

  #requireSale(): SimSale {
    if (this.#follower.sale === undefined) throw new TillqrError('USAGE', 'no sale yet: start a new sale first');
    return this.#follower.sale;
  }

  /** Short enough for the EMV reference label (25 characters). */
  #orderId(): string {
    this.#seq += 1;
    return `SIM-${Date.now().toString(36).toUpperCase()}-${this.#seq}`;
  }

  /** A message on an inbound topic: logged unless this backend sent it; a charge is remembered. */
  #sawInbound(payload: Buffer, seen: InboundSeen): void {
    if (this.#follower.isOwn(payload.toString('utf8'))) return;
    this.#emit({
      kind: 'sent',
      at: Date.now(),
      topic: seen.topic,
      summary: seen.summary,
      from: 'other',
      ...(seen.orderId !== undefined ? { orderId: seen.orderId } : {}),
    });
    const c = seen.charge;
    if (c === undefined) return;
    const m = this.#o.merchant;
    const qr = c.qr ?? (c.currency === m.currency ? emvDynamicQr(m, c.amount, c.currency, c.orderId) : '');
    this.#follower.charge({
      orderId: c.orderId,
      amount: c.amount,
      currency: c.currency,
      qr,
      qrBy: c.qr !== undefined ? 'backend' : 'device',
      expiresAt: c.expiresAt,
      startedBy: 'other',
      ...(c.reference !== undefined ? { reference: c.reference } : {}),
    });
  }

  #emit(f: BackendFeed): void {
    for (const l of this.#listeners) {
      try {
        l(f);
      } catch {
        // a page listener must not break the backend
      }
    }
  }
}
