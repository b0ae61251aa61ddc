/**
 * Payment latency: from the backend's publish of a signed confirmation to the GPIO write of the
 * success signal (the real PatternIndicator on the simulated GPIO), over a loopback Mosquitto,
 * with the whole device path in between (MQTT.js, JWS verify, claims, replay cache, sale
 * machine). Beside it, in the same run and on the same broker, a bare MQTT.js subscriber: publish
 * to `message` event for the same payload. Iterations alternate between the two.
 */
import { realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { validateConfig } from '../src/config/load.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { Device } from '../src/daemon/device.js';
import { BackendClient, signMessage } from '../src/link/backend-client.js';
import type { DeviceEvent } from '../src/link/contract.js';
import { MqttLink } from '../src/link/mqtt-link.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../src/payment/keys.js';
import { SimGpio } from '../src/signal/drivers/sim-gpio.js';
import { SuccessProbe, waiter } from './success-probe.js';
import { openSignals } from '../src/signal/open-signals.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import type { Bench, BenchSection } from './types.js';

export interface LatencyFigures {
  readonly sales: number;
  readonly deviceP50Ms: number;
  readonly deviceP99Ms: number;
  readonly deviceMaxMs: number;
  readonly bareP50Ms: number;
  readonly bareP99Ms: number;
  readonly bareMaxMs: number;
  /** deviceP99Ms - bareP99Ms */
  readonly p99OverBareMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export async function measureLatency(opts: { sales: number; warmup?: number }): Promise<LatencyFigures> {
  const broker = await Mosquitto.start();
  const stateDir = await mkdtemp(join(tmpdir(), 'tillqr-bench-latency-'));
  const deviceId = 'till-bench';
  const pair = generateEd25519KeyPair();
  const key = parseEd25519PrivateKey(pair.privateKeyPem);
  const config = validateConfig({
    deviceId,
    hardware: 'sim',
    stateDir,
    mqtt: { url: broker.url },
    trust: { backendKeys: [{ kid: pair.kid, publicKeyPem: pair.publicKeyPem }] },
    merchant: { name: 'BENCH', city: 'TOKYO', country: 'JP', mcc: '5814', currency: 'JPY' },
    sale: { maxChargeSec: 3600 },
  });
  const clock = systemClock();
  const logger = createLogger('bench', { level: 'error', sink: { write: () => undefined } });
  const gpio = new SimGpio({ clock, historyLimit: 100 });
  const signals = await openSignals({ config: config.signal, gpio, clock, logger });

  // The success signal reaching the pins, each payment sent once the charge's chirp is over (success-probe.ts).
  const probe = new SuccessProbe(signals, gpio, config.signal.led.green);
  const indicator = probe.indicator;
  const link = new MqttLink({ mqtt: config.mqtt, deviceId, version: 'bench', clock, logger });
  const device = new Device({ config, clock, logger, link, screen: { show: () => undefined }, indicator, storeDir: stateDir, version: 'bench' });
  const backend = await BackendClient.connect({ url: broker.url });
  const bare = await mqtt.connectAsync(broker.url, { clientId: 'bench-bare', clean: true, protocolVersion: 5 });
  const bareTopic = 'bench/bare';
  let bareGot = waiter<number>();
  bare.on('message', () => bareGot.resolve(performance.now()));
  await bare.subscribeAsync(bareTopic, { qos: 1 });
  (bare.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);

  let nextEvent = waiter<DeviceEvent>();
  backend.onEvent((id, e) => {
    if (id === deviceId) nextEvent.resolve(e);
  });
  await backend.watch(deviceId);
  await device.start();
  while (!link.connected) await new Promise((r) => setTimeout(r, 5));

  const deviceMs: number[] = [];
  const bareMs: number[] = [];
  const total = opts.sales + (opts.warmup ?? 50);
  try {
    for (let i = 0; i < total; i++) {
      const orderId = `B-${i}`;
      const now = Math.floor(Date.now() / 1000);
      nextEvent = waiter();
      const chirpOver = probe.expectChirpEnd();
      await backend.publish(
        deviceId,
        'charge',
        signMessage({ typ: 'charge', orderId, amount: 1000 + i, currency: 'JPY', qr: `QR-${i}`, expiresAt: now + 600 }, { deviceId, key, kid: pair.kid, now }),
      );
      const shown = await nextEvent.promise;
      if (shown.type !== 'displayed') throw new Error(`charge ${orderId}: ${JSON.stringify(shown)}`);
      await chirpOver;
      const token = signMessage(
        { typ: 'payment', orderId, amount: 1000 + i, currency: 'JPY', status: 'succeeded', providerTxnId: `t-${i}`, paidAt: now },
        { deviceId, key, kid: pair.kid, now },
      );

      // The bare subscriber, same payload, same broker.
      bareGot = waiter();
      const b0 = performance.now();
      void backend.client.publishAsync(bareTopic, token, { qos: 1 });
      const b1 = await bareGot.promise;

      // The device: publish to GPIO write.
      const signalled = probe.expectSuccess();
      nextEvent = waiter();
      const t0 = performance.now();
      void backend.publish(deviceId, 'payment', token);
      const t1 = await signalled;
      const paid = await nextEvent.promise;
      if (paid.type !== 'paid') throw new Error(`payment ${orderId}: ${JSON.stringify(paid)}`);
      if (i >= total - opts.sales) {
        deviceMs.push(t1 - t0);
        bareMs.push(b1 - b0);
      }
    }
  } finally {
    await device.stop();
    await signals.close();
    await backend.close();
    await bare.endAsync();
    await broker.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  deviceMs.sort((a, b) => a - b);
  bareMs.sort((a, b) => a - b);
  const f = {
    sales: deviceMs.length,
    deviceP50Ms: round(percentile(deviceMs, 50)),
    deviceP99Ms: round(percentile(deviceMs, 99)),
    deviceMaxMs: round(deviceMs.at(-1) ?? NaN),
    bareP50Ms: round(percentile(bareMs, 50)),
    bareP99Ms: round(percentile(bareMs, 99)),
    bareMaxMs: round(bareMs.at(-1) ?? NaN),
  };
  return { ...f, p99OverBareMs: round(f.deviceP99Ms - f.bareP99Ms) };
}

export const latencyBench: Bench = async ({ quick }): Promise<BenchSection> => {
  const f = await measureLatency({ sales: quick ? 200 : 1000 });
  return {
    title: 'Payment latency: backend publish to the success-signal GPIO write',
    method: `${f.sales} sales over a loopback Mosquitto (TCP_NODELAY): each confirmation is signed beforehand and sent once the charge's waiting chirp is over (as when a customer pays); the clock runs from the backend's publish call to the first GPIO write of the "paid" pattern (PatternIndicator on the simulated GPIO), through MQTT.js, JWS EdDSA verification, claims, replay cache and the sale machine. The baseline is a bare MQTT.js subscriber receiving the same payload on the same broker, measured alternately in the same run.`,
    rows: [
      { metric: 'device, p50', value: f.deviceP50Ms, unit: 'ms', baseline: { name: 'bare MQTT.js subscriber p50', value: f.bareP50Ms } },
      {
        metric: 'device, p99',
        value: f.deviceP99Ms,
        unit: 'ms',
        baseline: { name: 'bare MQTT.js subscriber p99', value: f.bareP99Ms },
        target: '< 5 ms',
        met: f.deviceP99Ms < 5,
      },
      { metric: 'device p99 above the bare subscriber p99', value: f.p99OverBareMs, unit: 'ms', target: '< 2 ms', met: f.p99OverBareMs < 2 },
      { metric: 'device, max', value: f.deviceMaxMs, unit: 'ms', baseline: { name: 'bare MQTT.js subscriber max', value: f.bareMaxMs } },
    ],
  };
};

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  const sales = Number(process.argv[2] ?? 1000);
  console.log(JSON.stringify(await measureLatency({ sales }), null, 2));
}
