/**
 * The device's MQTT connection (MQTT.js): MQTT 5 or 3.1.1, QoS 1 both ways, a persistent session
 * (clean start off, session expiry set) so that confirmations published while the device was
 * away are delivered when it returns, TLS or user/password, reconnect with backoff and jitter
 * (our own scheduler on the injected clock: MQTT.js's fixed-period reconnect is turned off), the
 * retained status republished on every reconnect and a last will saying `online: false`.
 *
 * With mqtt.urls (a cluster's nodes) each new connection attempt goes to the next URL, so losing
 * a node means reconnecting to another within the back-off. A fleet sweep (<prefix>/fleet/ping)
 * is answered by publishing the status again, live (decision 0012).
 *
 * Inbound messages are handed over one at a time and acknowledged only when handled (PUBACK
 * after the Device has persisted its decision), so a crash before then means a redelivery, not
 * a lost payment.
 */
import { baseClientOptions, brokerUrls, serversOption } from './client-options.js';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Infer } from '../core/schema.js';
import { backoffDelay } from './backoff.js';
import type { mqttConfigSchema } from './config.js';
import { eventSchema, type DeviceEvent, type DeviceStatus } from './contract.js';
import { fleetPingSchema, fleetPingTopic } from './contract-fleet.js';
import { parseJsonPayload } from './json-payload.js';
import type { DeviceLink, LinkHandlers } from './link.js';
import { StatusPublisher } from './status-publisher.js';
import { DeviceTopics, INBOUND_TOPICS } from './topics.js';

export type MqttConfig = Infer<typeof mqttConfigSchema>;

/** How long close() waits for the broker to take the offline status. */
const CLOSE_TIMEOUT_MS = 2000;

export interface MqttLinkOptions {
  readonly mqtt: MqttConfig;
  readonly deviceId: string;
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jitter source (tests pin it). */
  readonly random?: () => number;
  /** MQTT client id; default `tillqr-<deviceId>`. */
  readonly clientId?: string;
}

/** The broker URL without credentials, for screens and logs. */
export function brokerLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid broker URL)';
  }
}

export class MqttLink implements DeviceLink {
  readonly #o: MqttLinkOptions;
  readonly #topics: DeviceTopics;
  readonly #log: Logger;
  readonly #status: StatusPublisher;
  #client: MqttClient | undefined;
  #handlers: LinkHandlers | undefined;
  #connected = false;
  #closing = false;
  #attempt = 0;
  #reconnectTimer: TimerHandle | undefined;
  #pingTimer: TimerHandle | undefined;
  /** This connection's subscriptions were granted (SUBACK). */
  #subscribed = false;
  /** The next attempt uses the failover client id with a clean session (the last one was dropped before its SUBACK). */
  #failoverNext = false;
  /** Holds the process open while the link runs: between reconnects there is no socket to do it. */
  #alive: NodeJS.Timeout | undefined;

  constructor(o: MqttLinkOptions) {
    this.#o = o;
    this.#topics = new DeviceTopics(o.mqtt.topicPrefix, o.deviceId);
    this.#log = o.logger;
    this.#status = new StatusPublisher({ state: 'idle', version: o.version, since: Math.floor(o.clock.now() / 1000) }, (p) => {
      this.#client?.publish(this.#topics.topic('status'), p, { qos: 1, retain: true }, (e) => {
        if (e) this.#log.warn('status publish failed', { error: e.message });
      });
    });
  }

  get connected(): boolean {
    return this.#connected;
  }

  get #clientId(): string {
    return this.#o.clientId ?? `tillqr-${this.#o.deviceId}`;
  }

  start(handlers: LinkHandlers): void {
    if (this.#client !== undefined) throw new TillqrError('INTERNAL', 'the link is already started');
    this.#handlers = handlers;
    this.#alive = setInterval(() => undefined, 0x7fffffff);
    const client = mqtt.connect(brokerUrls(this.#o.mqtt)[0], this.#clientOptions());
    this.#client = client;
    client.handleMessage = (packet, done) => this.#onPublish(packet, done);
    client.on('connect', (connack) => this.#onConnect(connack.sessionPresent));
    client.on('close', () => this.#onClose());
    client.on('error', (e) => this.#log.warn('broker connection error', { error: e.message, ...('code' in e ? { code: e.code } : {}) }));
  }

  publishEvent(event: DeviceEvent): void {
    const check = eventSchema.safeParse(event);
    if (!check.ok) {
      this.#log.error('refusing to publish an event that breaks the contract', { problems: check.issues.map((i) => i.message) });
      return;
    }
    this.#client?.publish(this.#topics.topic('events'), JSON.stringify(event), { qos: 1 }, (e) => {
      if (e) this.#log.warn('event publish failed', { type: event.type, error: e.message });
    });
  }

  setStatus(status: Omit<DeviceStatus, 'online'>): void {
    // Once closing, `online: false` is the last word: a change is kept for the payload, not sent.
    this.#status.set(status, this.#connected && !this.#closing);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#alive);
    if (this.#reconnectTimer !== undefined) this.#o.clock.clearTimeout(this.#reconnectTimer);
    if (this.#pingTimer !== undefined) this.#o.clock.clearTimeout(this.#pingTimer);
    const client = this.#client;
    if (client === undefined) return;
    let acked = false;
    if (this.#connected) {
      // Say offline, but do not hang on a broker that stopped answering.
      await new Promise<void>((resolve) => {
        const timer = this.#o.clock.setTimeout(resolve, CLOSE_TIMEOUT_MS);
        client.publish(this.#topics.topic('status'), this.#status.payload(false), { qos: 1, retain: true }, (e) => {
          acked = e === undefined || e === null;
          this.#o.clock.clearTimeout(timer);
          resolve();
        });
      });
    }
    await client.endAsync(!acked);
    this.#connected = false;
  }

  #clientOptions(): IClientOptions {
    const m = this.#o.mqtt;
    const opts: IClientOptions = {
      ...baseClientOptions(m, this.#clientId),
      ...serversOption(m),
      clean: false,
      will: { topic: this.#topics.topic('status'), payload: Buffer.from(this.#status.payload(false)), qos: 1, retain: true },
    };
    if (m.protocolVersion === 5) {
      // Messages far above the limit are not worth receiving at all; those just above it are
      // received and answered with a `too_large` event.
      opts.properties = { sessionExpiryInterval: m.sessionExpirySec, maximumPacketSize: Math.min(268_435_455, m.maxPayloadBytes * 16 + 4096) };
    }
    return opts;
  }

  #onConnect(sessionPresent: boolean): void {
    const client = this.#client;
    if (client === undefined) return;
    this.#connected = true;
    this.#subscribed = false;
    disableNagle(client);
    const o = client.options;
    this.#log.info('connected to the broker', { broker: `${o.protocol ?? 'mqtt'}://${o.hostname ?? o.host ?? '?'}:${o.port ?? '?'}`, sessionPresent });
    const v5 = this.#o.mqtt.protocolVersion === 5;
    // Retain handling 2: never replay retained messages on subscribe (backend messages are not retained).
    const subs: Record<string, { qos: 0 | 1; rh?: number }> = Object.fromEntries(
      INBOUND_TOPICS.map((t) => [this.#topics.topic(t), v5 ? { qos: 1 as const, rh: 2 } : { qos: 1 as const }]),
    );
    subs[fleetPingTopic(this.#o.mqtt.topicPrefix)] = v5 ? { qos: 0, rh: 2 } : { qos: 0 };
    client.subscribe(subs, (e, granted) => {
      if (e) {
        this.#log.error('subscribe failed', { error: e.message });
        return;
      }
      const refused = (granted ?? []).filter((g) => g.qos > 2);
      if (refused.length > 0) this.#log.error('the broker refused a subscription (check the ACL)', { topics: refused.map((g) => g.topic) });
      this.#subscribed = true;
      this.#failoverNext = false;
      this.#attempt = 0;
      // `online: true` only once the subscriptions hold: a clustered broker binds them after the
      // CONNACK, and a backend that charges on seeing the status must not publish into nothing.
      // A close begun meanwhile has already said `online: false`, and that must stay the last word.
      if (this.#client === client && this.#connected && !this.#closing) this.#status.connected();
    });
    this.#handlers?.online();
  }

  #onClose(): void {
    const wasConnected = this.#connected;
    if (wasConnected && !this.#subscribed && !this.#closing) {
      // A cluster cannot serve a persistent session whose queue lived on a node that is gone
      // (RabbitMQ closes the connection at SUBSCRIBE, clean or not, for that client id): the next
      // attempt uses the failover client id with a clean session; the backend re-sends what it has
      // not seen answered (decision 0012). The attempt after that goes back to the usual id.
      this.#failoverNext = true;
      this.#log.warn('the broker dropped the connection before the subscriptions held: the next attempt uses the failover client id with a clean session');
    }
    this.#connected = false;
    this.#status.disconnected();
    if (wasConnected) {
      if (this.#closing) this.#log.info('disconnected from the broker');
      else this.#log.warn('lost the broker connection');
      this.#handlers?.offline();
    }
    if (this.#closing) return;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#reconnectTimer !== undefined) return;
    const m = this.#o.mqtt;
    const delay = backoffDelay(this.#attempt++, m.reconnectMinMs, Math.max(m.reconnectMinMs, m.reconnectMaxMs), this.#o.random ?? Math.random);
    this.#log.debug(() => `reconnecting in ${delay} ms`);
    this.#reconnectTimer = this.#o.clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      const client = this.#client;
      if (client === undefined || this.#closing) return;
      client.options.will = { topic: this.#topics.topic('status'), payload: Buffer.from(this.#status.payload(false)), qos: 1, retain: true };
      client.options.clean = this.#failoverNext;
      client.options.clientId = this.#failoverNext ? `${this.#clientId}-failover` : this.#clientId;
      // Keep the stores: QoS 1 events queued while offline are sent after reconnecting.
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
  }

  /** A fleet sweep: publish the status again once, after a random delay below the ping's spread. */
  #onPing(payload: Buffer): void {
    const ping = parseJsonPayload(fleetPingSchema, payload);
    if (ping === undefined) {
      this.#log.warn('ignored a malformed fleet ping');
      return;
    }
    if (this.#pingTimer !== undefined) return;
    this.#pingTimer = this.#o.clock.setTimeout(
      () => {
        this.#pingTimer = undefined;
        if (this.#connected && !this.#closing) this.#status.connected();
      },
      Math.floor((this.#o.random ?? Math.random)() * (ping.spreadMs ?? 0)),
    );
  }

  #onPublish(packet: IPublishPacket, done: (error?: Error) => void): void {
    if (packet.topic === fleetPingTopic(this.#o.mqtt.topicPrefix)) {
      this.#onPing(Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
      done();
      return;
    }
    const topic = this.#topics.inbound(packet.topic);
    const handlers = this.#handlers;
    if (topic === undefined || handlers === undefined) {
      this.#log.warn('ignoring a message on an unexpected topic', { topic: packet.topic });
      done();
      return;
    }
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    handlers.message({ topic, payload, dup: packet.dup }).then(
      () => done(),
      (e: unknown) => {
        // The handler never rejects by design; acknowledge anyway so one bad message cannot loop.
        this.#log.error('message handler failed', { error: e instanceof Error ? e.message : String(e) });
        done();
      },
    );
  }
}

/** A confirmation is one small packet: send acknowledgements and events without Nagle's delay. */
export function disableNagle(client: MqttClient): void {
  const stream = client.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
