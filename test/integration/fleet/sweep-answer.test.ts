/**
 * A fleet agent's answer to a sweep (fleet/ping) on a real Mosquitto: its config/reported again,
 * live and not retained (the retained copy already holds the same bytes; a retained publish costs
 * a clustered broker a retained-store write per device). Read with MQTT 5 "retain as published",
 * so the flag the agent set is the flag seen.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { startAgent, tempDir, TestHost, type RunningAgent } from './fleet-kit.js';

const ID = 'till-sweep-1';
const TOPIC = `tillqr/v1/${ID}/config/reported`;

describe('a fleet agent answering a sweep', () => {
  let broker: Mosquitto;
  let dev: RunningAgent;
  let op: MqttClient;
  const seen: { retain: boolean; body: string }[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    const stateDir = await tempDir();
    dev = await startAgent({ deviceId: ID, url: broker.url, stateDir, releaseRoot: join(stateDir, 'opt'), groups: ['north'] }, new TestHost('1.0.0'));
    op = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
    op.on('message', (_t, payload, packet) => seen.push({ retain: packet.retain, body: payload.toString('utf8') }));
  });
  afterAll(async () => {
    await op?.endAsync();
    await dev?.stop();
    await broker?.close();
  });

  async function until(pred: () => boolean): Promise<void> {
    while (!pred()) await new Promise((r) => setTimeout(r, 20));
  }

  it('publishes its config/reported again, live, not retained, the same bytes as the retained copy', async () => {
    // The connect report, published retained: seen as the retained copy on subscribe.
    await op.subscribeAsync(TOPIC, { qos: 1, rap: true });
    await until(() => seen.length >= 1);
    expect(seen[0]?.retain).toBe(true);
    const retained = seen[0]?.body;
    expect(JSON.parse(retained ?? '')).toMatchObject({ memberOf: ['north'] });

    await op.publishAsync('tillqr/v1/fleet/ping', JSON.stringify({ typ: 'ping', id: 'sweep1', spreadMs: 0 }), { qos: 1 });
    await until(() => seen.length >= 2);
    expect(seen[1]).toEqual({ retain: false, body: retained });
  });
});
