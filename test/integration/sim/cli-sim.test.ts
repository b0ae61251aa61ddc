/**
 * `tillqr sim` as a user runs it: a real child process that prints the page's and the broker's
 * addresses, serves the page, keeps its dev key and config in the state dir, and stops cleanly
 * on Ctrl-C (SIGINT); flags are checked and a taken port is a clear message with exit 69.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../src/cli/sim.js';
import { captureIo } from '../../../src/cli/io.js';
import { EXIT } from '../../../src/core/errors.js';
import { exited, spawnTs, waitForLine } from '../../helpers/child.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-cli-sim-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tillqr sim', () => {
  it('prints the page and broker addresses, serves the page and stops cleanly on SIGINT', async () => {
    const child = spawnTs(TILLQR, ['sim', '--port', '0', '--mqtt-port', '0', '--state-dir', join(dir, 'state'), '--panel', 'lcd-320x240'], { cwd: dir });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const pageLine = await waitForLine(child, /^\s+page:\s+http:\/\/127\.0\.0\.1:\d+\/$/, 40_000);
      const page = pageLine.trim().split(/\s+/)[1]!;
      // Printed in the same block as the page line.
      expect(out).toMatch(/^\s+broker:\s+mqtt:\/\/127\.0\.0\.1:\d+ \(embedded, MQTT 3\.1\.1\)$/m);
      expect(await (await fetch(page)).text()).toContain('<canvas id="panel"');
      const state = (await (await fetch(new URL('/api/state', page))).json()) as { deviceId: string; display: { panel: string }; devKid: string };
      expect(state.deviceId).toBe('sim-till-01');
      expect(state.display.panel).toBe('lcd-320x240');
      // Only the sim config trusts the dev key.
      const config = JSON.parse(await readFile(join(dir, 'state', 'config.json'), 'utf8')) as { trust: { backendKeys: { kid: string }[] }; hardware: string };
      expect(config.hardware).toBe('sim');
      expect(config.trust.backendKeys.map((k) => k.kid)).toEqual([state.devKid]);
      child.kill('SIGINT');
      const r = await exited(child);
      expect(r).toEqual({ code: 0, signal: null });
      expect(out).toContain('stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses bad flags with the usage line', async () => {
    for (const argv of [['--port', 'http'], ['--panel', 'crt-80x25'], ['--rotation', '45'], ['--broker', 'http://x'], ['--frobnicate']]) {
      const io = captureIo();
      const code = await run(argv, io).catch((e: { code?: string }) => (e.code === 'USAGE' ? EXIT.USAGE : -1));
      expect(code, argv.join(' ')).toBe(EXIT.USAGE);
    }
  });

  it('says which port is taken and exits 69', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const io = captureIo({}, dir);
      const code = await run(['--port', '0', '--mqtt-port', String(port), '--state-dir', join(dir, 'busy')], io);
      expect(code).toBe(EXIT.UNAVAILABLE);
      expect(io.err.join('')).toContain(`127.0.0.1:${port} is already in use, so the embedded MQTT broker cannot listen there`);
    } finally {
      server.close();
    }
  });
});
