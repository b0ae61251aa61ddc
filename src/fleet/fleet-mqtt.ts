/**
 * The fleet agent's own MQTT connection (MQTT.js): the same broker, credentials and TLS as the
 * payment link, client id `tillqr-<deviceId>-fleet`, a clean session (everything the agent needs
 * is retained or asked for again), retained messages delivered on subscribe, QoS 1, reconnect
 * with the link's backoff and jitter on the injected clock. Kept apart from the payment link so
 * a 64 KB block stream never queues in front of a payment confirmation.
 */
import { baseClientOptions, brokerUrls, serversOption } from '../link/client-options.js';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffDelay } from '../link/backoff.js';
import type { MqttConfig } from '../link/mqtt-link.js';
import type { FleetChannel, FleetChannelHandlers } from './ports.js';

export interface FleetMqttOptions {
  readonly mqtt: MqttConfig;
  readonly deviceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: () => number;
  /** Largest packet accepted (chunked-transfer frames are up to fleet.blockSize plus a header). */
  readonly maxPacketBytes: number;
}

export class FleetMqtt implements FleetChannel {
  readonly #o: FleetMqttOptions;
  #client: MqttClient | undefined;
  #connected = false;
  #closing = false;
  #attempt = 0;
  #timer: TimerHandle | undefined;

  constructor(o: FleetMqttOptions) {
    this.#o = o;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(subscriptions: readonly string[], h: FleetChannelHandlers): void {
    if (this.#client !== undefined) throw new TillqrError('INTERNAL', 'the fleet channel is already started');
    const m = this.#o.mqtt;
    // mqtt.urls: each connection attempt goes to the next broker, as the payment link's do.
    const opts: IClientOptions = { ...baseClientOptions(m, `tillqr-${this.#o.deviceId}-fleet`), ...serversOption(m), clean: true };
    if (m.protocolVersion === 5) opts.properties = { maximumPacketSize: this.#o.maxPacketBytes };
    const client = mqtt.connect(brokerUrls(m)[0], opts);
    this.#client = client;
    client.on('connect', () => {
      this.#connected = true;
      this.#attempt = 0;
      (client.stream as { setNoDelay?: (b: boolean) => unknown } | undefined)?.setNoDelay?.(true);
      client.subscribe(
        subscriptions.map((t) => t),
        { qos: 1 },
        (e, granted) => {
          if (e) {
            this.#o.logger.error('fleet subscribe failed', { error: e.message });
            return;
          }
          const refused = (granted ?? []).filter((g) => g.qos > 2);
          if (refused.length > 0) this.#o.logger.error('the broker refused a fleet subscription (check the ACL)', { topics: refused.map((g) => g.topic) });
          h.online();
        },
      );
    });
    client.on('message', (topic, payload) => h.message(topic, payload));
    client.on('close', () => {
      const was = this.#connected;
      this.#connected = false;
      if (was) h.offline();
      if (!this.#closing) this.#reconnect();
    });
    client.on('error', (e) => this.#o.logger.warn('fleet connection error', { error: e.message }));
  }

  publish(topic: string, payload: string | Buffer, opts: { retain: boolean }): void {
    this.#client?.publish(topic, payload, { qos: 1, retain: opts.retain }, (e) => {
      if (e) this.#o.logger.warn('fleet publish failed', { topic, error: e.message });
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    const c = this.#client;
    if (c !== undefined) await c.endAsync(!this.#connected);
    this.#connected = false;
  }

  #reconnect(): void {
    if (this.#timer !== undefined) return;
    const m = this.#o.mqtt;
    const delay = backoffDelay(this.#attempt++, m.reconnectMinMs, Math.max(m.reconnectMinMs, m.reconnectMaxMs), this.#o.random ?? Math.random);
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#closing) return;
      const c = this.#client;
      c?.reconnect({ incomingStore: c.incomingStore, outgoingStore: c.outgoingStore });
    }, delay);
  }
}
