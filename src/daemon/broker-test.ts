/**
 * The console's `mqtt test`: a separate short connection with the device's own credentials that
 * publishes a message on the device's test topic and waits to receive it back through the broker.
 * Proves credentials, TLS, the ACL and the round trip, without touching the payment session.
 */
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type { Config } from '../config/schema.js';
import { baseClientOptions } from '../link/client-options.js';
import { brokerLabel } from '../link/mqtt-link.js';

export interface BrokerTestResult {
  readonly ok: boolean;
  readonly detail: string;
}

export async function brokerRoundTrip(c: Config, timeoutMs = 10_000): Promise<BrokerTestResult> {
  const deviceId = c.deviceId;
  if (deviceId === undefined) return { ok: false, detail: 'deviceId is not set' };
  const topic = `${c.mqtt.topicPrefix}/${deviceId}/test`;
  const nonce = randomBytes(8).toString('hex');
  const started = Date.now();
  const broker = brokerLabel(c.mqtt.url);
  let client: mqtt.MqttClient;
  try {
    const opts = { ...baseClientOptions(c.mqtt, `tillqr-${deviceId}-test`), clean: true, connectTimeout: timeoutMs };
    client = await mqtt.connectAsync(c.mqtt.url, opts, false);
  } catch (e) {
    return { ok: false, detail: `cannot reach ${broker}: ${(e as Error).message}` };
  }
  try {
    const c2 = client;
    const received = new Promise<void>((resolve) => {
      c2.on('message', (t, payload) => {
        if (t === topic && payload.toString() === nonce) resolve();
      });
    });
    const granted = await c2.subscribeAsync(topic, { qos: 1 });
    if (granted.some((g) => g.qos > 2)) return { ok: false, detail: `connected to ${broker}, but the broker refused ${topic} (check the ACL)` };
    await c2.publishAsync(topic, nonce, { qos: 1 });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const r = await Promise.race([received.then(() => 'ok' as const), timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') return { ok: false, detail: `connected to ${broker}, but the test message did not come back within ${timeoutMs} ms (check the ACL for ${topic})` };
    return { ok: true, detail: `round trip through ${broker} in ${Date.now() - started} ms` };
  } catch (e) {
    return { ok: false, detail: `connected to ${broker}, but the broker refused the test (${(e as Error).message}; check the ACL for ${topic})` };
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
