/**
 * Config across releases (issue 12 point 7, decision 0008), end to end with real files, a real
 * Mosquitto, a local HTTPS artifact server, the real `tillqr fleet boot-check` as a child process
 * (what systemd's ExecStartPre runs) and the whole daemon (startDaemon, simulated hardware) with
 * its console on a socat pty:
 *
 *   release N (this code) takes a signed update to N+1; N+1 starts and accepts a desired config
 *   with a key only N+1 knows (this build is N, so the test writes the file as N+1's store would
 *   and leaves the signed desired config retained on the broker); then N+1 fails — its health
 *   window, or a crash loop — and the till comes back on N: taking a charge and its confirmation
 *   over the broker, its console answering `status`.
 *
 * Before the fix, both ended with a till that did not start: the restored N refused the file
 * with the N+1 key (CONFIG_INVALID, exit 78), and in the crash loop the boot check itself refused
 * the file, so it never rolled back.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { FakeClock, systemClock, type Clock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { FleetAgent } from '../../../src/fleet/fleet-agent.js';
import { FleetMqtt } from '../../../src/fleet/fleet-mqtt.js';
import { signDesiredConfig, signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState } from '../../../src/fleet/update-state.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import { collectLines, exited, helperPath, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey, paymentBody, rawDeviceConfig, TestBackend, until } from '../../helpers/payment-kit.js';
import { Host } from '../console/rig.js';
import { PtyPair } from '../console/pty.js';
import { ArtifactServer } from './https-server.js';
import { installFirst, makeArtifact, Observer, tempDir, TestHost } from './fleet-kit.js';

const CLI = helperPath('../../src/cli/tillqr.ts');
/** What N+1 wrote into the file after accepting its desired config: a section and a format N does not know. */
const N1_KEYS = { configVersion: 2, loyalty: { programme: 'stamps', every: 10 } };

interface Till {
  readonly id: string;
  readonly configPath: string;
  readonly stateDir: string;
  readonly releases: ReleaseDir;
}

describe('a rollback from N+1 to N with a config only N+1 understands', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let backend: TestBackend;
  let obs: Observer;
  let pty: PtyPair;
  let artifact: string;
  const release = makeKey();
  const fleet = makeKey();
  const payments = makeKey();
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    backend = await TestBackend.connect(broker.url);
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status', 'tillqr/v1/+/status']);
    pty = await PtyPair.create();
    artifact = await makeArtifact('1.1.0');
    https.files.set('/tillqr-1.1.0.tar.gz', await readFile(artifact));
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await pty?.close();
    await obs?.close();
    await backend?.close();
    await https?.close();
    await broker?.close();
  });

  async function till(id: string, maxBootAttempts = 3): Promise<Till> {
    const dir = await tempDir('tillqr-n1-');
    const root = await tempDir('tillqr-opt-');
    await installFirst(root, '1.0.0');
    const stateDir = join(dir, 'state');
    const configPath = join(dir, 'config.json');
    const base = rawDeviceConfig({ deviceId: id, url: broker.url, keys: [payments], stateDir });
    const key = (k: typeof release) => [{ kid: k.kid, publicKeyPem: k.publicKeyPem }];
    await writeFile(
      configPath,
      JSON.stringify({
        ...base,
        trust: { ...(base.trust as object), releaseKeys: key(release), fleetKeys: key(fleet) },
        console: { port: pty.device },
        fleet: { releaseRoot: root, healthWindowSec: 10, maxBootAttempts, requestTimeoutSec: 2, artifactCaFile: https.caFile },
      }),
    );
    return { id, configPath, stateDir, releases: new ReleaseDir(root) };
  }

  /** One release's fleet agent on the live config file, as the daemon of that version would run it. */
  async function agent(t: Till, host: TestHost, clock: Clock = systemClock()): Promise<FleetAgent> {
    const log = createLogger('fleet', { level: 'debug', sink: memorySink(2000) });
    const store = await ConfigStore.open(t.configPath, {}, log);
    const channel = new FleetMqtt({ mqtt: store.current.mqtt, deviceId: t.id, clock, logger: log.child('mqtt'), maxPacketBytes: 1_048_576 });
    const a = new FleetAgent({ store, host, channel, clock, logger: log });
    await a.start();
    cleanups.push(() => a.stop());
    return a;
  }

  /** systemd's ExecStartPre: the real CLI in its own process. */
  async function bootCheck(t: Till): Promise<{ code: number | null; out: string }> {
    const child = spawnTs(CLI, ['fleet', 'boot-check', '--config', t.configPath], { env: { ...process.env, TILLQR_CONFIG: t.configPath } });
    const lines: string[] = [];
    collectLines(child.stdout, lines);
    collectLines(child.stderr, lines);
    const { code } = await exited(child);
    return { code, out: lines.join('\n') };
  }

  const updateTopic = (id: string) => `tillqr/v1/${id}/update/status`;

  /** N takes the signed job for N+1: downloaded, checked by N+1's own `config check`, switched. */
  async function updateToN1(t: Till): Promise<void> {
    const a = await agent(t, new TestHost('1.0.0'));
    const { token } = await signJob(artifact, { version: '1.1.0', from: ['1.0.x'], url: https.url('/tillqr-1.1.0.tar.gz'), ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${t.id}/update`, token);
    await obs.until<{ state: string }>(updateTopic(t.id), (m) => m.at(-1)?.state === 'restarting');
    await a.stop();
    expect(await t.releases.linkVersion('current')).toBe('1.1.0');
  }

  /** N+1 accepted a desired config with a key only it knows: its store wrote it into the file; the signed document stays retained. */
  async function n1AcceptsItsConfig(t: Till): Promise<void> {
    const raw = JSON.parse(await readFile(t.configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(t.configPath, JSON.stringify({ ...raw, ...N1_KEYS }));
    await obs.publish(`tillqr/v1/${t.id}/config/desired`, signDesiredConfig(`device:${t.id}`, 1, { loyalty: N1_KEYS.loyalty }, fleet));
  }

  /** The till is back on N: the daemon starts, sells over the broker, and its console answers. */
  async function backOnN(t: Till, order: string, whileUp: (d: Daemon) => Promise<void> = () => Promise.resolve()): Promise<Daemon> {
    const daemon = await startDaemon({ configPath: t.configPath, env: {}, logSink: memorySink(2000), onRestart: () => undefined });
    cleanups.push(() => daemon.stop());
    await backend.watch(t.id);
    await until(() => daemon.device?.saleState.link.kind === 'online', 15_000, 'the daemon did not connect');
    const seen = backend.of(t.id).length;
    await backend.send(t.id, 'charge', backend.sign(t.id, payments, chargeBody(order, 980)));
    expect(await backend.nth(t.id, seen + 1)).toMatchObject({ type: 'displayed', orderId: order });
    await backend.send(t.id, 'payment', backend.sign(t.id, payments, paymentBody(order, 980)));
    expect(await backend.nth(t.id, seen + 2)).toMatchObject({ type: 'paid', orderId: order });
    const status = await consoleStatus();
    expect(status).toMatch(/broker: +connected/);
    await whileUp(daemon);
    await daemon.stop();
    return daemon;
  }

  /** `status` on the console through the host end of the pty (the banner may come late: wait for the status lines themselves). */
  async function consoleStatus(then?: (host: Host) => Promise<void>): Promise<string> {
    const host = await Host.open(pty.host);
    try {
      const from = host.mark();
      host.write('status\r');
      const text = await host.waitFor(/state: +\S+[\s\S]*> $/, from);
      await then?.(host);
      return text;
    } finally {
      await host.close();
    }
  }

  it('health-window rollback: N+1 puts back the config N ran with, and N sells with its console up', async () => {
    const t = await till('till-n1-window');
    await updateToN1(t);
    expect((await bootCheck(t)).code).toBe(0);

    // N+1 starts (in its health window), accepts its desired config, never draws the display.
    const clock = new FakeClock(Date.now());
    const host = new TestHost('1.1.0');
    host.healthy = { brokerConnected: true, displayDrawn: false };
    const n1 = await agent(t, host, clock);
    await n1AcceptsItsConfig(t);
    clock.advance(11_000);
    await until(() => host.restarts.length > 0, 10_000, 'the rollback restart');
    expect(host.restarts).toEqual(['rollback from 1.1.0']);
    await n1.stop();
    expect(await t.releases.linkVersion('current')).toBe('1.0.0');
    // The file is N's again; what N+1 wrote is kept beside it.
    expect(JSON.parse(await readFile(t.configPath, 'utf8'))).not.toHaveProperty('loyalty');
    expect(JSON.parse(await readFile(`${t.configPath}.rollback.bak`, 'utf8'))).toMatchObject(N1_KEYS);

    const r = await bootCheck(t);
    expect(r.code).toBe(0);
    expect(r.out).toContain('boot check: none');
    await backOnN(t, 'W-1');
    expect((await loadUpdateState(t.stateDir)).last).toMatchObject({ version: '1.1.0', state: 'rolled_back', reason: 'health_window' });
    // The config N ran with was kept beside the releases when N switched to N+1.
    expect(JSON.parse(await readFile(join(t.releases.root, 'config-snapshots/1.0.0.json'), 'utf8'))).not.toHaveProperty('loyalty');
  });

  it('crash-loop rollback: the boot check reads the N+1 file, puts back N and its config, and N sells with its console up', async () => {
    const t = await till('till-n1-crash', 2);
    await updateToN1(t);
    // N+1 starts, accepts its desired config, then crashes at every start.
    expect((await bootCheck(t)).code).toBe(0);
    await n1AcceptsItsConfig(t);
    expect((await bootCheck(t)).out).toContain('boot check: counted');
    const last = await bootCheck(t);
    expect(last.code).toBe(0);
    expect(last.out).toContain('boot check: rolled_back');
    expect(await t.releases.linkVersion('current')).toBe('1.0.0');
    expect(JSON.parse(await readFile(t.configPath, 'utf8'))).not.toHaveProperty('loyalty');
    expect((await loadUpdateState(t.stateDir)).last).toMatchObject({ version: '1.1.0', state: 'rolled_back', reason: 'crash_loop' });
    await backOnN(t, 'C-1');
  });

  it('a file the committed release cannot load (a value only N+1 accepts): the boot check puts back its snapshot, and N sells with its console up', async () => {
    const t = await till('till-n1-value');
    await updateToN1(t);
    // current is back on N (switched by hand, say) with a value in the file that only N+1 accepts.
    await t.releases.switchLink('current', '1.0.0');
    const raw = JSON.parse(await readFile(t.configPath, 'utf8')) as { display?: Record<string, unknown> };
    await writeFile(t.configPath, JSON.stringify({ ...raw, display: { ...raw.display, rotation: 45 } }));
    const r = await bootCheck(t);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the config file does not load');
    expect(JSON.parse(await readFile(t.configPath, 'utf8'))).not.toHaveProperty('display.rotation', 45);
    expect(JSON.parse(await readFile(`${t.configPath}.rollback.bak`, 'utf8'))).toHaveProperty('display.rotation', 45);
    await backOnN(t, 'V-1');
  });

  it('an invalid value and nothing to go back to: the daemon opened degraded still brings up its console, where the file is repaired', async () => {
    const t = await till('till-n1-degraded');
    const raw = JSON.parse(await readFile(t.configPath, 'utf8')) as Record<string, unknown>;
    await writeFile(t.configPath, JSON.stringify({ ...raw, display: { rotation: 45 } }));
    await expect(startDaemon({ configPath: t.configPath, env: {}, logSink: memorySink(100) })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const daemon = await startDaemon({
      configPath: t.configPath,
      env: {},
      logSink: memorySink(2000),
      onRestart: () => undefined,
      degradedOnInvalidConfig: true,
    });
    cleanups.push(() => daemon.stop());
    expect(daemon.device).toBeUndefined();
    expect(daemon.configStore.compat.invalid).toEqual(['display.rotation: 45 is not one of 0, 90, 180, 270']);
    const status = await consoleStatus(async (host) => {
      host.write('set display.rotation 90\r');
      await until(() => daemon.configStore.compat.invalid.length === 0, 10_000, 'the repaired file');
    });
    expect(status).toMatch(/state: +unprovisioned/);
    expect(JSON.parse(await readFile(t.configPath, 'utf8'))).toMatchObject({ display: { rotation: 90 }, deviceId: t.id });
    await daemon.stop();
    // After the restart it asks for, the till sells again.
    await backOnN(t, 'D-1');
  });

  it('a file a newer release wrote, without a snapshot to go back to: N starts on the keys it knows, sells, says so on its status', async () => {
    const t = await till('till-n1-newer');
    await n1AcceptsItsConfig(t);
    const before = await readFile(t.configPath, 'utf8');
    const daemon = await backOnN(t, 'N-1', () =>
      obs.until<{ faults?: string[] }>(`tillqr/v1/${t.id}/status`, (m) => m.at(-1)?.faults?.includes('CONFIG_NEWER') === true).then(() => undefined),
    );
    expect(daemon.configStore.compat).toMatchObject({ newer: true, ignored: ['loyalty'] });
    // Nothing of the newer release's keys is lost.
    expect(await readFile(t.configPath, 'utf8')).toBe(before);
  });
});
