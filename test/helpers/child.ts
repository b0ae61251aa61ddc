/**
 * Run a TypeScript helper script as a real child process (tsx is a dev-only loader: tests only;
 * the daemon itself runs compiled JavaScript).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const TSX = require.resolve('tsx');

export function helperPath(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/**
 * Bundle a helper script once into plain JavaScript (esbuild), so that tests which start it
 * hundreds of times pay Node's start-up only, not a TypeScript loader's.
 */
const bundles = new Map<string, Promise<string>>();
export function bundleHelper(script: string): Promise<string> {
  let p = bundles.get(script);
  if (p === undefined) {
    p = (async () => {
      const { build } = await import('esbuild');
      const out = join(await mkdtemp(join(tmpdir(), 'tillqr-helper-')), basename(script).replace(/\.ts$/, '.mjs'));
      await build({
        entryPoints: [script],
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: out,
        packages: 'external',
        logLevel: 'silent',
      });
      return out;
    })();
    bundles.set(script, p);
  }
  return p;
}

export function spawnJs(script: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

export function spawnTs(script: string, args: string[] = [], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** Resolve with the exit code (or signal) of a child. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Append every complete line the stream writes to `into` (a last line without its newline waits for it). */
export function collectLines(stream: NodeJS.ReadableStream | null, into: string[]): void {
  let buf = '';
  stream?.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    into.push(...parts);
  });
}

/** Wait until the child prints a line matching `re` on stdout. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no line matching ${String(re)} within ${timeoutMs} ms; got: ${buf.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const lines = buf.split('\n');
      for (const l of lines) {
        if (re.test(l)) {
          cleanup();
          resolve(l);
          return;
        }
      }
    };
    const onExit = (): void => {
      cleanup();
      reject(new Error(`child exited before a line matching ${String(re)}; got: ${buf.slice(-500)}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
