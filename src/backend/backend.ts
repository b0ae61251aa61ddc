/**
 * The typed backend library (`import { Backend } from 'tillqr/backend'`): sign and publish a charge,
 * a cancel or a payment verdict, await the device's decision on it (matched by the message's
 * `jti`, which the device echoes), and follow a device's retained status. The `tillqr backend`
 * command is built on it. Amounts are minor units (1250 = $12.50), as on the wire.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { TillqrError } from '../core/errors.js';
import { BackendClient, signMessage, type CancelBody, type ChargeBody, type MessageBody, type PaymentBody } from '../link/backend-client.js';
import { statusSchema, type DeviceEvent, type DeviceStatus, type EventType } from '../link/contract.js';
import { parseJsonPayload } from '../link/json-payload.js';
import type { CauseHints, ProtocolChoice } from '../link/negotiate.js';
import type { InboundTopic } from '../link/topics.js';
import { parseEd25519PrivateKey, thumbprintKid } from '../payment/keys.js';

export interface BackendOptions {
  /** mqtt://, mqtts://, ws:// or wss:// */
  readonly url: string;
  /** The Ed25519 signing key: a PKCS#8 PEM (what `tillqr keys generate` writes) or a KeyObject. */
  readonly privateKey: string | KeyObject;
  /** Default: the RFC 7638 thumbprint of the key (what `tillqr keys generate` prints). */
  readonly kid?: string;
  readonly username?: string;
  readonly password?: string;
  /** PEM files for TLS: the broker CA, a client certificate and its key. */
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Default "tillqr/v1". */
  readonly topicPrefix?: string;
  /** Default 'auto': MQTT 5, or 3.1.1 when the broker refuses 5. */
  readonly protocol?: ProtocolChoice;
  /** What a failed connect tells the user to fix (default: these options' names). */
  readonly hints?: CauseHints;
  /** Told which MQTT version was used. */
  readonly note?: (line: string) => void;
}

const OPTION_HINTS: CauseHints = {
  protocol: 'the broker refused the MQTT version: leave `protocol` at "auto" or set it to 4 (3.1.1)',
  tls: 'give the broker CA as `caFile`, or use mqtts:// only for a TLS port',
  login: 'check `username` and `password`',
  unreachable: 'check `url` (host and port) and that the broker is running',
  refused: 'check `url` and the broker log',
};

export interface SendOptions {
  /** How long to wait for the device's decision (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Lifetime of the signed message in seconds (default 300). */
  readonly ttlSec?: number;
  /** Default: a new UUID. */
  readonly jti?: string;
  /** The signing time (`iat`), Unix seconds; default now. The same body, jti, time and ttl sign to the same bytes. */
  readonly issuedAt?: number;
  /**
   * Publish the same bytes again every `resendMs` until the device answers (decision 0012: a copy
   * lost with a cluster node is followed by the next; the device acts once). Default 2000; 0
   * publishes once.
   */
  readonly resendMs?: number;
}

/** The device's answer to one message. */
export interface Decision {
  /**
   * True when the device did what was asked (displayed, cancelled, paid or failed as sent), or had
   * done so already for these very bytes (`already`).
   */
  readonly ok: boolean;
  /**
   * True when the answer is `rejected` `replayed` with `same: true`: the device had accepted this
   * identical message before (a re-send, or the same message sent again) and answered it then;
   * nothing changed and nothing was signalled again.
   */
  readonly already: boolean;
  /** The event: `rejected` carries `reason` (a code from docs/protocol.md) and `detail` (words). */
  readonly event: DeviceEvent;
  /** The signed message's id. */
  readonly jti: string;
}

export interface ChargeInput {
  readonly orderId?: string;
  /** Minor units: 1200 = ¥1,200, 1250 = $12.50. */
  readonly amount: number;
  readonly currency: string;
  /** The QR payload to show; without it the device builds an EMV QR from its merchant profile. */
  readonly qr?: string;
  readonly reference?: string;
  /** Seconds from now until the sale expires (default 300). */
  readonly expiresInSec?: number;
}

export interface PaymentInput {
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  /** Default "succeeded". */
  readonly status?: 'succeeded' | 'failed';
  readonly wallet?: string;
  /** Default: a new id. */
  readonly providerTxnId?: string;
  /** Unix seconds; default now. */
  readonly paidAt?: number;
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

export class Backend {
  readonly #client: BackendClient;
  readonly #key: KeyObject;
  readonly #kid: string;
  readonly #watched = new Set<string>();

  private constructor(client: BackendClient, key: KeyObject, kid: string) {
    this.#client = client;
    this.#key = key;
    this.#kid = kid;
  }

  static async connect(o: BackendOptions): Promise<Backend> {
    const key = typeof o.privateKey === 'string' ? parseEd25519PrivateKey(o.privateKey) : o.privateKey;
    const client = await BackendClient.connect({
      url: o.url,
      protocolVersion: o.protocol ?? 'auto',
      hints: o.hints ?? OPTION_HINTS,
      ...(o.note !== undefined ? { note: o.note } : {}),
      ...(o.topicPrefix !== undefined ? { topicPrefix: o.topicPrefix } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.caFile !== undefined ? { caFile: o.caFile } : {}),
      ...(o.certFile !== undefined ? { certFile: o.certFile } : {}),
      ...(o.keyFile !== undefined ? { keyFile: o.keyFile } : {}),
    });
    return new Backend(client, key, o.kid ?? thumbprintKid(key));
  }

  /** The MQTT version the broker accepted (5, or 4 for 3.1.1). */
  get protocolVersion(): 4 | 5 {
    return this.#client.protocolVersion;
  }

  get kid(): string {
    return this.#kid;
  }

  /** Show a sale; resolves with `displayed` (ok) or `rejected`. */
  charge(deviceId: string, c: ChargeInput, o: SendOptions = {}): Promise<Decision> {
    const body: ChargeBody = {
      typ: 'charge',
      orderId: c.orderId ?? `ORD-${randomUUID().slice(0, 8)}`,
      amount: c.amount,
      currency: c.currency,
      ...(c.qr !== undefined ? { qr: c.qr } : {}),
      ...(c.reference !== undefined ? { reference: c.reference } : {}),
      expiresAt: nowSec() + (c.expiresInSec ?? 300),
    };
    return this.send(deviceId, 'charge', body, 'displayed', o);
  }

  /** Cancel the pending sale; resolves with `cancelled` (ok) or `rejected`. */
  cancel(deviceId: string, orderId: string, o: SendOptions = {}): Promise<Decision> {
    const body: CancelBody = { typ: 'cancel', orderId };
    return this.send(deviceId, 'cancel', body, 'cancelled', o);
  }

  /** The payment provider's verdict; resolves with `paid` / `failed` (ok) or `rejected`. */
  confirm(deviceId: string, p: PaymentInput, o: SendOptions = {}): Promise<Decision> {
    const status = p.status ?? 'succeeded';
    const body: PaymentBody = {
      typ: 'payment',
      orderId: p.orderId,
      amount: p.amount,
      currency: p.currency,
      status,
      ...(p.wallet !== undefined ? { wallet: p.wallet } : {}),
      providerTxnId: p.providerTxnId ?? `txn-${randomUUID()}`,
      paidAt: p.paidAt ?? nowSec(),
    };
    return this.send(deviceId, 'payment', body, status === 'succeeded' ? 'paid' : 'failed', o);
  }

  /**
   * Sign, publish (QoS 1, again every `resendMs` until answered) and await the decision on this
   * message; LINK_TIMEOUT when none comes.
   */
  async send(deviceId: string, topic: InboundTopic, body: MessageBody, expect: EventType, o: SendOptions = {}): Promise<Decision> {
    await this.#watch(deviceId);
    const jti = o.jti ?? randomUUID();
    const token = signMessage(body, {
      deviceId,
      key: this.#key,
      kid: this.#kid,
      jti,
      ...(o.issuedAt !== undefined ? { now: o.issuedAt } : {}),
      ...(o.ttlSec !== undefined ? { ttlSec: o.ttlSec } : {}),
    });
    // Ours: an event that echoes our jti; or a rejection without one (the device echoes a jti
    // only when the signature verified, so an unknown kid comes back unnamed).
    const event = await this.#client.sendUntilAnswered(deviceId, topic, token, {
      timeoutMs: o.timeoutMs ?? 10_000,
      resendMs: o.resendMs ?? 2000,
      alsoMatch: (e) => e.type === 'rejected' && e.jti === undefined && e.orderId === undefined,
    });
    const already = event.type === 'rejected' && event.reason === 'replayed' && event.same === true;
    return { ok: event.type === expect || already, already, event, jti };
  }

  /** Every event of a device (decisions on others' messages too); returns the unsubscribe function. */
  async followEvents(deviceId: string, listener: (e: DeviceEvent) => void): Promise<() => void> {
    await this.#watch(deviceId);
    return this.#client.onEvent((id, e) => {
      if (id === deviceId) listener(e);
    });
  }

  /** A device's retained status (online, sale state, version, faults), now and on every change. */
  async followStatus(deviceId: string, listener: (s: DeviceStatus) => void): Promise<() => void> {
    const topic = this.#client.topics(deviceId).topic('status');
    const onMessage = (t: string, payload: Buffer): void => {
      if (t !== topic) return;
      const s = parseJsonPayload(statusSchema, payload);
      if (s !== undefined) listener(s);
    };
    this.#client.client.on('message', onMessage);
    await this.#client.client.subscribeAsync(topic, { qos: 1 });
    return () => {
      this.#client.client.off('message', onMessage);
      void this.#client.client.unsubscribeAsync(topic).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  async #watch(deviceId: string): Promise<void> {
    if (this.#watched.has(deviceId)) return;
    await this.#client.watch(deviceId);
    this.#watched.add(deviceId);
  }
}

export { TillqrError };
export type { DeviceEvent, DeviceStatus };
