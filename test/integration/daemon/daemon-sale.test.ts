/**
 * The whole daemon as `tillqr run` builds it (startDaemon with hardware "sim"), on a real
 * Mosquitto: charge → the dynamic QR on the simulated panel (read back with jsQR) → confirmation →
 * the LED goes green and the buzzer sounds → `paid` event. A forged confirmation changes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../../src/core/logger.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import type { SimSignalSnapshot } from '../../../src/signal/drivers/sim-signal-state.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey, paymentBody, rawDeviceConfig, tempDir, TestBackend, until } from '../../helpers/payment-kit.js';
import { decodeFrame } from '../../unit/display/payloads.js';

const DEVICE = 'till-daemon-1';

describe('the daemon on a real broker with simulated hardware', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  let daemon: Daemon;
  const key = makeKey();
  const signals: SimSignalSnapshot[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
    await backend.watch(DEVICE);
    const dir = await tempDir('tillqr-daemon-');
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...rawDeviceConfig({ deviceId: DEVICE, url: broker.url, keys: [key], stateDir: join(dir, 'state') }),
        display: { panel: 'waveshare-2in9-v2', rotation: 90 },
        console: { enabled: false },
      }),
    );
    daemon = await startDaemon({ configPath, env: {}, logSink: memorySink(2000) });
    daemon.sim?.signals.onChange((s) => signals.push(s));
    await until(() => daemon.device?.saleState.link.kind === 'online', 10_000, 'the daemon did not connect');
  });
  afterAll(async () => {
    await daemon?.stop();
    await backend?.close();
    await broker?.close();
  });

  it('takes a sale: QR on the panel, then green LED, buzzer and the paid event', async () => {
    const panel = daemon.sim!.panel;
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('D-1', 1480, { reference: 'table 4' })));
    expect(await backend.nth(DEVICE, 1)).toMatchObject({ type: 'displayed', orderId: 'D-1' });
    // The frame the panel shows carries the dynamic EMV QR the device built from its merchant profile.
    await until(() => panel.last !== undefined && decodeFrame(panel.last.frame) !== undefined, 15_000, 'a scannable QR on the panel');
    const payload = decodeFrame(panel.last!.frame)!;
    const emv = decodeEmv(payload);
    expect(emv.content.amount).toBe(1480);
    expect(emv.content.initiation).toBe('dynamic');
    expect(daemon.signals.indicator.status().event).toBe('waiting');

    const before = signals.length;
    await backend.send(DEVICE, 'payment', backend.sign(DEVICE, key, paymentBody('D-1', 1480, { wallet: 'Merpay' })));
    expect(await backend.nth(DEVICE, 2)).toMatchObject({ type: 'paid', orderId: 'D-1' });
    expect(daemon.signals.indicator.status().event).toBe('paid');
    // The paid pattern on the simulated GPIO lines: three notes, the LED green throughout.
    const notes = (): number => signals.slice(before).filter((s, i, a) => s.buzzer.on && !(a[i - 1]?.buzzer.on ?? false)).length;
    await until(() => notes() === 3, 5000, 'three notes of the paid pattern');
    expect(signals.slice(before).every((s) => s.led === 'green')).toBe(true);
  });

  it('refuses a forged confirmation: rejected event, no green, no sound', async () => {
    await backend.send(DEVICE, 'charge', backend.sign(DEVICE, key, chargeBody('D-2', 500)));
    expect(await backend.nth(DEVICE, 3)).toMatchObject({ type: 'displayed', orderId: 'D-2' });
    await daemon.device!.idle();
    const seen = signals.length;
    const forger = makeKey();
    await backend.send(DEVICE, 'payment', backend.sign(DEVICE, { ...forger, kid: key.kid }, paymentBody('D-2', 500)));
    expect(await backend.nth(DEVICE, 4)).toMatchObject({ type: 'rejected', reason: 'bad_signature' });
    await daemon.device!.idle();
    expect(signals.slice(seen).some((s) => s.buzzer.on)).toBe(false);
    expect(daemon.signals.indicator.status().event).toBe('waiting');
    expect(daemon.device!.saleState.pending?.orderId).toBe('D-2');
  });
});
