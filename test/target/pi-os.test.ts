/**
 * The release artifact on emulated Raspberry Pi OS userlands (see userland.ts): for each leg,
 * as root in a chroot under qemu-user-static, install.sh installs the artifact (fonts from apt,
 * user, directories, unit), `tillqr --help` runs, a rendered charge frame's QR decodes, `tillqr
 * run` with simulated hardware takes a charge and a confirmation from a backend on the host's
 * Mosquitto, a signed update N -> N+1 over the chunked MQTT transfer commits (with the same
 * bundled runtime, only the artifact's application member is fetched: decision 0009), and an update whose
 * health window fails (the broker is gone) rolls back. Bookworm 32-bit is expected to refuse the
 * install with a sentence saying why (its Node.js is 18; docs/decisions/0009).
 *
 * `npm run test:target` runs every leg (about 6 min more per leg here the first time, for debootstrap;
 * the userlands are cached); TILLQR_TARGET_LEGS=trixie-arm64 runs one (CI). Needs root, debootstrap,
 * qemu-user-static and binfmt-support (scripts/test-deps.sh --target installs them).
 */
import { copyFile, readFile, readlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGETS, type Arch } from '../../tools/release/targets.js';
import { buildRelease, type ReleaseInfo } from '../../tools/release/build.js';
import { chargeBody, EventBackend, paymentBody, sign, backendKey } from '../../bench/reliability/backend.js';
import { rawDeviceConfig } from '../helpers/payment-kit.js';
import { Mosquitto } from '../helpers/mosquitto.js';
import { StatusWatcher } from '../helpers/retained-status.js';
import { fleetCli, interruptor, keyFile } from '../integration/fleet/operator-kit.js';
import { tempDir } from '../integration/fleet/fleet-kit.js';
import { chroot, chrootSpawn, ensureUserland, mountSystem, scratchCopy, type Leg, type Mounts } from './userland.js';

interface TargetLeg extends Leg {
  readonly release: Arch;
  /** What install.sh must do with the release on this system. */
  readonly expect: 'runs' | 'refused';
}

const LEGS: readonly TargetLeg[] = [
  { name: 'trixie-arm64', suite: 'trixie', arch: 'arm64', packages: ['systemd'], release: 'arm64', expect: 'runs' },
  { name: 'bookworm-arm64', suite: 'bookworm', arch: 'arm64', packages: ['systemd'], release: 'arm64', expect: 'runs' },
  { name: 'trixie-armhf', suite: 'trixie', arch: 'armhf', packages: ['systemd', 'nodejs'], release: 'armhf', expect: 'runs' },
  { name: 'bookworm-armhf', suite: 'bookworm', arch: 'armhf', packages: ['systemd', 'nodejs'], release: 'armhf', expect: 'refused' },
];

const wanted = (process.env.TILLQR_TARGET_LEGS ?? LEGS.map((l) => l.name).join(',')).split(',').map((s) => s.trim());
const unknown = wanted.filter((w) => !LEGS.some((l) => l.name === w));
if (unknown.length > 0) throw new Error(`TILLQR_TARGET_LEGS: unknown leg(s) ${unknown.join(', ')}; known: ${LEGS.map((l) => l.name).join(', ')}`);
const tools = [
  '/usr/sbin/debootstrap',
  '/usr/sbin/update-binfmts',
  '/usr/bin/qemu-aarch64-static',
  '/usr/bin/qemu-arm-static',
  '/usr/bin/aarch64-linux-gnu-g++',
  '/usr/bin/arm-linux-gnueabihf-g++',
];
const missing = tools.filter((t) => !existsSync(t));
const why =
  process.getuid?.() !== 0
    ? 'the target suite runs as root (chroot, mount)'
    : missing.length > 0
      ? `the target suite needs ${missing.join(', ')} (bash scripts/test-deps.sh --target)`
      : undefined;

// jsqr is CommonJS with a `default` export in its types; under NodeNext the default import is the module.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

const log = (s: string): void => void process.stderr.write(`target: ${s}\n`);
const VERSIONS = ['1.0.0', '1.0.1', '1.0.2'] as const;

/** Release artifacts per architecture, built once per run. */
const builds = new Map<Arch, Promise<Map<string, ReleaseInfo>>>();
function releases(arch: Arch): Promise<Map<string, ReleaseInfo>> {
  let p = builds.get(arch);
  if (p === undefined) {
    p = (async () => {
      const out = await tempDir('tillqr-target-art-');
      const m = new Map<string, ReleaseInfo>();
      for (const v of VERSIONS) m.set(v, await buildRelease({ projectRoot: process.cwd(), target: TARGETS[arch], outDir: out, version: v, log }));
      return m;
    })();
    builds.set(arch, p);
  }
  return p;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const linkOf = async (root: string, name: string): Promise<string | undefined> => readlink(join(root, 'opt/tillqr', name)).catch(() => undefined);

describe.skipIf(why !== undefined)(`emulated Raspberry Pi OS userlands${why !== undefined ? ` (skipped: ${why})` : ''}`, () => {
  for (const leg of LEGS.filter((l) => wanted.includes(l.name))) {
    describe.sequential(leg.name, () => {
      let root = '';
      let mounts: Mounts | undefined;
      let broker: Mosquitto | undefined;
      let supervisor: ReturnType<typeof chrootSpawn> | undefined;
      let supervisorLog = '';
      let art = new Map<string, ReleaseInfo>();
      const deviceId = `target-${leg.name}`;
      const key = backendKey('target-backend');
      let releaseKey: Awaited<ReturnType<typeof keyFile>> | undefined;

      beforeAll(async () => {
        const base = await ensureUserland(leg, log);
        art = await releases(leg.release);
        root = await scratchCopy(base, leg.name);
        mounts = await mountSystem(root);
        broker = await Mosquitto.start();
        releaseKey = await keyFile('release');
      }, 90 * 60_000);

      afterAll(async () => {
        if (supervisor !== undefined && root !== '') {
          await writeFile(join(root, 'run/tillqr-supervise.stop'), '').catch(() => undefined);
          try {
            process.kill(-(supervisor.pid ?? 0), 'SIGTERM');
          } catch {
            // already gone
          }
        }
        await broker?.stop();
        await mounts?.unmount();
        if (root !== '') await chroot('/', ['rm', '-rf', root], { check: false });
      }, 120_000);

      const artifact = (v: string): ReleaseInfo => {
        const a = art.get(v);
        if (a === undefined) throw new Error(`no artifact ${v}`);
        return a;
      };

      it(
        leg.expect === 'runs'
          ? 'install.sh installs the artifact: user, fonts from apt, unit, links, the tillqr command'
          : 'install.sh refuses the artifact before changing anything, saying why',
        async () => {
          const a = artifact('1.0.0');
          await copyFile(a.path, join(root, 'tmp/release.tar.gz'));
          const r = await chroot(
            root,
            [
              'bash',
              '-c',
              'set -e; mkdir -p /tmp/unpacked; tar -xzf /tmp/release.tar.gz -C /tmp/unpacked; /tmp/unpacked/device/install.sh /tmp/release.tar.gz',
            ],
            { check: false, timeoutMs: 30 * 60_000, env: { DEBIAN_FRONTEND: 'noninteractive' } },
          );
          if (leg.expect === 'refused') {
            expect(r.code, r.stdout + r.stderr).not.toBe(0);
            expect(r.stderr).toMatch(/Bookworm has only Node\.js 18/);
            expect(existsSync(join(root, 'opt/tillqr'))).toBe(false);
            return;
          }
          expect(r.code, r.stdout + r.stderr).toBe(0);
          expect(await linkOf(root, 'current')).toBe('releases/1.0.0');
          expect(await linkOf(root, 'committed')).toBe('releases/1.0.0');
          // A bundled runtime is installed once, shared: the first update with the same runtime skips it.
          if (a.runtimeId !== undefined) {
            expect(await linkOf(root, 'releases/1.0.0/runtime')).toBe(`../../runtimes/${a.runtimeId}`);
            expect(JSON.parse(await readFile(join(root, 'opt/tillqr/runtimes', a.runtimeId, 'installed-from.json'), 'utf8'))).toEqual({
              id: a.runtimeId,
              sha256: a.runtime?.sha256,
            });
          }
          expect(await readlink(join(root, 'etc/systemd/system/multi-user.target.wants/tillqr.service'))).toBe('/etc/systemd/system/tillqr.service');
          expect(await readlink(join(root, 'usr/local/bin/tillqr'))).toBe('/opt/tillqr/current/bin/tillqr');
          expect(existsSync(join(root, 'usr/share/unifont/unifont.hex'))).toBe(true);
          const groups = (await chroot(root, ['id', '-nG', 'tillqr'])).stdout.trim().split(/\s+/);
          for (const g of ['tillqr', 'gpio', 'spi', 'dialout', 'video']) expect(groups, g).toContain(g);
        },
        40 * 60_000,
      );

      it.skipIf(leg.expect === 'refused')(
        'tillqr --help and --version run on the target',
        async () => {
          const help = await chroot(root, ['tillqr', '--help']);
          expect(help.stdout).toMatch(/commands:[\s\S]*run[\s\S]*fleet/);
          expect((await chroot(root, ['tillqr', '--version'])).stdout.trim()).toBe('1.0.0');
        },
        5 * 60_000,
      );

      it.skipIf(leg.expect === 'refused')(
        'renders a charge frame whose QR decodes',
        async () => {
          const qr = 'https://pay.example/c/target-42';
          await chroot(root, [
            'tillqr',
            'render',
            '--panel',
            'waveshare-2in9-v2',
            '--screen',
            'charge',
            '--amount',
            '1200',
            '--currency',
            'JPY',
            '--qr',
            qr,
            '--out',
            '/tmp/charge.png',
          ]);
          const png = PNG.sync.read(await readFile(join(root, 'tmp/charge.png')));
          const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
          expect(decoded?.data).toBe(qr);
        },
        5 * 60_000,
      );

      it.skipIf(leg.expect === 'refused')(
        'runs under the unit (simulated hardware) and takes a charge and its confirmation',
        async () => {
          if (broker === undefined || releaseKey === undefined) throw new Error('no broker');
          const config = {
            ...rawDeviceConfig({ deviceId, url: broker.url, keys: [key], stateDir: '/var/lib/tillqr' }),
            console: { enabled: false },
            trust: {
              backendKeys: [{ kid: key.kid, publicKeyPem: key.publicKeyPem }],
              releaseKeys: [{ kid: releaseKey.kid, publicKeyPem: releaseKey.publicKeyPem }],
            },
            fleet: { healthWindowSec: 60, maxBootAttempts: 3 },
            logLevel: 'info',
          };
          await writeFile(join(root, 'etc/tillqr/config.json'), JSON.stringify(config, null, 2));
          await chroot(root, ['chown', 'tillqr:tillqr', '/etc/tillqr/config.json']);
          await copyFile(new URL('./supervise.sh', import.meta.url), join(root, 'tmp/supervise.sh'));
          supervisor = chrootSpawn(root, ['/bin/sh', '/tmp/supervise.sh']);
          supervisor.stdout?.on('data', (d: Buffer) => (supervisorLog = (supervisorLog + d.toString()).slice(-100_000)));
          supervisor.stderr?.on('data', (d: Buffer) => (supervisorLog = (supervisorLog + d.toString()).slice(-100_000)));
          const status = await StatusWatcher.connect(broker.url, deviceId);
          const backend = await EventBackend.connect(broker.url, deviceId);
          try {
            await status
              .until((s) => s.online && s.version === '1.0.0', 'online on 1.0.0', 180_000)
              .catch((e: unknown) => {
                throw new Error(`${String(e)}\n${supervisorLog.slice(-6000)}`);
              });
            const now = Math.floor(Date.now() / 1000);
            const displayed = backend.next((e) => e.type === 'displayed' && e.orderId === 'T-1', 60_000);
            await backend.send('charge', sign(deviceId, key, chargeBody('T-1', 1200, now + 600), now));
            await displayed;
            const paid = backend.next((e) => e.type === 'paid' && e.orderId === 'T-1', 60_000);
            await backend.send('payment', sign(deviceId, key, paymentBody('T-1', 1200, now), now));
            expect(await paid).toMatchObject({ type: 'paid', orderId: 'T-1' });
          } finally {
            await backend.close();
            await status.close();
          }
        },
        10 * 60_000,
      );

      it.skipIf(leg.expect === 'refused')(
        'updates N -> N+1 over the chunked MQTT transfer and commits it',
        async () => {
          if (broker === undefined || releaseKey === undefined) throw new Error('no broker');
          const a = artifact('1.0.1');
          const dir = await tempDir('tillqr-target-job-');
          const env = { TILLQR_FLEET_URL: broker.url };
          const signed = await fleetCli(
            [
              'release',
              'sign',
              '--key',
              releaseKey.path,
              '--artifact',
              a.path,
              '--version',
              '1.0.1',
              '--stream',
              'tillqr-1.0.1',
              '--job-id',
              `${leg.name}-1`,
              '--out',
              join(dir, 'job.jws'),
            ],
            { env },
          );
          expect(signed.code, signed.err).toBe(0);
          const stop = interruptor();
          const serving = fleetCli(['release', 'publish', '--job', join(dir, 'job.jws'), '--device', deviceId, '--serve', a.path], {
            env,
            interrupted: stop.interrupted,
          });
          try {
            await until(
              'committed -> releases/1.0.1',
              async () => ((await linkOf(root, 'committed')) === 'releases/1.0.1' ? true : undefined),
              15 * 60_000,
            ).catch((e: unknown) => {
              throw new Error(`${String(e)}\n${supervisorLog.slice(-6000)}`);
            });
          } finally {
            stop.interrupt();
            expect((await serving).code).toBe(0);
          }
          expect(await linkOf(root, 'current')).toBe('releases/1.0.1');
          if (a.runtimeId !== undefined) {
            expect(a.runtime?.sha256).toBe(artifact('1.0.0').runtime?.sha256);
            expect(await linkOf(root, 'releases/1.0.1/runtime')).toBe(`../../runtimes/${a.runtimeId}`);
          }
          const status = await StatusWatcher.connect(broker.url, deviceId);
          try {
            await status.until((s) => s.online && s.version === '1.0.1', 'online on 1.0.1', 120_000);
          } finally {
            await status.close();
          }
        },
        20 * 60_000,
      );

      it.skipIf(leg.expect === 'refused')(
        'an update that fails its health window (the broker is gone) rolls back to the committed release',
        async () => {
          if (broker === undefined || releaseKey === undefined) throw new Error('no broker');
          const a = artifact('1.0.2');
          const dir = await tempDir('tillqr-target-job-');
          const env = { TILLQR_FLEET_URL: broker.url };
          const signed = await fleetCli(
            [
              'release',
              'sign',
              '--key',
              releaseKey.path,
              '--artifact',
              a.path,
              '--version',
              '1.0.2',
              '--stream',
              'tillqr-1.0.2',
              '--job-id',
              `${leg.name}-2`,
              '--out',
              join(dir, 'job.jws'),
            ],
            { env },
          );
          expect(signed.code, signed.err).toBe(0);
          const stop = interruptor();
          const serving = fleetCli(['release', 'publish', '--job', join(dir, 'job.jws'), '--device', deviceId, '--serve', a.path], {
            env,
            interrupted: stop.interrupted,
          });
          await until('current -> releases/1.0.2', async () => ((await linkOf(root, 'current')) === 'releases/1.0.2' ? true : undefined), 15 * 60_000);
          stop.interrupt();
          await serving;
          await broker.stop();
          // 1.0.2 cannot reach the broker within its 60 s window: the till goes back to 1.0.1.
          await until(
            'current -> releases/1.0.1 again',
            async () => ((await linkOf(root, 'current')) === 'releases/1.0.1' ? true : undefined),
            10 * 60_000,
          ).catch((e: unknown) => {
            throw new Error(`${String(e)}\n${supervisorLog.slice(-6000)}`);
          });
          expect(await linkOf(root, 'committed')).toBe('releases/1.0.1');
          await broker.launch();
          const status = await StatusWatcher.connect(broker.url, deviceId);
          try {
            await status.until((s) => s.online && s.version === '1.0.1', 'online on 1.0.1 after the rollback', 180_000);
          } finally {
            await status.close();
          }
        },
        25 * 60_000,
      );
    });
  }
});
