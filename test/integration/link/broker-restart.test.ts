import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, until, type RunningDevice } from '../../helpers/payment-kit.js';

describe.each([5, 4] as const)('broker stopped and restarted in the middle of a sale (MQTT protocol level %i)', (protocolVersion) => {
  const ID = `till-restart-v${protocolVersion}`;
  let broker: Mosquitto;
  let d: RunningDevice | undefined;
  const backends: TestBackend[] = [];
  const key = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await d?.stop();
    for (const b of backends) await b.close().catch(() => undefined);
    await broker?.close();
  });

  async function backend(): Promise<TestBackend> {
    const b = await TestBackend.connect(broker.url);
    backends.push(b);
    await b.watch(ID);
    return b;
  }

  it('delivers the confirmation published while the device was offline, fires it exactly once, and republishes the status', async () => {
    // A long first reconnect delay (1.5-3 s) keeps the device away while the confirmation is published.
    d = await startDevice(deviceConfig({ deviceId: ID, url: broker.url, keys: [key], stateDir: await tempDir(), mqtt: { protocolVersion, reconnectMinMs: 3000, reconnectMaxMs: 6000 } }));
    const b1 = await backend();
    await b1.send(ID, 'charge', b1.sign(ID, key, chargeBody('R-1', 980, { qr: 'QR-R-1' })));
    expect(await b1.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'R-1' });

    await broker.stop();
    await until(() => d!.screen.current?.name === 'offline', 10_000, 'offline screen');
    expect(d.indicator.played.at(-1)?.event).toBe('offline');
    await broker.restart();

    const statuses: { online: boolean; state: string }[] = [];
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'status-watch', clean: true });
    watcher.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()) as { online: boolean; state: string }));
    await watcher.subscribeAsync(`tillqr/v1/${ID}/status`, { qos: 1 });

    const b2 = await backend();
    await b2.send(ID, 'payment', b2.sign(ID, key, paymentBody('R-1', 980, { wallet: 'd払い' })));
    // The broker holds it for the device's persistent session: the device is still away.
    expect(d.link.connected).toBe(false);
    expect(d.indicator.count('paid')).toBe(0);

    expect(await b2.nth(ID, 1, 20_000)).toMatchObject({ type: 'paid', orderId: 'R-1' });
    expect(d.indicator.count('paid')).toBe(1);
    expect(d.screen.current).toMatchObject({ name: 'paid', orderId: 'R-1', wallet: 'd払い' });
    await until(() => statuses.some((s) => s.online && s.state === 'paid'), 10_000, 'status republished after reconnect');

    // Once more through a restart: the acknowledged confirmation is not delivered again.
    await broker.restart();
    await until(() => d!.link.connected, 20_000, 'second reconnect');
    const b3 = await backend();
    await b3.send(ID, 'charge', b3.sign(ID, key, chargeBody('R-2', 10, { qr: 'Q' })));
    expect(await b3.nth(ID, 1)).toMatchObject({ type: 'displayed', orderId: 'R-2' });
    expect(d.indicator.count('paid')).toBe(1);
    await watcher.endAsync(true);
  });
});
