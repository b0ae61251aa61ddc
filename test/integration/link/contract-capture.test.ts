/**
 * Real messages captured on a real Mosquitto from the real daemon (the simulator's `startDaemon`
 * with sim hardware, fleet agent included) validate against the published JSON Schemas
 * (docs/json-schema/, read from disk) with a standard JSON Schema 2020-12 validator (ajv), not the
 * project's own DSL: every events, status, config/reported and update/status payload, and the
 * JWS header and payload of every signed message a backend sent.
 */
import { readdir, readFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, signMessage } from '../../../src/link/backend-client.js';
import { signCompact } from '../../../src/payment/jws.js';
import { thumbprintKid } from '../../../src/payment/keys.js';
import { Simulator } from '../../../src/sim/simulator.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { makeKey, tempDir, until } from '../../helpers/payment-kit.js';

const SCHEMAS = new URL('../../../docs/json-schema/', import.meta.url);
const ID = 'sim-till-01';

/** Which schema file a topic's payload must match (signed topics: the JWS payload). */
function schemaFor(topic: string): string | undefined {
  const rest = topic.slice(`tillqr/v1/${ID}/`.length);
  return {
    charge: 'charge',
    cancel: 'cancel',
    payment: 'payment',
    events: 'events',
    status: 'status',
    'config/reported': 'config-reported',
    'update/status': 'update-status',
    'config/desired': 'config-desired',
    update: 'update',
  }[rest];
}

describe('captured daemon traffic matches the published JSON Schemas', () => {
  let broker: Mosquitto;
  let sim: Simulator;
  let spy: mqtt.MqttClient;
  const captured: { topic: string; payload: Buffer }[] = [];
  const key = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    spy = await mqtt.connectAsync(broker.url, { clientId: 'spy', protocolVersion: 5 });
    spy.on('message', (topic, payload) => captured.push({ topic, payload }));
    await spy.subscribeAsync('tillqr/v1/#', { qos: 1 });
    sim = await Simulator.start({
      stateDir: await tempDir('tillqr-capture-'),
      httpPort: 0,
      mqttPort: 0,
      brokerUrl: broker.url,
      env: {},
      trustedKeys: [{ kid: key.kid, publicKeyPem: key.publicKeyPem, path: 'test' }],
      logSink: { write: () => undefined },
    });
  });
  afterAll(async () => {
    await sim?.stop();
    await spy?.endAsync();
    await broker?.close();
  });

  it('events, status, config/reported, update/status and the signed messages all validate', async () => {
    const backend = await BackendClient.connect({ url: broker.url });
    const now = Math.floor(Date.now() / 1000);
    const sign = (body: Parameters<typeof signMessage>[0]) => signMessage(body, { deviceId: ID, key: key.key, kid: key.kid, now });
    await backend.watch(ID);
    const events: string[] = [];
    backend.onEvent((_id, e) => events.push(`${e.type}${e.reason !== undefined ? `/${e.reason}` : ''}`));
    await backend.publish(ID, 'charge', sign({ typ: 'charge', orderId: 'CAP-1', amount: 1200, currency: 'JPY', reference: 'Table 4', expiresAt: now + 300 }));
    await backend.publish(
      ID,
      'payment',
      sign({ typ: 'payment', orderId: 'CAP-1', amount: 1200, currency: 'USD', status: 'succeeded', providerTxnId: 'txn-usd', paidAt: now }),
    );
    await backend.publish(
      ID,
      'payment',
      sign({ typ: 'payment', orderId: 'CAP-1', amount: 1200, currency: 'JPY', status: 'succeeded', wallet: 'PayPay', providerTxnId: 'txn-1', paidAt: now }),
    );
    await backend.publish(ID, 'cancel', sign({ typ: 'cancel', orderId: 'CAP-9' }));
    // Fleet documents signed by keys the device does not trust: it reports them refused.
    const { privateKey } = generateKeyPairSync('ed25519');
    const kid = thumbprintKid(privateKey);
    const desired = signCompact(JSON.stringify({ typ: 'config', target: `device:${ID}`, version: 7, iat: now, config: { logLevel: 'debug' } }), privateKey, {
      kid,
    });
    await backend.client.publishAsync(`tillqr/v1/${ID}/config/desired`, desired, { qos: 1, retain: true });
    await until(() => events.length >= 4, 20_000, `four events (have ${events.join(', ')})`);
    expect(events).toEqual(['displayed', 'rejected/currency_mismatch', 'paid', 'rejected/unknown_order']);
    await until(() => captured.some((c) => c.topic.endsWith('/config/reported')), 20_000, 'config/reported');
    await backend.client.publishAsync(`tillqr/v1/${ID}/config/desired`, '', { qos: 1, retain: true });
    await backend.close();

    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validators = new Map<string, ReturnType<typeof ajv.compile>>();
    for (const f of await readdir(SCHEMAS))
      validators.set(f.replace('.schema.json', ''), ajv.compile(JSON.parse(await readFile(new URL(f, SCHEMAS), 'utf8')) as object));
    const header = validators.get('jws-header');
    const seen = new Set<string>();
    for (const { topic, payload } of captured) {
      const name = schemaFor(topic);
      if (name === undefined || payload.length === 0) continue;
      const validate = validators.get(name);
      expect(validate, name).toBeDefined();
      const text = payload.toString('utf8');
      let body: unknown;
      if (['charge', 'cancel', 'payment', 'config-desired', 'update'].includes(name)) {
        const [h, p] = text.split('.');
        expect(header?.(JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8'))), `${topic} header ${JSON.stringify(header?.errors)}`).toBe(true);
        body = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8'));
      } else {
        body = JSON.parse(text);
      }
      expect(validate?.(body), `${topic}: ${text.slice(0, 200)} ${JSON.stringify(validate?.errors)}`).toBe(true);
      seen.add(name);
    }
    expect([...seen].sort()).toEqual(expect.arrayContaining(['cancel', 'charge', 'config-desired', 'config-reported', 'events', 'payment', 'status']));
  });
});
