/**
 * Emulated Raspberry Pi OS userlands for the target suite: Debian 12 (Bookworm) and 13 (Trixie)
 * for arm64 and armhf, made with debootstrap and run under qemu-user-static through binfmt_misc,
 * as root in a chroot (not a fake ROOT). Raspberry Pi OS is Debian plus Raspberry Pi's kernel,
 * firmware and a few desktop packages; what tillqr touches in userland (apt, systemd, glibc, the
 * Node.js packages, fonts) is Debian's own.
 *
 * A userland is built once and cached outside the repository (TILLQR_TARGET_CACHE, default
 * /var/cache/tillqr-target/<suite>-<arch>): debootstrap --variant=minbase, then systemd (install.sh
 * enables the unit) and, where the release runs on the system's Node.js, the distribution's nodejs
 * (what a technician installs with apt). Each test run works on a copy, so the cache stays clean.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Suite = 'bookworm' | 'trixie';
export type DebArch = 'arm64' | 'armhf';

export interface Leg {
  readonly name: string;
  readonly suite: Suite;
  readonly arch: DebArch;
  /** Packages the prepared userland gets beyond minbase. */
  readonly packages: readonly string[];
}

export const MIRROR = 'http://deb.debian.org/debian';
const QEMU: Record<DebArch, string> = { arm64: 'qemu-aarch64', armhf: 'qemu-arm' };

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TILLQR_TARGET_CACHE ?? '/var/cache/tillqr-target';
}

/** binfmt_misc mounted and the qemu handler for the architecture enabled (as root). */
export async function ensureBinfmt(arch: DebArch): Promise<void> {
  if (!existsSync('/proc/sys/fs/binfmt_misc/status')) await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc']);
  const handler = `/proc/sys/fs/binfmt_misc/${QEMU[arch]}`;
  if (!existsSync(handler)) await run('update-binfmts', ['--enable', QEMU[arch]]);
  const text = await readFile(handler, 'utf8');
  if (!text.startsWith('enabled')) await run('update-binfmts', ['--enable', QEMU[arch]]);
}

async function sh(cmd: string, args: string[], log: (s: string) => void, timeoutMs: number): Promise<void> {
  log(`${cmd} ${args.join(' ')}`);
  await run(cmd, args, { timeout: timeoutMs, maxBuffer: 256 * 2 ** 20 });
}

/** dpkg's setting for the build only (see ensureUserland). */
const UNSAFE_IO = 'etc/dpkg/dpkg.cfg.d/tillqr-build-unsafe-io';

/** The cached, prepared userland of a leg: built when missing (debootstrap takes ~5 min per leg here). */
export async function ensureUserland(leg: Leg, log: (s: string) => void): Promise<string> {
  await ensureBinfmt(leg.arch);
  const base = join(cacheDir(), `${leg.suite}-${leg.arch}`);
  const marker = join(base, '.tillqr-prepared');
  const want = leg.packages.join(' ');
  if (existsSync(marker) && (await readFile(marker, 'utf8')).trim() === want) return base;
  if (!existsSync(join(base, 'usr/bin/apt-get'))) {
    const tmp = `${base}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(cacheDir(), { recursive: true });
    // First stage natively (download and extract), then the second stage under qemu with dpkg's
    // unsafe-io: emulated dpkg syncing every file took ~15 min here, with unsafe-io ~4 min. The
    // setting is removed once the userland is prepared, so the tests run a stock dpkg.
    await sh('debootstrap', ['--foreign', `--arch=${leg.arch}`, '--variant=minbase', '--include=ca-certificates', leg.suite, tmp, MIRROR], log, 30 * 60_000);
    await mkdir(join(tmp, 'etc/dpkg/dpkg.cfg.d'), { recursive: true });
    await writeFile(join(tmp, UNSAFE_IO), 'force-unsafe-io\n');
    await sh('chroot', [tmp, '/debootstrap/debootstrap', '--second-stage'], log, 60 * 60_000);
    await rename(tmp, base);
  }
  if (leg.packages.length > 0) {
    const mounts = await mountSystem(base);
    try {
      await chroot(base, ['apt-get', 'update', '-qq'], { timeoutMs: 20 * 60_000 });
      await chroot(base, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...leg.packages], {
        timeoutMs: 40 * 60_000,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      });
      await chroot(base, ['apt-get', 'clean']);
    } finally {
      await mounts.unmount();
    }
  }
  await rm(join(base, UNSAFE_IO), { force: true });
  await writeFile(marker, `${want}\n`);
  return base;
}

/** A scratch copy of a prepared userland for one run. */
export async function scratchCopy(base: string, name: string): Promise<string> {
  const dir = join(cacheDir(), 'runs', `${name}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(cacheDir(), 'runs'), { recursive: true });
  await run('cp', ['-a', '--reflink=auto', base, dir], { maxBuffer: 16 * 2 ** 20 });
  return dir;
}

export interface Mounts {
  unmount(): Promise<void>;
}

/** /proc, /sys, /dev, /dev/pts and /dev/shm inside the userland, and the host's resolv.conf. */
export async function mountSystem(root: string): Promise<Mounts> {
  const done: string[] = [];
  const mount = async (args: string[], at: string): Promise<void> => {
    await mkdir(join(root, at), { recursive: true });
    await run('mount', [...args, join(root, at)]);
    done.push(join(root, at));
  };
  try {
    await mount(['-t', 'proc', 'proc'], 'proc');
    await mount(['--rbind', '/sys'], 'sys');
    await mount(['--make-rslave'], 'sys').catch(() => undefined);
    await mount(['--bind', '/dev'], 'dev');
    await mount(['--bind', '/dev/pts'], 'dev/pts');
    await mount(['-t', 'tmpfs', 'tmpfs'], 'dev/shm');
    await writeFile(join(root, 'etc/resolv.conf'), await readFile('/etc/resolv.conf'));
  } catch (e) {
    await unmountAll(done);
    throw e;
  }
  return { unmount: () => unmountAll(done) };
}

async function unmountAll(paths: string[]): Promise<void> {
  for (const p of [...paths].reverse()) await run('umount', ['-l', p]).catch(() => undefined);
  paths.length = 0;
}

export interface ChrootResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run a command as root inside the userland; resolves with its exit code and output. */
export function chroot(root: string, argv: string[], o: { timeoutMs?: number; env?: NodeJS.ProcessEnv; check?: boolean } = {}): Promise<ChrootResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...o.env };
    const child = spawn('chroot', [root, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-200_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 10 * 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code: code ?? (signal !== null ? 128 : 1), stdout, stderr };
      if (o.check !== false && r.code !== 0) reject(new Error(`chroot ${argv.join(' ')} exited ${r.code}\n${stderr.slice(-4000)}`));
      else resolve(r);
    });
  });
}

/** A long-running command inside the userland (the daemon under its supervisor). */
export function chrootSpawn(root: string, argv: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn('chroot', [root, ...argv], {
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}
