/**
 * Every shell command in README.md's code blocks, taken from README.md when the test runs, in
 * order, as real child processes: the README cannot drift from the code again. A command is run
 * (exit 0 expected), started as the simulator and used by the commands after it (long-running:
 * `npm start`, `tillqr sim`), or listed in SKIP below with the reason. A command the README gains
 * that none of these covers fails the test until it is run here or listed with a reason.
 *
 * Placeholders are filled from earlier steps: `KID` is what `keys generate` printed, the
 * simulator's ports stand in for 127.0.0.1:8080 and :1883 (a fixed port collides with other runs
 * on the same machine; the simulators get --port 0 --mqtt-port 0 and their own --state-dir), and
 * the fleet commands reach the running simulator's broker through TILLQR_FLEET_URL. Files a command
 * expects from steps the README leaves to the reader (release.key.pem, the release artifact) are
 * made first with the project's own commands.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, waitForLine } from '../../helpers/child.js';

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TILLQR_JS = join(ROOT, 'dist/src/cli/tillqr.js');
const run = promisify(execFile);

/** Commands not run here, each with why; matched against the command as the README has it. */
const SKIP: readonly { readonly match: RegExp; readonly reason: string }[] = [
  {
    match: /^npm ci$/,
    reason:
      'reinstalls node_modules in the checkout every engineer shares; beforeAll runs `npm run build`, the part of `npm ci` (its prepare script) that `npm start` needs',
  },
  { match: /^npm run test:deps$/, reason: 'installs system packages with apt (root); the machine running this test already has them' },
  { match: /^npm test$/, reason: 'the whole suite, which includes this test' },
  {
    match: /^npm run (check|bench|reliability|gallery|test:target)$/,
    reason:
      'the suite, the benchmarks, the fuzzing/soak runs, the gallery and the emulated Pi OS suite: minutes of CPU each, run by CI (.ci/run) and `npm run check`',
  },
  {
    match: /^npm run release\b/,
    reason:
      "builds a release artifact for a Pi (the lead's tools/release/ has its own tests); the artifact the fleet commands sign is made here with a stand-in file",
  },
  {
    match: /^npx tillqr provision --port \/dev\/ttyUSB0\b/,
    reason:
      "a till on a serial cable; test/integration/console/provision-cli.test.ts runs `tillqr provision --port` over a real pty against the daemon (the example bundle's broker, broker.example.com, is not reachable from here)",
  },
  { match: /^(sudo )?device\/install\.sh\b/, reason: 'installs on Raspberry Pi OS as root; test/target/ runs it in a Pi OS image' },
];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    // parentPath from Node 20.12; `path` before it.
    const parent = (e as { parentPath?: string; path?: string }).parentPath ?? (e as { path?: string }).path ?? dir;
    if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, (await stat(join(parent, e.name))).mtimeMs);
  }
  return newest;
}

async function distIsFresh(): Promise<boolean> {
  const built = await stat(TILLQR_JS).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  return built > 0 && built >= (await newestMtime(join(ROOT, 'src')));
}

interface Command {
  readonly text: string;
  readonly block: number;
}

/** Every command in the README's sh code blocks: one per line, `&&` chains split, comments dropped. */
export function readmeCommands(readme: string): Command[] {
  const out: Command[] = [];
  let block = 0;
  for (const m of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    block++;
    for (const raw of (m[1] ?? '').split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      for (const part of line.split(/\s+&&\s+/)) out.push({ text: part.trim(), block });
    }
  }
  return out;
}

/** Split like a shell would for these simple lines: words, "double quoted" words, one `> FILE`. */
function words(cmd: string): { argv: string[]; redirect?: string } {
  const argv: string[] = [];
  let redirect: string | undefined;
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let next: 'arg' | 'redirect' = 'arg';
  for (const m of cmd.matchAll(re)) {
    const w = m[1] ?? m[2] ?? m[3] ?? '';
    if (m[3] === '>') next = 'redirect';
    else if (next === 'redirect') {
      redirect = w;
      next = 'arg';
    } else argv.push(w);
  }
  return redirect !== undefined ? { argv, redirect } : { argv };
}

interface Sim {
  readonly child: ChildProcess;
  readonly page: string;
  readonly broker: string;
  readonly out: string;
}

describe('README.md', () => {
  let dir: string;
  let sim: Sim | undefined;
  const ran: string[] = [];
  const skipped: string[] = [];
  const filled: Record<string, string> = {};

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tillqr-readme-'));
    // What `npm ci` builds (its prepare script), when dist/ is older than src/ (in CI it is fresh:
    // rebuilding it under the other test files that run dist/ would only add a race).
    if (!(await distIsFresh()))
      await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 240_000 }).catch((e: { stderr?: string }) => {
        // Type errors elsewhere in a shared tree still emit JavaScript; the commands below tell.
        process.stderr.write(`npm run build reported problems (continuing with what it emitted): ${e.stderr?.slice(0, 500) ?? ''}\n`);
      });
  }, 300_000);
  afterAll(async () => {
    await stopSim();
    await rm(dir, { recursive: true, force: true });
  });

  async function stopSim(): Promise<void> {
    const s = sim;
    sim = undefined;
    if (s === undefined || s.child.exitCode !== null) return;
    s.child.kill('SIGTERM');
    const r = await exited(s.child);
    // tillqr exits 0; npm passes the signal on and then ends by it.
    expect(r.code === 0 || r.signal === 'SIGTERM', `the simulator did not stop cleanly (${JSON.stringify(r)}):\n${s.out.slice(-2000)}`).toBe(true);
    // Stopped whole: nothing keeps serving the page (no orphaned simulator under npm's shell).
    await until(
      async () =>
        (await fetch(s.page).then(
          () => true,
          () => false,
        )) === false,
      20_000,
      `the page at ${s.page} to go away`,
    );
  }

  /** A long-running simulator command: start it, wait for its banner, check the page. */
  async function startSim(argv: string[], cwd: string, n: number): Promise<void> {
    await stopSim();
    const extra = ['--port', '0', '--mqtt-port', '0', '--state-dir', join(dir, `sim-${n}`)];
    const [cmd, ...args] = argv[0] === 'npm' ? [...argv, '--', ...extra] : [process.execPath, TILLQR_JS, ...argv.slice(2), ...extra];
    const child = spawn(cmd ?? 'false', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitForLine(child, /Ctrl-C to stop/, 90_000);
    const page = /page:\s+(http:\/\/127\.0\.0\.1:\d+)\/?/.exec(out)?.[1] ?? '';
    const broker = /broker:\s+(mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
    sim = {
      child,
      page,
      broker,
      get out() {
        return out;
      },
    };
    expect(await (await fetch(page)).text()).toContain('<canvas id="panel"');
  }

  function fill(text: string): string {
    let t = text;
    for (const [k, v] of Object.entries(filled)) t = t.replace(new RegExp(`\\b${k}\\b`, 'g'), v);
    if (sim !== undefined) t = t.replace(/mqtt:\/\/127\.0\.0\.1:1883/g, sim.broker).replace(/http:\/\/127\.0\.0\.1:8080/g, sim.page);
    return t;
  }

  /** Run one command to completion; returns its stdout. */
  async function runOnce(text: string): Promise<string> {
    const { argv, redirect } = words(fill(text));
    // `npx tillqr` runs this package's bin, dist/src/cli/tillqr.js; from a scratch directory outside
    // the checkout npx would look the name up in the registry instead.
    const [cmd, ...args] = argv[0] === 'npx' && argv[1] === 'tillqr' ? [process.execPath, TILLQR_JS, ...argv.slice(2)] : argv;
    const env = { ...process.env, NO_COLOR: '1', ...(sim !== undefined ? { TILLQR_FLEET_URL: sim.broker } : {}) };
    let r: { stdout: string; stderr: string };
    try {
      r = await run(cmd ?? 'false', args, { cwd: dir, env, timeout: 120_000, maxBuffer: 16 << 20 });
    } catch (e) {
      const x = e as { code?: unknown; stdout?: string; stderr?: string };
      throw new Error(`README command failed (exit ${String(x.code)}): ${text}\n${x.stdout ?? ''}\n${x.stderr ?? ''}\n${sim?.out.slice(-1500) ?? ''}`);
    }
    if (redirect !== undefined) await writeFile(join(dir, redirect), r.stdout);
    return r.stdout;
  }

  /** Files the README's fleet commands expect from steps it leaves to the reader. */
  async function prepareFleetFiles(): Promise<void> {
    await runOnce('npx tillqr keys generate --name release --out .');
    // A stand-in for the release artifact `npm run release` builds: the same layout (package.json
    // and dist/src/cli/tillqr.js in a tar.gz), small (installing a real one is tools/release's test).
    const tree = join(dir, 'release-tree');
    await mkdir(join(tree, 'dist/src/cli'), { recursive: true });
    await writeFile(join(tree, 'package.json'), JSON.stringify({ name: 'tillqr', version: '1.4.0' }));
    await writeFile(join(tree, 'dist/src/cli/tillqr.js'), "process.stdout.write('tillqr 1.4.0\\n');\n");
    await mkdir(join(dir, 'out'), { recursive: true });
    await run('tar', ['-czf', join(dir, 'out/tillqr-1.4.0-linux-arm64.tar.gz'), '-C', tree, '.']);
  }

  it('runs every command in its code blocks as written (placeholders filled from earlier steps)', async () => {
    const commands = readmeCommands(await readFile(join(ROOT, 'README.md'), 'utf8'));
    expect(commands.length).toBeGreaterThan(10);
    let n = 0;
    let fleetReady = false;
    for (const c of commands) {
      n++;
      const skip = SKIP.find((s) => s.match.test(c.text));
      if (skip !== undefined) {
        skipped.push(c.text);
        continue;
      }
      const argv = words(c.text).argv;
      if ((argv[0] === 'npm' && argv[1] === 'start') || (argv[0] === 'npx' && argv[1] === 'tillqr' && argv[2] === 'sim')) {
        await startSim(words(fill(c.text)).argv, argv[0] === 'npm' ? ROOT : dir, n);
      } else if (argv[0] === 'npx' && argv[1] === 'tillqr') {
        if (argv[2] === 'fleet' && !fleetReady) {
          await prepareFleetFiles();
          fleetReady = true;
        }
        const out = await runOnce(c.text);
        if (argv[2] === 'keys' && argv[3] === 'generate') filled.KID = out.trim();
      } else {
        throw new Error(`README.md has a command this test neither runs nor skips: ${c.text}\nrun it here, or add it to SKIP with the reason`);
      }
      ran.push(c.text);
    }
    await stopSim();
    // The backend section worked end to end: a key, a trusting simulator, a charge and its confirmation.
    expect(ran.some((t) => t.includes('backend confirm'))).toBe(true);
    expect(ran.some((t) => t.includes('fleet status'))).toBe(true);
    expect(skipped.length).toBeLessThan(ran.length);
    expect(ran.length).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
