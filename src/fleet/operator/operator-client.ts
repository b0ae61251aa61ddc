/**
 * The operator's MQTT connection (for `tillqr fleet ...`): read the fleet's state (retained, and
 * what a sweep makes every connected device publish again: decision 0012), publish signed
 * documents retained, and serve chunked-transfer streams.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IClientOptions, MqttClient } from 'mqtt';
import { fleetPingTopic, type FleetPing } from '../../link/contract-fleet.js';
import { cliHints, connectNegotiated, type CauseHints, type ProtocolChoice } from '../../link/negotiate.js';
import { viewTopics } from './fleet-view.js';

export interface OperatorConnectOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly caFile?: string;
  readonly connectTimeoutMs?: number;
  /** 'auto' (default): MQTT 5, or 3.1.1 when the broker refuses 5. */
  readonly protocol?: ProtocolChoice;
  readonly hints?: CauseHints;
  /** Told which protocol version was used (--verbose). */
  readonly note?: (line: string) => void;
}

export class OperatorClient {
  readonly client: MqttClient;
  readonly protocolVersion: 4 | 5;
  readonly #handlers = new Set<(topic: string, payload: Buffer) => void>();

  private constructor(client: MqttClient, protocolVersion: 4 | 5) {
    this.client = client;
    this.protocolVersion = protocolVersion;
    client.on('message', (topic, payload) => {
      for (const h of this.#handlers) h(topic, payload);
    });
  }

  static async connect(o: OperatorConnectOptions): Promise<OperatorClient> {
    const opts: IClientOptions = { clientId: `tillqr-operator-${randomUUID().slice(0, 8)}`, clean: true, connectTimeout: o.connectTimeoutMs ?? 10_000 };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.caFile !== undefined) opts.ca = readFileSync(o.caFile);
    const hints = { ...cliHints({ passwordEnv: 'TILLQR_FLEET_PASSWORD', urlFlag: '--url (or TILLQR_FLEET_URL)' }), ...o.hints };
    const { client, protocolVersion } = await connectNegotiated(o.url, opts, {
      protocol: o.protocol ?? 'auto',
      hints,
      ...(o.note !== undefined ? { note: o.note } : {}),
    });
    // Connected once: from here a dropped connection comes back by itself (serve, rollout).
    client.options.reconnectPeriod = 1000;
    (client.stream as { setNoDelay?: (b: boolean) => unknown } | undefined)?.setNoDelay?.(true);
    return new OperatorClient(client, protocolVersion);
  }

  onMessage(h: (topic: string, payload: Buffer) => void): () => void {
    this.#handlers.add(h);
    return () => this.#handlers.delete(h);
  }

  async subscribe(topics: string[], qos: 0 | 1 = 1): Promise<void> {
    await this.client.subscribeAsync(topics, { qos });
  }

  /**
   * The fleet's view topics: subscribe (retained copies arrive where the broker delivers them
   * through a wildcard), then ping the fleet so every connected device publishes them again, and
   * collect until `quietMs` pass without a message (at least the answers' spread). Read at QoS 0:
   * the view is a snapshot read once, and RabbitMQ holds a QoS 1 consumer to `mqtt.prefetch` (10)
   * unacknowledged messages, a round trip per ten devices (2,500 tills on a 3-node cluster here:
   * the last answer at 2.7-5.4 s at QoS 1, 1.4-1.7 s at QoS 0).
   */
  async sweep(prefix: string, o: { quietMs?: number; maxMs?: number; spreadMs?: number } = {}): Promise<Map<string, Buffer>> {
    const spreadMs = o.spreadMs ?? 0;
    const ping: FleetPing = { typ: 'ping', id: randomUUID().replace(/-/g, ''), spreadMs };
    return this.collect(viewTopics(prefix), o.quietMs ?? 700, Math.max(o.maxMs ?? 10_000, spreadMs * 2), {
      minMs: spreadMs,
      qos: 0,
      // A broker whose ACL predates the sweep refuses the ping: the retained copies still make the view.
      afterSubscribe: () => this.publish(fleetPingTopic(prefix), JSON.stringify(ping), false).catch(() => undefined),
    });
  }

  /** Subscribe and collect what arrives (retained first) until `quietMs` pass without a message. */
  async collect(
    topics: string[],
    quietMs = 700,
    maxMs = 10_000,
    o: { minMs?: number; afterSubscribe?: () => Promise<void>; qos?: 0 | 1 } = {},
  ): Promise<Map<string, Buffer>> {
    const got = new Map<string, Buffer>();
    let last = Date.now();
    const off = this.onMessage((t, p) => {
      if (p.length === 0) got.delete(t);
      else got.set(t, p);
      last = Date.now();
    });
    try {
      await this.subscribe(topics, o.qos ?? 1);
      await o.afterSubscribe?.();
      const start = Date.now();
      last = Date.now();
      const minMs = o.minMs ?? 0;
      while ((Date.now() - last < quietMs || Date.now() - start < minMs) && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 50));
    } finally {
      off();
      // Not awaited: the view is complete once the window is quiet, and a cluster takes a round trip
      // per filter to drop a binding. A later subscribe on this connection is ordered after it.
      void this.client.unsubscribeAsync(topics).catch(() => undefined);
    }
    return got;
  }

  async publish(topic: string, payload: string | Buffer, retain: boolean): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
