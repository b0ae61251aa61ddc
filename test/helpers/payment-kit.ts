/**
 * Shared pieces for payment-link tests: backend keys, a device config, recorders for the screen
 * and the indicator, a Device on a real broker, and an event log read from the broker.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { validateConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { createLogger, memorySink, type Logger } from '../../src/core/logger.js';
import type { Screen } from '../../src/core/screen.js';
import { Device } from '../../src/daemon/device.js';
import type { ScreenSink } from '../../src/daemon/ports.js';
import { BackendClient, signMessage, type BackendConnectOptions, type MessageBody } from '../../src/link/backend-client.js';
import type { DeviceEvent } from '../../src/link/contract.js';
import { MqttLink } from '../../src/link/mqtt-link.js';
import type { InboundTopic } from '../../src/link/topics.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../src/payment/keys.js';
import type { Indicator, SignalEvent } from '../../src/signal/indicator.js';

export interface TestKey {
  readonly kid: string;
  readonly key: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

export function makeKey(): TestKey {
  const k = generateEd25519KeyPair();
  return { ...k, key: parseEd25519PrivateKey(k.privateKeyPem) };
}

export const MERCHANT = {
  name: 'CAFE MORI',
  displayName: 'カフェ森',
  city: 'TOKYO',
  country: 'JP',
  mcc: '5814',
  currency: 'JPY',
  accounts: [{ id: '26', fields: { '00': 'com.example.pay', '01': 'MERCHANT-0001' } }],
};

export interface DeviceConfigOptions {
  deviceId: string;
  url: string;
  keys: readonly Pick<TestKey, 'kid' | 'publicKeyPem'>[];
  stateDir: string;
  mqtt?: Record<string, unknown>;
  sale?: Record<string, unknown>;
}

/** The config of a provisioned simulated device trusting `keys`, as written to a file (not validated). */
export function rawDeviceConfig(o: DeviceConfigOptions): Record<string, unknown> {
  return {
    deviceId: o.deviceId,
    hardware: 'sim',
    stateDir: o.stateDir,
    mqtt: { url: o.url, keepaliveSec: 5, reconnectMinMs: 100, reconnectMaxMs: 1000, ...o.mqtt },
    trust: { backendKeys: o.keys.map((k) => ({ kid: k.kid, publicKeyPem: k.publicKeyPem })) },
    merchant: MERCHANT,
    sale: { ...o.sale },
  };
}

export function deviceConfig(o: DeviceConfigOptions): Config {
  return validateConfig(rawDeviceConfig(o));
}

export class RecordingScreen implements ScreenSink {
  readonly shown: Screen[] = [];
  show(screen: Screen): void {
    this.shown.push(screen);
  }
  get current(): Screen | undefined {
    return this.shown.at(-1);
  }
}

export class RecordingIndicator implements Indicator {
  readonly played: { event: SignalEvent; at: number }[] = [];
  onPlay: ((event: SignalEvent) => void) | undefined;
  play(event: SignalEvent): void {
    this.played.push({ event, at: performance.now() });
    this.onPlay?.(event);
  }
  stop(): void {}
  async close(): Promise<void> {}
  count(event: SignalEvent): number {
    return this.played.filter((p) => p.event === event).length;
  }
}

export interface RunningDevice {
  readonly device: Device;
  readonly link: MqttLink;
  readonly screen: RecordingScreen;
  readonly indicator: RecordingIndicator;
  readonly config: Config;
  readonly logLines: string[];
  stop(): Promise<void>;
}

export async function tempDir(prefix = 'tillqr-dev-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function startDevice(config: Config, o: { clock?: Clock; logger?: Logger; wait?: boolean } = {}): Promise<RunningDevice> {
  const sink = memorySink(5000);
  const logger = o.logger ?? createLogger('device', { level: 'debug', sink });
  const clock = o.clock ?? systemClock();
  const deviceId = config.deviceId ?? 'none';
  const link = new MqttLink({ mqtt: config.mqtt, deviceId, version: '0.1.0-test', clock, logger: logger.child('link') });
  const screen = new RecordingScreen();
  const indicator = new RecordingIndicator();
  const device = new Device({ config, clock, logger, link, screen, indicator, storeDir: config.stateDir, version: '0.1.0-test' });
  await device.start();
  if (o.wait !== false) await until(() => link.connected && device.saleState.link.kind === 'online', 10_000, 'the device did not connect');
  return { device, link, screen, indicator, config, logLines: sink.lines, stop: () => device.stop() };
}

/** Poll a condition (tests only; nothing is timed, a timeout only turns a hang into a failure). */
export async function until(cond: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A backend connected to the broker, keeping every event it sees per device. */
export class TestBackend {
  readonly client: BackendClient;
  readonly events = new Map<string, DeviceEvent[]>();

  private constructor(client: BackendClient) {
    this.client = client;
    client.onEvent((id, e) => {
      const list = this.events.get(id) ?? [];
      list.push(e);
      this.events.set(id, list);
    });
  }

  static async connect(url: string, extra: Omit<BackendConnectOptions, 'url'> = {}): Promise<TestBackend> {
    return new TestBackend(await BackendClient.connect({ url, ...extra }));
  }

  async watch(deviceId: string): Promise<void> {
    await this.client.watch(deviceId);
  }

  sign(deviceId: string, key: TestKey, body: MessageBody, o: { now?: number; ttlSec?: number; jti?: string } = {}): string {
    return signMessage(body, { deviceId, key: key.key, kid: key.kid, ...o });
  }

  async send(deviceId: string, topic: InboundTopic, payload: string | Buffer): Promise<void> {
    await this.client.publish(deviceId, topic, payload);
  }

  of(deviceId: string): DeviceEvent[] {
    return this.events.get(deviceId) ?? [];
  }

  /** Wait until the device has reported `n` events in total; returns the n-th. */
  async nth(deviceId: string, n: number, timeoutMs = 10_000): Promise<DeviceEvent> {
    await until(() => this.of(deviceId).length >= n, timeoutMs, `event #${n} from ${deviceId} (have ${JSON.stringify(this.of(deviceId))})`);
    return this.of(deviceId)[n - 1]!;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function chargeBody(
  orderId: string,
  amount = 1200,
  extra: Partial<{ qr: string; reference: string; expiresAt: number; currency: string }> = {},
): MessageBody {
  return {
    typ: 'charge',
    orderId,
    amount,
    currency: extra.currency ?? 'JPY',
    expiresAt: extra.expiresAt ?? Math.floor(Date.now() / 1000) + 300,
    ...(extra.qr ? { qr: extra.qr } : {}),
    ...(extra.reference ? { reference: extra.reference } : {}),
  };
}

export function paymentBody(
  orderId: string,
  amount = 1200,
  extra: Partial<{ status: 'succeeded' | 'failed'; currency: string; wallet: string }> = {},
): MessageBody {
  return {
    typ: 'payment',
    orderId,
    amount,
    currency: extra.currency ?? 'JPY',
    status: extra.status ?? 'succeeded',
    ...(extra.wallet ? { wallet: extra.wallet } : {}),
    providerTxnId: `txn-${orderId}`,
    paidAt: Math.floor(Date.now() / 1000),
  };
}
