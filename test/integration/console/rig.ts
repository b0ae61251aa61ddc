/**
 * A device for console tests: a real ConfigStore in a temp dir, a real SerialConsole on one end
 * of a socat pty pair, a test ConsoleTarget (broker status from a real MQTT connection to the
 * configured broker, recorded hardware tests), and a simulated network. `restartDevice()` does
 * what a daemon restart does: stop the console, open the config file again from disk, build
 * target and console anew. The host end is opened with the real serialport package.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { ConfigStore } from '../../../src/config/config-store.js';
import { ConsoleClient } from '../../../src/console/json-client.js';
import type { LockoutPolicy } from '../../../src/console/lockout.js';
import { SimNetwork } from '../../../src/console/network-sim.js';
import { SerialConsole } from '../../../src/console/serial-console.js';
import { serialPortOpener, type ConsolePort } from '../../../src/console/serial-port.js';
import type { ConsoleTarget, StatusReport, TestOutcome } from '../../../src/console/target.js';
import { systemClock, type Clock } from '../../../src/core/clock.js';
import type { HistoryEntry } from '../../../src/core/sale-state.js';
import { createLogger, memorySink, type Logger } from '../../../src/core/logger.js';
import { PtyPair } from './pty.js';

export const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };
export const VERSION = '0.1.0-test';

export class TestTarget implements ConsoleTarget {
  readonly calls: string[] = [];
  readonly store: ConfigStore;
  readonly #started: number;
  #mqtt: MqttClient | undefined;
  #brokerError: string | undefined;
  onRestart: () => Promise<void> = () => Promise.resolve();
  history_: HistoryEntry[] = [
    { orderId: 'order-2', amount: 1200, currency: 'JPY', wallet: 'paypay', providerTxnId: 't2', paidAt: 1_767_225_700, acceptedAt: 1_767_225_700_500 },
    { orderId: 'order-1', amount: 480, currency: 'JPY', providerTxnId: 't1', paidAt: 1_767_225_600, acceptedAt: 1_767_225_600_500 },
  ];

  constructor(store: ConfigStore) {
    this.store = store;
    this.#started = Date.now();
  }

  /** Connect to the configured broker, as the daemon's link would at start. */
  async connectBroker(): Promise<void> {
    const c = this.store.current;
    if (c.deviceId === undefined) return;
    try {
      this.#mqtt = await mqtt.connectAsync(c.mqtt.url, {
        clientId: `console-test-${c.deviceId}-${Math.random().toString(16).slice(2)}`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        ...(c.mqtt.username !== undefined ? { username: c.mqtt.username } : {}),
        ...(c.mqtt.password !== undefined ? { password: c.mqtt.password } : {}),
      });
    } catch (e) {
      this.#brokerError = (e as Error).message;
    }
  }

  async close(): Promise<void> {
    await this.#mqtt?.endAsync(true);
  }

  status(): StatusReport {
    const c = this.store.current;
    return {
      state: c.deviceId === undefined ? 'unprovisioned' : 'idle',
      broker: { connected: this.#mqtt?.connected ?? false, url: c.mqtt.url, ...(this.#brokerError !== undefined ? { lastError: this.#brokerError } : {}) },
      display: { panel: c.display.panel, ok: true },
      storage: { ok: true },
      uptimeSec: Math.floor((Date.now() - this.#started) / 1000),
    };
  }

  history(n: number): readonly HistoryEntry[] {
    return this.history_.slice(0, n);
  }

  async mqttTest(): Promise<TestOutcome> {
    this.calls.push('mqtt test');
    const client = this.#mqtt;
    const c = this.store.current;
    if (client?.connected !== true) return { ok: false, detail: `not connected to ${c.mqtt.url}` };
    const topic = `${c.mqtt.topicPrefix}/${c.deviceId ?? 'none'}/test`;
    const got = new Promise<void>((resolve) => client.once('message', () => resolve()));
    await client.subscribeAsync(topic);
    await client.publishAsync(topic, 'ping');
    await got;
    return { ok: true, detail: `round trip through ${c.mqtt.url}` };
  }

  displayTest(): Promise<TestOutcome> {
    this.calls.push('display test');
    return Promise.resolve({ ok: true, detail: `test pattern and sample QR on ${this.store.current.display.panel}` });
  }

  ledTest(): Promise<void> {
    this.calls.push('led test');
    return Promise.resolve();
  }

  buzzerTest(): Promise<void> {
    this.calls.push('buzzer test');
    return Promise.reject(new Error('no buzzer fitted'));
  }

  async restart(): Promise<void> {
    this.calls.push('restart');
    await this.onRestart();
  }

  reboot(): Promise<void> {
    this.calls.push('reboot');
    return Promise.resolve();
  }

  factoryReset(): Promise<void> {
    this.calls.push('factory-reset');
    this.history_ = [];
    return Promise.resolve();
  }

  hardware(): string {
    return 'Test rig (pty)';
  }
}

export interface RigOptions {
  readonly clock?: Clock;
  readonly config?: Record<string, unknown>;
  readonly network?: SimNetwork;
  readonly lockoutPolicy?: LockoutPolicy;
}

export class Rig {
  readonly dir: string;
  readonly configPath: string;
  readonly pty: PtyPair;
  readonly sink = memorySink(5000);
  readonly logger: Logger;
  readonly clock: Clock;
  readonly network: SimNetwork;
  readonly lockoutPolicy: LockoutPolicy | undefined;
  store!: ConfigStore;
  target!: TestTarget;
  console!: SerialConsole;
  /** Every target that ever ran (restarts make new ones). */
  readonly targets: TestTarget[] = [];

  private constructor(dir: string, pty: PtyPair, opts: RigOptions) {
    this.dir = dir;
    this.configPath = join(dir, 'config.json');
    this.pty = pty;
    this.clock = opts.clock ?? systemClock();
    this.lockoutPolicy = opts.lockoutPolicy;
    this.logger = createLogger('tillqr', { level: 'debug', sink: this.sink });
    this.network =
      opts.network ?? new SimNetwork().addNetwork({ ssid: 'Shop Net', signal: 80, psk: 'shop-Wifi-psk9' }).addNetwork({ ssid: 'Cafe Guest', signal: 40 });
  }

  static async start(opts: RigOptions = {}): Promise<Rig> {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-console-'));
    const rig = new Rig(dir, await PtyPair.create(), opts);
    if (opts.config !== undefined) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(rig.configPath, JSON.stringify(opts.config));
    }
    await rig.#boot();
    return rig;
  }

  /** The config file as it is on disk now. */
  async savedConfig(): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(this.configPath, 'utf8')) as Record<string, unknown>;
  }

  get tlsDir(): string {
    return join(this.dir, 'tls');
  }

  /** The daemon state directory (the console lockout persists here); kept across restartDevice(). */
  get stateDir(): string {
    return join(this.dir, 'state');
  }

  async #boot(): Promise<void> {
    this.store = await ConfigStore.open(this.configPath, {}, this.logger.child('config'));
    this.target = new TestTarget(this.store);
    this.targets.push(this.target);
    this.target.onRestart = () => this.restartDevice();
    await this.target.connectBroker();
    this.console = new SerialConsole({
      path: this.pty.device,
      store: this.store,
      target: this.target,
      network: this.network,
      clock: this.clock,
      logger: this.logger.child('console'),
      version: VERSION,
      logTail: (n) => this.sink.lines.slice(-n),
      tlsDir: this.tlsDir,
      stateDir: this.stateDir,
      scrypt: CHEAP_SCRYPT,
      retry: { minMs: 50, maxMs: 500 },
      ...(this.lockoutPolicy ? { lockoutPolicy: this.lockoutPolicy } : {}),
    });
    this.console.start();
    await this.console.whenOpen();
  }

  /** What a daemon restart does (systemd starts a new process that reads the config file). */
  async restartDevice(): Promise<void> {
    await this.console.stop();
    await this.target.close();
    await this.#boot();
  }

  async close(): Promise<void> {
    await this.console.stop();
    for (const t of this.targets) await t.close();
    await this.pty.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The laptop end of the cable: every byte received is kept; JSON requests through ConsoleClient. */
export class Host {
  readonly port: ConsolePort;
  readonly client: ConsoleClient;
  #received: Buffer[] = [];
  #size = 0;

  private constructor(port: ConsolePort) {
    this.port = port;
    this.client = new ConsoleClient(port, systemClock());
    port.onData((c) => {
      this.#received.push(Buffer.from(c));
      this.#size += c.length;
    });
  }

  static async open(path: string): Promise<Host> {
    return new Host(await serialPortOpener()(path, 115200));
  }

  /** Everything received so far. */
  get received(): Buffer {
    if (this.#received.length > 1) this.#received = [Buffer.concat(this.#received)];
    return this.#received[0] ?? Buffer.alloc(0);
  }

  get text(): string {
    return this.received.toString('utf8');
  }

  /** A position to search from. */
  mark(): number {
    return this.#size;
  }

  write(data: string | Uint8Array): void {
    this.port.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /** Wait until the text received after `from` matches (a timeout only turns a hang into a failure). */
  async waitFor(pattern: RegExp | string, from = 0, timeoutMs = 10_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const text = this.received.subarray(from).toString('utf8');
      if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
      if (Date.now() > end) throw new Error(`timed out waiting for ${String(pattern)}; received:\n${JSON.stringify(text.slice(-2000))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * Wait until the console has answered a command sent now, so nothing written before (the
   * banner, which may arrive late or not at all on a pty) is still on its way.
   */
  async sync(): Promise<void> {
    const from = this.mark();
    this.write('version\r');
    await this.waitFor(/tillqr 0\.1\.0-test\r\n\S*( \(locked\))?> $/, from);
  }

  /** Type a line as a person would and wait for the next prompt. */
  async type(line: string, prompt = /> $/): Promise<string> {
    const from = this.mark();
    this.write(`${line}\r`);
    const text = await this.waitFor(new RegExp(`\\r\\n[\\s\\S]*${prompt.source}`), from);
    return text;
  }

  async close(): Promise<void> {
    await this.port.close();
  }
}

/** Poll a condition (a timeout only turns a hang into a failure). */
export async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
