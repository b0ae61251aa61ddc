/**
 * Shared pieces of the clustered-broker tests: one 3-node RabbitMQ cluster per test file (or the
 * sentence saying why there is none), and a 3.1.1 watcher of topics (RabbitMQ 3.10 speaks MQTT
 * 3.1.1 only) that keeps every live message per topic.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { RabbitCluster, rabbitmqUnavailable } from '../../helpers/rabbitmq-cluster.js';

/** Start the cluster, or say why it cannot start (the suite then skips with that sentence). */
export async function startCluster(): Promise<{ cluster?: RabbitCluster; skip?: string }> {
  const why = await rabbitmqUnavailable();
  if (why !== undefined) return { skip: why };
  try {
    return { cluster: await RabbitCluster.start() };
  } catch (e) {
    return { skip: `RabbitMQ could not start a 3-node cluster here: ${(e as Error).message.split('\n')[0] ?? ''}` };
  }
}

export class Watcher {
  readonly client: MqttClient;
  readonly seen = new Map<string, string[]>();

  private constructor(client: MqttClient) {
    this.client = client;
    client.on('message', (t, p) => {
      const l = this.seen.get(t) ?? [];
      l.push(p.toString('utf8'));
      this.seen.set(t, l);
    });
  }

  static async connect(url: string, topics: string[]): Promise<Watcher> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 200 });
    await client.subscribeAsync(topics, { qos: 1 });
    return new Watcher(client);
  }

  json<T = Record<string, unknown>>(topic: string): T[] {
    return (this.seen.get(topic) ?? []).filter((p) => p.length > 0).map((p) => JSON.parse(p) as T);
  }

  async publish(topic: string, payload: string, retain = false): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 1, retain });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
