/**
 * The operator's MQTT connection (for `tillqr fleet ...`): read the fleet's retained state, publish
 * signed documents retained, and serve chunked-transfer streams.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { TillqrError } from '../../core/errors.js';
import { brokerLabel } from '../../link/mqtt-link.js';

export interface OperatorConnectOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly caFile?: string;
  readonly connectTimeoutMs?: number;
}

export class OperatorClient {
  readonly client: MqttClient;
  readonly #handlers = new Set<(topic: string, payload: Buffer) => void>();

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (topic, payload) => {
      for (const h of this.#handlers) h(topic, payload);
    });
  }

  static async connect(o: OperatorConnectOptions): Promise<OperatorClient> {
    const opts: IClientOptions = { protocolVersion: 5, clientId: `tillqr-operator-${randomUUID().slice(0, 8)}`, clean: true, reconnectPeriod: 1000, connectTimeout: o.connectTimeoutMs ?? 10_000 };
    if (o.username !== undefined) opts.username = o.username;
    if (o.password !== undefined) opts.password = o.password;
    if (o.caFile !== undefined) opts.ca = readFileSync(o.caFile);
    const client = mqtt.connect(o.url, opts);
    await new Promise<void>((resolve, reject) => {
      const fail = (message: string): void => {
        clearTimeout(timer);
        client.off('error', onError);
        client.end(true);
        reject(new TillqrError('LINK_NOT_CONNECTED', message));
      };
      // A refused CONNACK (bad user name or password, not authorized) will not change by retrying.
      const onError = (e: Error & { code?: unknown }): void => {
        if (typeof e.code === 'number') fail(`the broker at ${brokerLabel(o.url)} refused the login (${e.message}); check --username and TILLQR_FLEET_PASSWORD`);
      };
      const timer = setTimeout(() => fail(`cannot reach the broker at ${brokerLabel(o.url)}`), o.connectTimeoutMs ?? 10_000);
      client.on('error', onError);
      client.once('connect', () => {
        clearTimeout(timer);
        client.off('error', onError);
        resolve();
      });
    });
    (client.stream as { setNoDelay?: (b: boolean) => unknown } | undefined)?.setNoDelay?.(true);
    return new OperatorClient(client);
  }

  onMessage(h: (topic: string, payload: Buffer) => void): () => void {
    this.#handlers.add(h);
    return () => this.#handlers.delete(h);
  }

  async subscribe(topics: string[]): Promise<void> {
    await this.client.subscribeAsync(topics, { qos: 1 });
  }

  /** Subscribe and collect what arrives (retained first) until `quietMs` pass without a message. */
  async collect(topics: string[], quietMs = 700, maxMs = 10_000): Promise<Map<string, Buffer>> {
    const got = new Map<string, Buffer>();
    let last = Date.now();
    const off = this.onMessage((t, p) => {
      if (p.length === 0) got.delete(t);
      else got.set(t, p);
      last = Date.now();
    });
    try {
      await this.subscribe(topics);
      const start = Date.now();
      last = Date.now();
      while (Date.now() - last < quietMs && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 50));
    } finally {
      off();
      await this.client.unsubscribeAsync(topics).catch(() => undefined);
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
