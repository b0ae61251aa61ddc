/**
 * Stopping the simulator stops all of it: SIGINT or SIGTERM to `tillqr sim`, and SIGTERM to the
 * shell `npm start` runs it under (the shell dies, the simulator is reparented and must notice),
 * leave no node or socat behind and free the page and broker ports. The simulator keeps what it
 * writes in its --state-dir (an update job's releases included, not /opt/tillqr).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, spawnTs, waitForLine } from '../../helpers/child.js';
import { until } from '../../helpers/payment-kit.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));
const TSX = createRequire(import.meta.url).resolve('tsx');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-sim-stop-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const children = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((x) => x !== '')
      .map(Number);
  } catch {
    return [];
  }
};
const listening = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

function ports(out: string): { page: number; broker: number } {
  return { page: Number(/page:\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]), broker: Number(/broker:\s+mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1]) };
}

describe('stopping the simulator', () => {
  it('SIGTERM to the shell that npm start runs it under stops the simulator and its socat, and frees both ports', async () => {
    const stateDir = join(dir, 'npm');
    // `; true` keeps sh from exec-ing node, as npm's `sh -c` does for a script line.
    const sh = spawn('sh', ['-c', `"${process.execPath}" --import "${TSX}" "${TILLQR}" sim --port 0 --mqtt-port 0 --state-dir "${stateDir}"; true`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitForLine(sh, /Ctrl-C to stop/, 60_000);
    const node = children(sh.pid ?? 0)[0] ?? 0;
    expect(node).toBeGreaterThan(0);
    const socat = children(node).filter((p) => execFileSync('ps', ['-o', 'comm=', '-p', String(p)], { encoding: 'utf8' }).trim() === 'socat');
    const { page, broker } = ports(out);
    try {
      expect(await listening(page)).toBe(true);
      sh.kill('SIGTERM');
      await exited(sh);
      await until(() => !alive(node), 20_000, 'the simulator to stop after its shell died');
      for (const p of socat) await until(() => !alive(p), 10_000, 'socat to stop');
      expect(await listening(page)).toBe(false);
      expect(await listening(broker)).toBe(false);
    } finally {
      // A failed run must not leave its own processes behind.
      for (const p of [node, ...socat]) if (alive(p)) process.kill(p, 'SIGKILL');
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to tillqr sim exits 0 and leaves no socat`, async () => {
      const child = spawnTs(TILLQR, ['sim', '--port', '0', '--mqtt-port', '0', '--state-dir', join(dir, signal)]);
      await waitForLine(child, /Ctrl-C to stop/, 60_000);
      const kids = children(child.pid ?? 0);
      child.kill(signal);
      expect(await exited(child)).toEqual({ code: 0, signal: null });
      for (const p of kids) await until(() => !alive(p), 10_000, `child ${p} to stop`);
    });
  }

  it("keeps an update job's releases in the state dir, not /opt/tillqr", async () => {
    const config = JSON.parse(await readFile(join(dir, 'SIGINT', 'config.json'), 'utf8')) as { fleet?: { releaseRoot?: string } };
    expect(config.fleet?.releaseRoot).toBe(join(dir, 'SIGINT', 'releases'));
  });
});
