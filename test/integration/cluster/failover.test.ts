/**
 * Failover on a real 3-node RabbitMQ cluster: a device with mqtt.urls [a, b, c] sells on node a;
 * node a is killed (SIGKILL) with the charge on screen. Its persistent session lived on node a
 * (RabbitMQ 3.10 keeps it in a classic queue there), so nothing published meanwhile can be relied
 * on: the device reconnects to another node (a clean session once the old one cannot be had),
 * the sale stays on screen, and the backend library re-sends the confirmation until the device's
 * answer echoes its jti. One beep; the same bytes again are acknowledged (`replayed`, `same`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, until, type RunningDevice } from '../../helpers/payment-kit.js';
import { startCluster, Watcher } from './cluster-kit.js';

const started = await startCluster();
const cluster = started.cluster;

describe.skipIf(cluster === undefined)(`failover on a 3-node RabbitMQ cluster${started.skip !== undefined ? ` (skipped: ${started.skip})` : ''}`, () => {
  const [A = '', B = '', C = ''] = cluster?.urls ?? [];
  const key = makeKey();
  let d: RunningDevice | undefined;
  let backend: TestBackend | undefined;

  afterAll(async () => {
    await d?.stop().catch(() => undefined);
    await backend?.close();
    await cluster?.close();
  });

  it('a device whose node dies during a sale reconnects to another node; the re-sent confirmation is taken once', async () => {
    const seen = await Watcher.connect(B, ['tillqr/v1/till-x1/status']);
    d = await startDevice(
      deviceConfig({ deviceId: 'till-x1', url: A, keys: [key], stateDir: await tempDir(), mqtt: { protocolVersion: 4, urls: [A, B, C], keepaliveSec: 5 } }),
    );
    await until(() => seen.json<{ online: boolean }>('tillqr/v1/till-x1/status').some((s) => s.online), 20_000, 'online seen from node b');
    await seen.close();
    const be = (backend = await TestBackend.connect(B));
    await be.watch('till-x1');
    const charge = await be.client.sendUntilAnswered('till-x1', 'charge', be.sign('till-x1', key, chargeBody('ORD-F1', 800)), {
      resendMs: 1000,
      timeoutMs: 20_000,
    });
    expect(charge).toMatchObject({ type: 'displayed', orderId: 'ORD-F1' });
    const device = d;

    await cluster?.kill(0);
    await until(() => !device.link.connected, 20_000, 'the device noticed node a is gone');
    const pay = be.sign('till-x1', key, paymentBody('ORD-F1', 800));
    // Published while the device has no node: the library sends it again until the device answers.
    const answer = await be.client.sendUntilAnswered('till-x1', 'payment', pay, { resendMs: 500, timeoutMs: 60_000 }).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${device.logLines.slice(-40).join('\n')}`);
    });
    expect(answer).toMatchObject({ type: 'paid', orderId: 'ORD-F1' });
    expect(device.link.connected).toBe(true);
    expect(device.logLines.join('\n')).toMatch(/connected to the broker","broker":"mqtt:\/\/127\.0\.0\.1:(\d+)/);
    const lastBroker = [...device.logLines.join('\n').matchAll(/connected to the broker","broker":"mqtt:\/\/127\.0\.0\.1:(\d+)/g)].at(-1)?.[1];
    expect(lastBroker).not.toBe(String(cluster?.node(0).mqttPort));
    // The sale survived: the charge screen until the confirmation, then paid; one beep.
    const names = device.screen.shown.map((s) => s.name);
    expect(names.slice(names.indexOf('charge'))).not.toContain('idle');
    expect(device.screen.current).toMatchObject({ name: 'paid', orderId: 'ORD-F1' });
    expect(device.indicator.count('paid')).toBe(1);

    // The same bytes once more: acknowledged, recognisably, and still one beep.
    const ack = await be.client.sendUntilAnswered('till-x1', 'payment', pay, { resendMs: 5000, timeoutMs: 20_000 });
    expect(ack).toMatchObject({ type: 'rejected', reason: 'replayed', same: true, orderId: 'ORD-F1' });
    expect(device.indicator.count('paid')).toBe(1);
  }, 120_000);
});
