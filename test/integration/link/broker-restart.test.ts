import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, until, type RunningDevice } from '../../helpers/payment-kit.js';

/** One broker per block, the device under test and the backends it talks to; all closed after the block. */
function brokerRig(deviceId: string) {
  const rig = {
    broker: undefined as unknown as Mosquitto,
    device: undefined as RunningDevice | undefined,
    backends: [] as TestBackend[],
    async backend(): Promise<TestBackend> {
      const b = await TestBackend.connect(rig.broker.url);
      rig.backends.push(b);
      await b.watch(deviceId);
      return b;
    },
    /** The device an earlier test in the block started. */
    running(): RunningDevice {
      if (rig.device === undefined) throw new Error('no device started in this block');
      return rig.device;
    },
  };
  beforeAll(async () => {
    rig.broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await rig.device?.stop();
    for (const b of rig.backends) await b.close().catch(() => undefined);
    await rig.broker?.close();
  });
  return rig;
}

describe.each([5, 4] as const)('broker stopped and restarted in the middle of a sale (MQTT protocol level %i)', (protocolVersion) => {
  const ID = `till-restart-v${protocolVersion}`;
  const r = brokerRig(ID);
  const key = makeKey();

  it('delivers the confirmation published while the device was offline, fires it exactly once, and republishes the status', async () => {
    // A long first reconnect delay (1.5-3 s) keeps the device away while the confirmation is published.
    const d = (r.device = await startDevice(
      deviceConfig({
        deviceId: ID,
        url: r.broker.url,
        keys: [key],
        stateDir: await tempDir(),
        mqtt: { protocolVersion, reconnectMinMs: 3000, reconnectMaxMs: 6000 },
      }),
    ));
    const b1 = await r.backend();
    await b1.send(ID, 'charge', b1.sign(ID, key, chargeBody('R-1', 980, { qr: 'QR-R-1' })));
    expect(await b1.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'R-1' });

    await r.broker.stop();
    await until(() => d.screen.current?.name === 'offline', 10_000, 'offline screen');
    expect(d.indicator.played.at(-1)?.event).toBe('offline');
    await r.broker.restart();

    const statuses: { online: boolean; state: string }[] = [];
    const watcher = await mqtt.connectAsync(r.broker.url, { clientId: 'status-watch', clean: true });
    watcher.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()) as { online: boolean; state: string }));
    await watcher.subscribeAsync(`tillqr/v1/${ID}/status`, { qos: 1 });

    const b2 = await r.backend();
    await b2.send(ID, 'payment', b2.sign(ID, key, paymentBody('R-1', 980, { wallet: 'd払い' })));
    // The broker holds it for the device's persistent session: the device is still away.
    expect(d.link.connected).toBe(false);
    expect(d.indicator.count('paid')).toBe(0);

    expect(await b2.nth(ID, 1, 20_000)).toMatchObject({ type: 'paid', orderId: 'R-1' });
    expect(d.indicator.count('paid')).toBe(1);
    expect(d.screen.current).toMatchObject({ name: 'paid', orderId: 'R-1', wallet: 'd払い' });
    await until(() => statuses.some((s) => s.online && s.state === 'paid'), 10_000, 'status republished after reconnect');

    // Once more through a restart: the acknowledged confirmation is not delivered again.
    await r.broker.restart();
    await until(() => d.link.connected, 20_000, 'second reconnect');
    const b3 = await r.backend();
    await b3.send(ID, 'charge', b3.sign(ID, key, chargeBody('R-2', 10, { qr: 'Q' })));
    expect(await b3.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'R-2' });
    expect(d.indicator.count('paid')).toBe(1);
    await watcher.endAsync(true);
  });
});

describe('link faults without a clean close', () => {
  const ID = 'till-faults';
  const r = brokerRig(ID);
  const key = makeKey();

  it('shows offline when the broker goes silent past the keepalive, and recovers when it answers again', async () => {
    const d = (r.device = await startDevice(
      deviceConfig({
        deviceId: ID,
        url: r.broker.url,
        keys: [key],
        stateDir: await tempDir(),
        mqtt: { keepaliveSec: 5, reconnectMinMs: 2000, reconnectMaxMs: 4000 },
      }),
    ));
    const b = await r.backend();
    await b.send(ID, 'charge', b.sign(ID, key, chargeBody('F-1', 100, { qr: 'QF' })));
    await b.nth(ID, 1);
    r.broker.pause();
    // Nothing closes the TCP connection: only the keepalive (5 s; MQTT.js gives up after 1.5x) notices.
    await until(() => d.screen.current?.name === 'offline', 20_000, 'offline after the keepalive');
    expect(d.link.connected).toBe(false);
    r.broker.resume();
    await until(() => d.link.connected && d.screen.current?.name === 'charge', 20_000, 'back online with the QR');
  });

  it('queues events raised while offline and delivers them after reconnecting', async () => {
    const dev = r.running();
    const b = await r.backend();
    await b.send(ID, 'charge', b.sign(ID, key, chargeBody('F-2', 100, { qr: 'QF2', expiresAt: Math.floor(Date.now() / 1000) + 2 })));
    expect(await b.nth(ID, 2)).toMatchObject({ type: 'displayed', orderId: 'F-2' });
    await r.broker.stop();
    await until(() => dev.screen.current?.name === 'expired', 10_000, 'the sale expires while offline');
    await r.broker.restart();
    const b2 = await r.backend();
    // Subscribed while the device is still away (reconnect delays here are 1-4 s).
    expect(dev.link.connected).toBe(false);
    expect(await b2.nth(ID, 1, 20_000)).toMatchObject({ type: 'expired', orderId: 'F-2' });
  });

  it('stops even when the broker has gone silent (does not wait forever for the offline status)', async () => {
    const dev = r.running();
    await until(() => dev.link.connected, 20_000, 'connected');
    r.broker.pause();
    await dev.stop();
    expect(dev.link.connected).toBe(false);
    r.broker.resume();
  });
});
