/**
 * The backend's side for reliability runs: a raw MQTT.js client (not BackendClient, which drops
 * events that break the contract: here every event is checked against the contract's event
 * schema and a bad one is counted), signing with a test key, and waiting for events without
 * polling.
 */
import type { KeyObject } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../../src/config/schema.js';
import { validateConfig } from '../../src/config/load.js';
import { signMessage, type MessageBody } from '../../src/link/backend-client.js';
import { eventSchema, statusSchema, type DeviceEvent, type DeviceStatus } from '../../src/link/contract.js';
import { parseJsonPayload } from '../../src/link/json-payload.js';
import { disableNagle } from '../../src/link/mqtt-link.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../src/payment/keys.js';
import { rawDeviceConfig as kitRawConfig } from '../../test/helpers/payment-kit.js';

export interface BackendKey {
  readonly kid: string;
  readonly key: KeyObject;
  readonly publicKeyPem: string;
}

export function backendKey(kid = 'reliability-1'): BackendKey {
  const pair = generateEd25519KeyPair();
  return { kid, key: parseEd25519PrivateKey(pair.privateKeyPem), publicKeyPem: pair.publicKeyPem };
}

/** The raw config object of a provisioned simulated device (write it to a file or validate it). */
export function rawDeviceConfig(o: {
  deviceId: string;
  url: string;
  key: BackendKey;
  stateDir: string;
  mqtt?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const { key, extra, ...rest } = o;
  return { ...kitRawConfig({ ...rest, keys: [key] }), logLevel: 'warn', ...extra };
}

export function deviceConfig(o: Parameters<typeof rawDeviceConfig>[0]): Config {
  return validateConfig(rawDeviceConfig(o));
}

export function sign(deviceId: string, key: BackendKey, body: MessageBody, nowSec: number, jti?: string): string {
  return signMessage(body, { deviceId, key: key.key, kid: key.kid, now: nowSec, ttlSec: 300, ...(jti !== undefined ? { jti } : {}) });
}

export function chargeBody(orderId: string, amount: number, expiresAt: number): MessageBody {
  return { typ: 'charge', orderId, amount, currency: 'JPY', expiresAt, qr: `QR-${orderId}` };
}

export function paymentBody(orderId: string, amount: number, paidAt: number, status: 'succeeded' | 'failed' = 'succeeded'): MessageBody {
  return { typ: 'payment', orderId, amount, currency: 'JPY', status, providerTxnId: `txn-${orderId}`, paidAt };
}

type Waiter = { pred: (e: DeviceEvent) => boolean; resolve: (e: DeviceEvent) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * The device's retained status as an operator's client sees it: the retained copy, then live
 * updates, until one satisfies `pred` (resolves with it) or the time is up (resolves with the last
 * seen, or undefined).
 */
export async function watchStatus(
  url: string,
  deviceId: string,
  pred: (s: DeviceStatus) => boolean,
  timeoutMs = 5_000,
  prefix = 'tillqr/v1',
): Promise<DeviceStatus | undefined> {
  const client = await mqtt.connectAsync(url, {
    clientId: `reliability-operator-${Math.random().toString(16).slice(2, 8)}`,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  client.on('error', () => undefined);
  try {
    return await new Promise<DeviceStatus | undefined>((resolve) => {
      let last: DeviceStatus | undefined;
      const timer = setTimeout(() => resolve(last), timeoutMs);
      client.on('message', (_topic, payload) => {
        const status = parseJsonPayload(statusSchema, payload);
        if (status === undefined) return;
        last = status;
        if (pred(status)) {
          clearTimeout(timer);
          resolve(status);
        }
      });
      client.subscribe(`${prefix}/${deviceId}/status`, { qos: 1 });
    });
  } finally {
    await client.endAsync(true);
  }
}

export class EventBackend {
  readonly client: MqttClient;
  readonly deviceId: string;
  readonly #prefix: string;
  /** Events that parsed and matched the contract, in arrival order (bounded unless `keepAll`). */
  readonly events: DeviceEvent[] = [];
  /** Events that did not parse or broke the contract's schema (raw text, first 200 characters). */
  readonly malformed: string[] = [];
  /** Every event counted by `type` (and, unless turned off for long runs, `paid` by order id). */
  readonly byType = new Map<string, number>();
  readonly paidByOrder = new Map<string, number>();
  /** The `at` of every `paid` event received, per order (to tell a redelivered copy from a second decision). */
  readonly paidAt = new Map<string, number[]>();
  received = 0;
  #waiters: Waiter[] = [];
  readonly #keep: number;
  readonly #perOrder: boolean;

  private constructor(client: MqttClient, deviceId: string, prefix: string, keep: number, perOrder: boolean) {
    this.client = client;
    this.deviceId = deviceId;
    this.#prefix = prefix;
    this.#keep = keep;
    this.#perOrder = perOrder;
    client.on('message', (_topic, payload) => this.#onEvent(payload));
  }

  /**
   * `persistent`: a session that outlives the connection (MQTT 5 session expiry), so events the
   * device publishes while this client is away are kept for it by the broker.
   */
  static async connect(
    url: string,
    deviceId: string,
    o: { keep?: number; prefix?: string; persistent?: boolean; perOrder?: boolean } = {},
  ): Promise<EventBackend> {
    const clientId = `reliability-backend-${deviceId}-${Math.random().toString(16).slice(2, 8)}`;
    const client = await mqtt.connectAsync(url, {
      clientId,
      clean: o.persistent !== true,
      reconnectPeriod: o.persistent === true ? 100 : 200,
      connectTimeout: 10_000,
      ...(o.persistent === true ? { protocolVersion: 5 as const, properties: { sessionExpiryInterval: 3600 } } : {}),
    });
    client.on('error', () => undefined);
    disableNagle(client);
    client.on('connect', () => disableNagle(client));
    const b = new EventBackend(client, deviceId, o.prefix ?? 'tillqr/v1', o.keep ?? 10_000, o.perOrder ?? true);
    await client.subscribeAsync(`${b.#prefix}/${deviceId}/events`, { qos: 1 });
    return b;
  }

  topic(name: InboundTopic): string {
    return `${this.#prefix}/${this.deviceId}/${name}`;
  }

  async send(topic: InboundTopic, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(this.topic(topic), payload, { qos: 1 });
  }

  /** Publish without waiting for the broker's PUBACK (it may be down; MQTT.js sends when it can). */
  post(topic: InboundTopic, payload: string | Buffer): void {
    this.client.publish(this.topic(topic), payload, { qos: 1 }, () => undefined);
  }

  count(type: string): number {
    return this.byType.get(type) ?? 0;
  }

  /** Resolve with the first event from now on that matches (a timeout turns a hang into an error). */
  next(pred: (e: DeviceEvent) => boolean, timeoutMs = 20_000): Promise<DeviceEvent> {
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((x) => x !== w);
          reject(new Error(`no matching event within ${timeoutMs} ms (last: ${JSON.stringify(this.events.slice(-3))})`));
        }, timeoutMs),
      };
      this.#waiters.push(w);
    });
  }

  /** Resolve once `n` events in total have been received. */
  async atLeast(n: number, timeoutMs = 20_000): Promise<void> {
    if (this.received >= n) return;
    await this.next(() => this.received >= n, timeoutMs);
  }

  async close(): Promise<void> {
    for (const w of this.#waiters) clearTimeout(w.timer);
    this.#waiters = [];
    await this.client.endAsync(true);
  }

  #onEvent(payload: Buffer): void {
    this.received++;
    const text = payload.toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.malformed.push(text.slice(0, 200));
      return;
    }
    const r = eventSchema.safeParse(raw);
    if (!r.ok) {
      this.malformed.push(text.slice(0, 200));
      return;
    }
    const e = r.value;
    this.byType.set(e.type, this.count(e.type) + 1);
    if (e.type === 'paid' && e.orderId !== undefined && this.#perOrder) {
      this.paidByOrder.set(e.orderId, (this.paidByOrder.get(e.orderId) ?? 0) + 1);
      this.paidAt.set(e.orderId, [...(this.paidAt.get(e.orderId) ?? []), e.at]);
    }
    this.events.push(e);
    if (this.events.length > this.#keep) this.events.splice(0, this.events.length - this.#keep);
    const hit = this.#waiters.filter((w) => w.pred(e));
    if (hit.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => !hit.includes(w));
    for (const w of hit) {
      clearTimeout(w.timer);
      w.resolve(e);
    }
  }
}
