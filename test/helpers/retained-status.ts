/**
 * A device's retained status as an operator's MQTT client sees it: the retained copy on subscribe,
 * then every update, each checked against the contract's schema. `until(pred)` waits for one that
 * matches (a timeout only turns a hang into a failure).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { statusSchema, type DeviceStatus } from '../../src/link/contract.js';
import { parseJsonPayload } from '../../src/link/json-payload.js';

export class StatusWatcher {
  readonly seen: DeviceStatus[] = [];
  readonly #client: MqttClient;

  private constructor(client: MqttClient) {
    this.#client = client;
    client.on('message', (_topic, payload) => {
      const s = parseJsonPayload(statusSchema, payload);
      if (s !== undefined) this.seen.push(s);
    });
  }

  static async connect(url: string, deviceId: string, prefix = 'tillqr/v1'): Promise<StatusWatcher> {
    const client = await mqtt.connectAsync(url, {
      clientId: `status-watcher-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    client.on('error', () => undefined);
    const w = new StatusWatcher(client);
    await client.subscribeAsync(`${prefix}/${deviceId}/status`, { qos: 1 });
    return w;
  }

  get last(): DeviceStatus | undefined {
    return this.seen.at(-1);
  }

  async until(pred: (s: DeviceStatus) => boolean, what: string, timeoutMs = 15_000): Promise<DeviceStatus> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.last;
      if (s !== undefined && pred(s)) return s;
      if (Date.now() > end) throw new Error(`timed out waiting for a status with ${what}; last: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): Promise<void> {
    return this.#client.endAsync(true);
  }
}
