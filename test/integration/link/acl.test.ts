import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { TestCa } from '../../helpers/test-ca.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, until, type RunningDevice } from '../../helpers/payment-kit.js';

const ACL_FILE = new URL('../../../device/mosquitto/acl', import.meta.url);
const USERS = { 'tillqr-backend': 'backend-pw', 'till-a': 'pw-a', 'till-b': 'pw-b' };

async function raw(url: string, username: string, password: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, {
    username,
    password,
    protocolVersion: 5,
    clean: true,
    reconnectPeriod: 0,
    clientId: `raw-${username}-${Math.random().toString(16).slice(2, 8)}`,
  });
  c.on('error', () => undefined);
  return c;
}

describe('the example ACL (device/mosquitto/acl) on a real broker', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  let a: RunningDevice;
  const key = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start({ acl: await readFile(ACL_FILE, 'utf8'), users: USERS });
    backend = await TestBackend.connect(broker.url, { username: 'tillqr-backend', password: USERS['tillqr-backend'] });
    await backend.watch('till-a');
    a = await startDevice(
      deviceConfig({ deviceId: 'till-a', url: broker.url, keys: [key], stateDir: await tempDir(), mqtt: { username: 'till-a', password: USERS['till-a'] } }),
    );
  });
  afterAll(async () => {
    await a?.stop();
    await backend?.close();
    await broker?.close();
  });

  it('lets a device with its own credentials take a whole sale from the backend', async () => {
    await backend.send('till-a', 'charge', backend.sign('till-a', key, chargeBody('ACL-1', 100, { qr: 'Q' })));
    expect(await backend.nth('till-a', 1)).toMatchObject({ type: 'displayed', orderId: 'ACL-1' });
    await backend.send('till-a', 'payment', backend.sign('till-a', key, paymentBody('ACL-1', 100)));
    expect(await backend.nth('till-a', 2)).toMatchObject({ type: 'paid', orderId: 'ACL-1' });
  });

  it("keeps another device out of till-a's topics and out of the backend's", async () => {
    const b = await raw(broker.url, 'till-b', USERS['till-b']);
    const got: string[] = [];
    b.on('message', (t) => got.push(t));
    try {
      // Mosquitto grants the subscriptions but delivers nothing the ACL does not let this user read.
      await b.subscribeAsync(['tillqr/v1/till-a/#', 'tillqr/v1/+/charge', 'tillqr/v1/+/events', 'tillqr/v1/till-b/payment'], { qos: 1 });
      // Publishing into till-a's topics, or a charge to itself, is dropped by the broker.
      const before = backend.of('till-a').length;
      for (const [topic, payload] of [
        ['tillqr/v1/till-a/events', JSON.stringify({ type: 'paid', orderId: 'FAKE', at: 1 })],
        ['tillqr/v1/till-a/payment', 'forged'],
        ['tillqr/v1/till-a/status', JSON.stringify({ online: false, state: 'idle', version: 'x', since: 1 })],
        ['tillqr/v1/till-b/charge', 'self-charge'],
      ] as const) {
        // MQTT 5: the broker answers PUBACK 0x87 (Not authorized) and drops the message.
        await expect(b.publishAsync(topic, payload, { qos: 1 }), topic).rejects.toMatchObject({ code: 135 });
      }
      // A message that is allowed, sent after them, arrives; the denied ones never did.
      await backend.send('till-a', 'cancel', backend.sign('till-a', key, { typ: 'cancel', orderId: 'NONE' }));
      expect(await backend.nth('till-a', before + 1)).toMatchObject({ type: 'rejected', reason: 'unknown_order', orderId: 'NONE' });
      expect(backend.of('till-a').slice(before)).toHaveLength(1);
      expect(a.indicator.count('paid')).toBe(1);
      // Its own events topic is writable; the backend sees that one.
      await backend.watch('till-b');
      await b.publishAsync('tillqr/v1/till-b/events', JSON.stringify({ type: 'rejected', reason: 'malformed', at: 2 }), { qos: 1 });
      await backend.nth('till-b', 1);
      // The backend's traffic to till-a (above) never reached till-b; its own payment topic does.
      await backend.send('till-b', 'payment', 'sentinel');
      await until(() => got.length > 0, 5000, 'sentinel on till-b/payment');
      expect(got).toEqual(['tillqr/v1/till-b/payment']);
    } finally {
      await b.endAsync(true);
    }
  });

  it("passes the console's mqtt test round trip on the device's own test topic, and not on another's", async () => {
    const { brokerRoundTrip } = await import('../../../src/daemon/broker-test.js');
    const { validateConfig } = await import('../../../src/config/load.js');
    const own = validateConfig({ deviceId: 'till-a', mqtt: { url: broker.url, username: 'till-a', password: USERS['till-a'] } });
    expect(await brokerRoundTrip(own, 5000)).toMatchObject({ ok: true });
    const wrongUser = validateConfig({ deviceId: 'till-a', mqtt: { url: broker.url, username: 'till-b', password: USERS['till-b'] } });
    const refused = await brokerRoundTrip(wrongUser, 1500);
    expect(refused.ok).toBe(false);
    expect(refused.detail).toMatch(/did not come back|refused/);
    const badPassword = validateConfig({ deviceId: 'till-a', mqtt: { url: broker.url, username: 'till-a', password: 'nope' } });
    // The real cause and the settings that fix it, not "cannot reach".
    expect(await brokerRoundTrip(badPassword, 5000)).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/refused the login.*set mqtt\.username and mqtt\.password/) as unknown,
    });
  });

  it("lets a device read its own and its groups' desired config but not another device's", async () => {
    const fleetOp = await raw(broker.url, 'tillqr-backend', USERS['tillqr-backend']);
    const b = await raw(broker.url, 'till-b', USERS['till-b']);
    const got: string[] = [];
    b.on('message', (t) => got.push(t));
    try {
      await b.subscribeAsync(['tillqr/v1/till-a/config/desired', 'tillqr/v1/till-b/config/desired', 'tillqr/v1/groups/tokyo/config/desired'], { qos: 1 });
      // The backend user may not push fleet config: that is the fleet operator's.
      await expect(fleetOp.publishAsync('tillqr/v1/till-b/config/desired', 'x', { qos: 1 })).rejects.toMatchObject({ code: 135 });
      // A device may not write desired config, its own or a group's.
      await expect(b.publishAsync('tillqr/v1/till-b/config/desired', 'x', { qos: 1 })).rejects.toMatchObject({ code: 135 });
      await expect(b.publishAsync('tillqr/v1/groups/tokyo/config/desired', 'x', { qos: 1 })).rejects.toMatchObject({ code: 135 });
      expect(got).toEqual([]);
    } finally {
      await fleetOp.endAsync(true);
      await b.endAsync(true);
    }
  });

  it('refuses anonymous and wrong-password connections', async () => {
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5 })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 5, username: 'till-b', password: 'wrong' })).rejects.toThrow(
      /Not authorized|Bad User Name or Password/i,
    );
  });
});

describe('mutual TLS (mqtts://, CA, client certificate) with the same ACL, identity as user name', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  let d: RunningDevice | undefined;
  let dir: string;
  const key = makeKey();

  beforeAll(async () => {
    dir = await tempDir('tillqr-tls-');
    const ca = await TestCa.create(dir, 'tillqr test CA');
    await ca.issue('server', { use: 'server' });
    await ca.issue('device', { use: 'client', cn: 'till-tls' });
    await ca.issue('backend', { use: 'client', cn: 'tillqr-backend' });
    broker = await Mosquitto.start({
      acl: await readFile(ACL_FILE, 'utf8'),
      extraConfig: [
        `cafile ${join(dir, 'ca.pem')}`,
        `certfile ${join(dir, 'server.pem')}`,
        `keyfile ${join(dir, 'server.key')}`,
        'require_certificate true',
        'use_identity_as_username true',
      ],
    });
  });
  afterAll(async () => {
    await d?.stop();
    await backend?.close();
    await broker?.close();
  });

  it('runs a sale over TLS with the device authenticated by its certificate', async () => {
    const url = `mqtts://127.0.0.1:${broker.port}`;
    backend = await TestBackend.connect(url, { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'backend.pem'), keyFile: join(dir, 'backend.key') });
    await backend.watch('till-tls');
    d = await startDevice(
      deviceConfig({
        deviceId: 'till-tls',
        url,
        keys: [key],
        stateDir: await tempDir(),
        mqtt: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'device.pem'), keyFile: join(dir, 'device.key') },
      }),
    );
    await backend.send('till-tls', 'charge', backend.sign('till-tls', key, chargeBody('TLS-1', 100, { qr: 'Q' })));
    expect(await backend.nth('till-tls', 1)).toMatchObject({ type: 'displayed', orderId: 'TLS-1' });
    await backend.send('till-tls', 'payment', backend.sign('till-tls', key, paymentBody('TLS-1', 100)));
    expect(await backend.nth('till-tls', 2)).toMatchObject({ type: 'paid', orderId: 'TLS-1' });
  });

  it('does not connect to a broker whose certificate the configured CA did not sign', async () => {
    const other = await TestCa.create(await tempDir('tillqr-tls-other-'), 'other CA');
    const rogue = await startDevice(
      deviceConfig({
        deviceId: 'till-tls',
        url: `mqtts://127.0.0.1:${broker.port}`,
        keys: [key],
        stateDir: await tempDir(),
        mqtt: { caFile: other.caFile, certFile: join(dir, 'device.pem'), keyFile: join(dir, 'device.key') },
      }),
      { wait: false },
    );
    try {
      await until(() => rogue.logLines.some((l) => l.includes('broker connection error')), 10_000, 'a TLS error');
      expect(rogue.link.connected).toBe(false);
      expect(rogue.screen.current?.name).toBe('connecting');
    } finally {
      await rogue.stop();
    }
  });
});
