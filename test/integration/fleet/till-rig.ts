/**
 * A whole till for owner-change tests: the daemon as `tillqr run` builds it (startDaemon with
 * simulated hardware) with its serial console on one end of a socat pty and the laptop end opened
 * with the real serialport package, on a real broker. A restart (console `restart`, factory
 * reset) builds a new daemon from the config file, as systemd would start a new process. The
 * environment pins what a factory reset would otherwise lose (simulated hardware, the pty, a temp
 * state dir), so that the till comes back up in the test after `{}`.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { memorySink } from '../../../src/core/logger.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import { signDesiredConfig } from '../../../src/fleet/operator/sign.js';
import { decodeEmv } from '../../../src/payment/emv-decode.js';
import { MERCHANT, tempDir, until, type TestKey as BackendKey } from '../../helpers/payment-kit.js';
import { decodeFrame } from '../../unit/display/payloads.js';
import { BUNDLE_PASSPHRASE, makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { PtyPair } from '../console/pty.js';
import { Host } from '../console/rig.js';
import type { TestKey } from './fleet-kit.js';

export { BUNDLE_PASSPHRASE };

export interface Owner {
  readonly name: string;
  readonly backend: BackendKey;
  readonly fleet: TestKey;
  /** Merchant account field 01 in the bundle. */
  readonly account: string;
}

export function merchantWith(account: string): typeof MERCHANT {
  return { ...MERCHANT, accounts: [{ id: '26', fields: { '00': 'com.example.pay', '01': account } }] };
}

/** The owner's provisioning bundle for `deviceId`, as base64. */
export function bundleOf(o: Owner, deviceId: string, brokerUrl: string): string {
  return toBase64(
    makeBundle({
      deviceId,
      mqtt: { url: brokerUrl },
      backendKeys: [{ kid: o.backend.kid, publicKeyPem: o.backend.publicKeyPem }],
      fleetKeys: [{ kid: o.fleet.kid, publicKeyPem: o.fleet.publicKeyPem }],
      merchant: merchantWith(o.account),
      display: { panel: 'waveshare-2in9-v2', rotation: 90 },
    }),
  );
}

export function desiredDoc(o: Owner, deviceId: string, version: number, config: Record<string, unknown>): string {
  return signDesiredConfig(`device:${deviceId}`, version, config, o.fleet);
}

export class Till {
  readonly dir: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly pty: PtyPair;
  readonly sink = memorySink(20_000);
  readonly daemons: Daemon[] = [];
  readonly #env: NodeJS.ProcessEnv;
  #booting: Promise<void> = Promise.resolve();
  host!: Host;

  private constructor(dir: string, pty: PtyPair) {
    this.dir = dir;
    this.stateDir = join(dir, 'state');
    this.configPath = join(dir, 'config.json');
    this.pty = pty;
    this.#env = {
      TILLQR_HARDWARE: 'sim',
      TILLQR_STATE_DIR: this.stateDir,
      TILLQR_CONSOLE__PORT: pty.device,
      TILLQR_FLEET__RELEASE_ROOT: join(dir, 'opt'),
      TILLQR_MQTT__KEEPALIVE_SEC: '5',
      TILLQR_MQTT__RECONNECT_MIN_MS: '100',
      TILLQR_MQTT__RECONNECT_MAX_MS: '1000',
    };
  }

  /** A till with no config file yet (unprovisioned), its console up. */
  static async start(): Promise<Till> {
    const t = new Till(await tempDir('tillqr-till-'), await PtyPair.create());
    await writeFile(t.configPath, '{}\n');
    await t.#boot();
    t.host = await Host.open(t.pty.host);
    await t.sync();
    return t;
  }

  get daemon(): Daemon {
    const d = this.daemons.at(-1);
    if (d === undefined) throw new Error('no daemon');
    return d;
  }

  #boot(): Promise<void> {
    this.#booting = this.#booting.then(async () => {
      const d = await startDaemon({
        configPath: this.configPath,
        env: this.#env,
        logSink: this.sink,
        onRestart: () => void this.#boot(),
      });
      this.daemons.push(d);
    });
    return this.#booting;
  }

  /** Wait for the n-th daemon (1-based) to be up, provisioned and online, and its console to answer. */
  async generation(n: number): Promise<Daemon> {
    await until(() => this.daemons.length >= n, 20_000, `daemon #${n}`);
    await this.#booting;
    const d = this.daemons[n - 1]!;
    if (d.config.deviceId !== undefined) await until(() => d.device?.saleState.link.kind === 'online', 20_000, `daemon #${n} online`);
    await this.sync();
    return d;
  }

  /** Wait until the console answers a command sent now (Host.sync expects the console rig's version). */
  async sync(): Promise<void> {
    const from = this.host.mark();
    this.host.write('version\r');
    await this.host.waitFor(/tillqr \S+\r\n\S*( \(locked\))?> $/, from, 20_000);
  }

  /** A console request in JSON mode. */
  request(cmd: string, args: readonly string[] = []): Promise<unknown> {
    return this.host.client.request(cmd, args, 20_000);
  }

  /** The merchant account field 01 of the QR on the panel once it shows a dynamic QR for `amount`. */
  async accountOnPanel(amount: number): Promise<string | undefined> {
    const panel = this.daemon.sim!.panel;
    const emv = () => {
      const f = panel.last === undefined ? undefined : decodeFrame(panel.last.frame);
      if (f === undefined) return undefined;
      const e = decodeEmv(f);
      return e.content.amount === amount && e.content.initiation === 'dynamic' ? e : undefined;
    };
    await until(() => emv() !== undefined, 20_000, `a dynamic QR for ${amount} on the panel`);
    return emv()?.content.merchant.accounts[0]?.fields['01'];
  }

  /** Log lines (JSON) with this message. */
  logged(msg: string): Record<string, unknown>[] {
    return this.sink.lines.map((l) => JSON.parse(l.replace(/^<\d>/, '')) as Record<string, unknown>).filter((l) => l.msg === msg);
  }

  async savedConfig(): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(this.configPath, 'utf8')) as Record<string, unknown>;
  }

  async close(): Promise<void> {
    await this.#booting;
    await this.daemon.stop();
    await this.host.close();
    await this.pty.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
