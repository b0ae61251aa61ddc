/**
 * The console's `mqtt test`: a separate short connection with the device's own credentials that
 * publishes a message on the device's test topic and waits to receive it back through the broker.
 * Proves credentials, TLS, the ACL and the round trip, without touching the payment session.
 */
import { randomBytes } from 'node:crypto';
import type mqtt from 'mqtt';
import type { IClientOptions } from 'mqtt';
import type { Config } from '../config/schema.js';
import { baseClientOptions } from '../link/client-options.js';
import { brokerLabel } from '../link/mqtt-link.js';
import { connectCause, connectError, connectOnce, PROTOCOL_NAMES } from '../link/negotiate.js';

export interface BrokerTestResult {
  readonly ok: boolean;
  readonly detail: string;
}

const HINTS = {
  tls: 'set mqtt.caFile to the broker CA (and mqtt.certFile/mqtt.keyFile for a client certificate), or check that mqtt.url uses mqtts:// only for a TLS port',
  login: 'set mqtt.username and mqtt.password (or the client certificate) to what the broker expects',
  unreachable: 'check mqtt.url (host and port), the network (`wifi status`) and that the broker is running',
  refused: 'check mqtt.url and the broker log',
} as const;

/**
 * Why the connect failed, with the setting that fixes it. A refused protocol version is tried
 * once with the other version, so the reply can say which one this broker speaks.
 */
async function explainFailure(e: unknown, c: Config, opts: IClientOptions): Promise<string> {
  const configured = c.mqtt.protocolVersion;
  if (connectCause(e) === 'protocol') {
    const other = configured === 5 ? 4 : 5;
    const works = await connectOnce(c.mqtt.url, { ...opts, protocolVersion: other }).then(
      (cl) => cl.endAsync(true).then(() => true),
      () => false,
    );
    const fix = works ? `it accepts ${PROTOCOL_NAMES[other]}: set mqtt.protocolVersion ${other}` : `it refused ${PROTOCOL_NAMES[other]} too: check mqtt.url`;
    return `${brokerLabel(c.mqtt.url)} refused ${PROTOCOL_NAMES[configured]} (mqtt.protocolVersion ${configured}); ${fix}`;
  }
  return connectError(e, c.mqtt.url, HINTS, configured).message;
}

export async function brokerRoundTrip(c: Config, timeoutMs = 10_000): Promise<BrokerTestResult> {
  const deviceId = c.deviceId;
  if (deviceId === undefined) return { ok: false, detail: 'deviceId is not set' };
  const topic = `${c.mqtt.topicPrefix}/${deviceId}/test`;
  const nonce = randomBytes(8).toString('hex');
  const started = Date.now();
  const broker = brokerLabel(c.mqtt.url);
  let client: mqtt.MqttClient;
  const opts = { ...baseClientOptions(c.mqtt, `tillqr-${deviceId}-test`), clean: true, connectTimeout: timeoutMs };
  try {
    client = await connectOnce(c.mqtt.url, opts);
  } catch (e) {
    return { ok: false, detail: await explainFailure(e, c, opts) };
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
    if (r === 'timeout')
      return { ok: false, detail: `connected to ${broker}, but the test message did not come back within ${timeoutMs} ms (check the ACL for ${topic})` };
    return { ok: true, detail: `round trip through ${broker} in ${Date.now() - started} ms` };
  } catch (e) {
    return { ok: false, detail: `connected to ${broker}, but the broker refused the test (${(e as Error).message}; check the ACL for ${topic})` };
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
