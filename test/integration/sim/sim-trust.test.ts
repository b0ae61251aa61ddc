/**
 * The README's backend section as a user runs it, each step a real `tillqr` child process:
 * `keys generate` -> `sim --trust KEY.pub.pem` -> `backend charge` -> `backend confirm`, against the
 * simulator's embedded MQTT 3.1.1 broker, with no --mqtt3 and no pasted JSON. Bad --trust files are
 * refused with the flag's name.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as sim } from '../../../src/cli/sim.js';
import { captureIo } from '../../../src/cli/io.js';
import { EXIT } from '../../../src/core/errors.js';
import { trustListFor } from '../../../src/cli/keys.js';
import type { SimKey } from '../../../src/sim/dev-keys.js';
import { DEFAULT_DISPLAY, simConfigRaw } from '../../../src/sim/sim-config.js';
import { collectLines, exited, spawnTs, waitForLine } from '../../helpers/child.js';
import { makeKey } from '../../helpers/payment-kit.js';

const TILLQR = fileURLToPath(new URL('../../../src/cli/tillqr.ts', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-sim-trust-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tillqr(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawnTs(TILLQR, args, { cwd: dir });
  const out: string[] = [];
  const err: string[] = [];
  collectLines(child.stdout, out);
  collectLines(child.stderr, err);
  const r = await exited(child);
  return { code: r.code, out: out.join('\n'), err: err.join('\n') };
}

describe('tillqr sim --trust', () => {
  it('trusts a key from keys generate, so backend charge and confirm work verbatim against the simulator', async () => {
    const gen = await tillqr(['keys', 'generate', '--out', 'keys/']);
    expect(gen.code).toBe(0);
    const kid = gen.out.trim();
    expect(gen.err).toContain('npx tillqr sim --trust');
    const child = spawnTs(TILLQR, ['sim', '--port', '0', '--mqtt-port', '0', '--state-dir', join(dir, 'state'), '--trust', 'keys/backend.pub.pem'], {
      cwd: dir,
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await waitForLine(child, /Ctrl-C to stop/, 60_000);
      const broker = /^\s+broker:\s+(mqtt:\/\/127\.0\.0\.1:\d+)/m.exec(out)?.[1] ?? '';
      expect(out).toMatch(new RegExp(`^\\s+trusts:\\s+${kid} \\(.*keys/backend\\.pub\\.pem\\)$`, 'm'));
      const config = JSON.parse(await readFile(join(dir, 'state', 'config.json'), 'utf8')) as { trust: { backendKeys: { kid: string }[] } };
      expect(config.trust.backendKeys.map((k) => k.kid)).toContain(kid);
      const common = ['--broker', broker, '--device', 'sim-till-01', '--key', 'keys/backend.key.pem', `--kid=${kid}`, '--amount', '1200', '--order', 'A-1'];
      const charge = await tillqr(['backend', 'charge', ...common]);
      expect(charge.err).not.toContain('unknown_kid');
      expect(charge.code).toBe(0);
      expect(JSON.parse(charge.out)).toMatchObject({ type: 'displayed', orderId: 'A-1' });
      const confirm = await tillqr(['backend', 'confirm', ...common, '--wallet', 'LINE Pay']);
      expect(confirm.code).toBe(0);
      expect(JSON.parse(confirm.out)).toMatchObject({ type: 'paid', orderId: 'A-1' });
      child.kill('SIGINT');
      expect(await exited(child)).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a --trust file that is missing or not an Ed25519 public key, naming the flag', async () => {
    await writeFile(join(dir, 'junk.pem'), 'not a key\n');
    for (const file of ['nope.pub.pem', 'junk.pem']) {
      const io = captureIo({}, dir);
      expect(await sim(['--port', '0', '--mqtt-port', '0', '--state-dir', join(dir, 'bad'), '--trust', file], io)).toBe(EXIT.USAGE);
      expect(io.err.join('')).toContain(`--trust ${file}`);
    }
  });

  it('is repeatable: every --trust key joins the dev key, once each', () => {
    const k1 = makeKey();
    const k2 = makeKey();
    const dev = { kid: 'sim-dev-x', publicKeyPem: makeKey().publicKeyPem } as SimKey;
    const raw = simConfigRaw({
      stateDir: dir,
      deviceId: 'sim-till-01',
      mqttUrl: 'mqtt://127.0.0.1:1',
      protocolVersion: 4,
      display: DEFAULT_DISPLAY,
      devKey: dev,
      trustedKeys: [k1, k2, k1].map((k) => ({ kid: k.kid, publicKeyPem: k.publicKeyPem, path: 'x' })),
    }) as { trust: { backendKeys: { kid: string }[] } };
    expect(raw.trust.backendKeys.map((k) => k.kid)).toEqual(['sim-dev-x', k1.kid, k2.kid]);
  });

  it('keys generate names the trust list that matches the key: release and fleet keys are not backend keys', () => {
    expect(trustListFor('backend')).toBe('trust.backendKeys');
    expect(trustListFor('release')).toBe('trust.releaseKeys');
    expect(trustListFor('fleet-2026')).toBe('trust.fleetKeys');
  });
});
