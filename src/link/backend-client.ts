/**
 * The backend's side of the contract, for integrators (the `tillqr backend` command), tests and
 * the latency benchmark: sign charges, cancels and confirmations, publish them, and watch the
 * device's events.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { TillqrError } from '../core/errors.js';
import { signCompact } from '../payment/jws.js';
import { eventSchema, type CancelMessage, type ChargeMessage, type DeviceEvent, type PaymentMessage } from './contract.js';
import { parseJsonPayload } from './json-payload.js';
import { disableNagle } from './mqtt-link.js';
import { cliHints, connectNegotiated, type CauseHints, type ProtocolChoice } from './negotiate.js';
import { DeviceTopics, type InboundTopic } from './topics.js';

type Body<M> = Omit<M, 'aud' | 'iat' | 'exp' | 'jti'>;
export type ChargeBody = Body<ChargeMessage>;
export type CancelBody = Body<CancelMessage>;
export type PaymentBody = Body<PaymentMessage>;
export type MessageBody = ChargeBody | CancelBody | PaymentBody;

export interface SignOptions {
  readonly deviceId: string;
  readonly key: KeyObject;
  readonly kid: string;
  /** Unix seconds; default now. */
  readonly now?: number;
  /** Lifetime in seconds (default 300). */
  readonly ttlSec?: number;
  readonly jti?: string;
}

/** The `jti` claim of a compact JWS (not verified: only to match the device's answer). */
export function tokenJti(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { jti?: unknown };
    return typeof claims.jti === 'string' ? claims.jti : undefined;
  } catch {
    return undefined;
  }
}

/** Add aud/iat/exp/jti to a message body and sign it into a compact JWS. */
export function signMessage(body: MessageBody, o: SignOptions): string {
  const iat = o.now ?? Math.floor(Date.now() / 1000);
  const claims = { ...body, aud: o.deviceId, iat, exp: iat + (o.ttlSec ?? 300), jti: o.jti ?? randomUUID() };
  return signCompact(JSON.stringify(claims), o.key, { kid: o.kid });
}

export interface BackendConnectOptions {
  readonly url: string;
  readonly topicPrefix?: string;
  readonly username?: string;
  readonly password?: string;
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly clientId?: string;
  /** 'auto' (the default): MQTT 5, or 3.1.1 when the broker refuses 5. */
  readonly protocolVersion?: ProtocolChoice;
  readonly connectTimeoutMs?: number;
  /** What a failed connect tells the user to fix (default: the `tillqr backend` flags). */
  readonly hints?: CauseHints;
  /** Told which protocol version was used. */
  readonly note?: (line: string) => void;
}

export class BackendClient {
  readonly client: MqttClient;
  /** The MQTT version the broker accepted: 5, or 4 (3.1.1). */
  readonly protocolVersion: 4 | 5;
  readonly #prefix: string;
  readonly #listeners = new Set<(deviceId: string, e: DeviceEvent) => void>();

  private constructor(client: MqttClient, prefix: string, protocolVersion: 4 | 5) {
    this.client = client;
    this.protocolVersion = protocolVersion;
    this.#prefix = prefix;
    client.on('message', (topic, payload) => {
      const parts = topic.split('/');
      if (parts.at(-1) !== 'events' || parts.length < 2) return;
      const deviceId = parts.at(-2) ?? '';
      const event = parseJsonPayload(eventSchema, payload);
      if (event !== undefined) for (const l of this.#listeners) l(deviceId, event);
    });
  }

  static async connect(o: BackendConnectOptions): Promise<BackendClient> {
    const opts: IClientOptions = {
      clientId: o.clientId ?? `tillqr-backend-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
    };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.caFile !== undefined) opts.ca = readFileSync(o.caFile);
    if (o.certFile !== undefined) opts.cert = readFileSync(o.certFile);
    if (o.keyFile !== undefined) opts.key = readFileSync(o.keyFile);
    const hints = o.hints ?? cliHints({ passwordEnv: 'TILLQR_BACKEND_PASSWORD', urlFlag: '--broker' });
    const { client, protocolVersion } = await connectNegotiated(o.url, opts, {
      protocol: o.protocolVersion ?? 'auto',
      hints,
      ...(o.note !== undefined ? { note: o.note } : {}),
    });
    disableNagle(client);
    return new BackendClient(client, o.topicPrefix ?? 'tillqr/v1', protocolVersion);
  }

  topics(deviceId: string): DeviceTopics {
    return new DeviceTopics(this.#prefix, deviceId);
  }

  /** Subscribe to a device's events (call before publishing what you wait an answer for). */
  async watch(deviceId: string): Promise<void> {
    await this.client.subscribeAsync(this.topics(deviceId).topic('events'), { qos: 1 });
  }

  onEvent(listener: (deviceId: string, e: DeviceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Publish a signed token (or any bytes) to a device topic with QoS 1; resolves on PUBACK. */
  async publish(deviceId: string, topic: InboundTopic, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(this.topics(deviceId).topic(topic), payload, { qos: 1 });
  }

  /**
   * Publish a signed message and publish the same bytes again every `resendMs` until the device
   * answers it: the first event echoing its jti (its decision, or `rejected` `replayed` with
   * `same: true` when it had decided already), or one `alsoMatch` accepts (a rejection the device
   * could not name the jti of: its signature did not verify). Survives a broker failover: a copy
   * lost with a cluster node is followed by the next one, and the device acts once (decision
   * 0012). `resendMs: 0` publishes once. Call watch(deviceId) first. Rejects with LINK_TIMEOUT
   * after `timeoutMs`.
   */
  async sendUntilAnswered(
    deviceId: string,
    topic: InboundTopic,
    token: string,
    o: { resendMs?: number; timeoutMs?: number; alsoMatch?: (e: DeviceEvent) => boolean } = {},
  ): Promise<DeviceEvent> {
    const jti = tokenJti(token);
    if (jti === undefined) throw new TillqrError('USAGE', 'the message has no jti to match an answer with');
    const also = o.alsoMatch;
    const answered = this.waitForEvent(deviceId, (e) => e.jti === jti || (also !== undefined && also(e)), o.timeoutMs ?? 60_000);
    answered.catch(() => undefined); // awaited below; a failing first publish must not leave it unhandled
    const send = (): void => void this.publish(deviceId, topic, token).catch(() => undefined);
    send();
    const resendMs = o.resendMs ?? 2000;
    const timer = resendMs > 0 ? setInterval(send, resendMs) : undefined;
    try {
      return await answered;
    } finally {
      clearInterval(timer);
    }
  }

  /** The first event from `deviceId` that `match` accepts, or LINK_TIMEOUT. */
  waitForEvent(deviceId: string, match: (e: DeviceEvent) => boolean, timeoutMs: number): Promise<DeviceEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new TillqrError('LINK_TIMEOUT', `no matching event from ${deviceId} within ${timeoutMs} ms`, { deviceId }));
      }, timeoutMs);
      const off = this.onEvent((id, e) => {
        if (id !== deviceId || !match(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
