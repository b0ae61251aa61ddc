/**
 * The embedded broker and the page server on real loopback ports: MQTT 3.1.1 works through aedes,
 * a taken port is a clear SIM_PORT_IN_USE naming the flag to change, and --broker finds out which
 * MQTT version a broker speaks (aedes 3.1.1, Mosquitto 5).
 */
import { createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { EmbeddedBroker } from '../../../src/sim/broker.js';
import { probeProtocolVersion } from '../../../src/sim/broker-probe.js';
import { PageServer } from '../../../src/sim/page-server.js';
import { publicDir } from '../../../src/sim/public-dir.js';
import { SseHub } from '../../../src/sim/sse.js';
import { Mosquitto } from '../../helpers/mosquitto.js';

const logger = createLogger('test', { sink: { write: () => undefined } });
let broker: EmbeddedBroker;
let mosq: Mosquitto;

beforeAll(async () => {
  broker = await EmbeddedBroker.start({ port: 0, logger });
  mosq = await Mosquitto.start();
});
afterAll(async () => {
  await broker?.close();
  await mosq?.close();
});

async function occupied(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  if (a === null || typeof a !== 'object') throw new Error('no address');
  return { server, port: a.port };
}

describe('the embedded broker', () => {
  it('carries QoS 1 messages between MQTT 3.1.1 clients on loopback', async () => {
    expect(broker.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    await sub.subscribeAsync('tillqr/v1/x/events', { qos: 1 });
    const got = new Promise<string>((resolve) => sub.once('message', (_t, p) => resolve(p.toString())));
    await pub.publishAsync('tillqr/v1/x/events', 'hello', { qos: 1 });
    expect(await got).toBe('hello');
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it('says which flag to change when its port is taken', async () => {
    const e = await EmbeddedBroker.start({ port: broker.port, logger }).catch((x: unknown) => x);
    expect(isTillqrError(e, 'SIM_PORT_IN_USE')).toBe(true);
    expect((e as Error).message).toContain(`127.0.0.1:${broker.port} is already in use`);
    expect((e as Error).message).toContain('--mqtt-port');
    expect((e as Error).message).toContain('--broker');
  });
});

describe('the page server', () => {
  it('says which flag to change when its port is taken', async () => {
    const { server, port } = await occupied();
    try {
      const hub = new SseHub();
      const e = await PageServer.start({
        port,
        publicDir: publicDir(),
        hub,
        logger,
        api: { snapshot: () => ({}), framePng: () => undefined, actions: {} },
      }).catch((x: unknown) => x);
      hub.close();
      expect(isTillqrError(e, 'SIM_PORT_IN_USE')).toBe(true);
      expect((e as Error).message).toMatch(/the simulator page cannot listen there.*--port N/);
    } finally {
      server.close();
    }
  });
});

describe('--broker protocol probe', () => {
  it('uses MQTT 5 with Mosquitto and falls back to 3.1.1 with aedes', async () => {
    expect(await probeProtocolVersion(mosq.url)).toBe(5);
    expect(await probeProtocolVersion(broker.url)).toBe(4);
  });

  it('reports a broker that cannot be reached', async () => {
    const { server, port } = await occupied();
    await new Promise<void>((r) => server.close(() => r()));
    const e = await probeProtocolVersion(`mqtt://127.0.0.1:${port}`, { timeoutMs: 2000 }).catch((x: unknown) => x);
    expect(isTillqrError(e, 'LINK_NOT_CONNECTED')).toBe(true);
    expect((e as Error).message).toContain(`cannot connect to the broker at mqtt://127.0.0.1:${port}`);
  });
});
