/**
 * The owner-state list and the start-time owner check (src/store/owner-state.ts,
 * src/store/owner-change.ts) on real files: what each scope wipes, what a factory reset keeps
 * (releases, the anti-rollback floor, a release in its health window), and which change of the
 * configuration wipes what at the next start.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { ownerChange, ownerOf, settleOwner } from '../../../src/store/owner-change.js';
import { ownerStatePaths, wipeOwnerState } from '../../../src/store/owner-state.js';
import { makeKey, tempDir } from './fleet-kit.js';

const FILES = [
  'fleet/desired-config.json',
  'payment-state.json',
  'payment-state.json.corrupt-1767225600000',
  'fleet/update-state.json',
  'fleet/downloads/job-1.artifact',
  'console/lockout.json',
  'owner.json',
];

async function filled(): Promise<{ stateDir: string; configPath: string; etc: string; opt: string }> {
  const stateDir = await tempDir('tillqr-owner-');
  const etc = await tempDir('tillqr-etc-');
  const opt = await tempDir('tillqr-opt-');
  await mkdir(join(opt, 'releases/1.0.0'), { recursive: true });
  await mkdir(join(opt, 'config-snapshots'));
  await writeFile(join(opt, 'releases/1.0.0/package.json'), '{}');
  await writeFile(join(opt, 'config-snapshots/1.0.0.json'), '{"deviceId":"old"}');
  for (const f of FILES) {
    await mkdir(join(stateDir, f, '..'), { recursive: true });
    await writeFile(
      join(stateDir, f),
      f === 'fleet/update-state.json'
        ? JSON.stringify({ floor: '1.4.0', last: { jobId: 'old-job', version: '1.4.0', state: 'succeeded', at: 1, published: false }, done: ['old-job'] })
        : '{}',
    );
  }
  await mkdir(join(etc, 'tls'));
  for (const f of [
    'tls/ca-0123456789ab.pem',
    'tls/client-0123456789ab.key',
    'tls/my-own-ca.pem',
    'config.json',
    'config.json.v1.bak',
    'config.json.rollback.bak',
  ])
    await writeFile(join(etc, f), 'x');
  return { stateDir, configPath: join(etc, 'config.json'), etc, opt };
}

const left = (stateDir: string) => FILES.filter((f) => existsSync(join(stateDir, f)));

describe('owner state', () => {
  it('lists every piece of owner state in one place; of the release root only the config snapshots', () => {
    const paths = ownerStatePaths('/var/lib/tillqr', '/etc/tillqr/config.json', '/opt/tillqr').map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/var/lib/tillqr/fleet/desired-config.json',
        '/var/lib/tillqr/payment-state.json',
        '/var/lib/tillqr/fleet/update-state.json',
        '/var/lib/tillqr/console/lockout.json',
        '/etc/tillqr/tls',
      ]),
    );
    expect(paths.filter((p) => p.startsWith('/opt/tillqr'))).toEqual(['/opt/tillqr/config-snapshots']);
  });

  it('a factory reset wipes it all but keeps the floor, the TLS files it did not write and the config file', async () => {
    const { stateDir, configPath, etc, opt } = await filled();
    const wiped = await wipeOwnerState(stateDir, configPath, 'all', opt);
    expect(existsSync(join(opt, 'config-snapshots/1.0.0.json'))).toBe(false);
    expect(existsSync(join(opt, 'releases/1.0.0/package.json'))).toBe(true);
    expect(left(stateDir)).toEqual(['fleet/update-state.json']);
    expect(JSON.parse(await readFile(join(stateDir, 'fleet/update-state.json'), 'utf8'))).toEqual({ floor: '1.4.0', done: [] });
    expect(existsSync(join(etc, 'tls/ca-0123456789ab.pem'))).toBe(false);
    expect(existsSync(join(etc, 'config.json.v1.bak'))).toBe(false);
    expect(existsSync(join(etc, 'config.json.rollback.bak'))).toBe(false);
    expect(existsSync(join(etc, 'tls/my-own-ca.pem'))).toBe(true);
    expect(existsSync(configPath)).toBe(true);
    expect([...new Set(wiped.map((w) => w.what))]).toEqual([
      'fleet documents and version counters',
      'config snapshots kept with the releases',
      'sale state, payment history and replay cache',
      'payment state set aside as corrupt',
      'update job history',
      'partial update downloads',
      'console lockout state',
      'TLS files from the bundle',
      'config backups',
      'owner record',
    ]);
    expect(await wipeOwnerState(stateDir, configPath, 'all', opt)).toEqual([{ what: 'update job history', path: join(stateDir, 'fleet/update-state.json') }]);
  });

  it("a new fleet key wipes the fleet documents only; a new device id the identity's state too", async () => {
    const a = await filled();
    await wipeOwnerState(a.stateDir, a.configPath, 'fleet', a.opt);
    expect(left(a.stateDir)).toEqual(FILES.filter((f) => f !== 'fleet/desired-config.json'));
    expect(existsSync(join(a.opt, 'config-snapshots/1.0.0.json'))).toBe(false);
    const b = await filled();
    await wipeOwnerState(b.stateDir, b.configPath, 'identity');
    expect(left(b.stateDir)).toEqual(['fleet/update-state.json', 'console/lockout.json', 'owner.json']);
  });
});

describe('the owner check at start', () => {
  const k1 = makeKey();
  const k2 = makeKey();
  const config = (deviceId: string, keys = [k1], releaseRoot = '/opt/tillqr') =>
    validateConfig({ deviceId, fleet: { releaseRoot }, trust: { fleetKeys: keys.map((k) => ({ kid: k.kid, publicKeyPem: k.publicKeyPem })) } });

  it('decides from deviceId and the fleet keys (their order and PEM layout do not count)', () => {
    const a = ownerOf(config('till-1', [k1, k2]));
    expect(ownerChange(a, ownerOf(config('till-1', [k2, k1])))).toBeUndefined();
    const reflowed = {
      deviceId: 'till-1',
      trust: { fleetKeys: [k2, k1].map((k) => ({ kid: k.kid, publicKeyPem: `${k.publicKeyPem.trim().replace(/\n/g, '\r\n')}\r\n` })) },
    };
    expect(ownerChange(a, ownerOf(reflowed))).toBeUndefined();
    expect(ownerChange(a, ownerOf(config('till-1', [k1])))).toBe('fleet');
    expect(ownerChange(a, ownerOf(config('till-2', [k1, k2])))).toBe('identity');
    expect(ownerChange(undefined, a)).toBeUndefined();
  });

  it('records the first owner without wiping, then wipes what each change leaves behind', async () => {
    const { stateDir, configPath, opt } = await filled();
    const sink = memorySink();
    const logger = createLogger('t', { sink });
    const { rm } = await import('node:fs/promises');
    await rm(join(stateDir, 'owner.json'));
    expect(await settleOwner({ stateDir, configPath, config: config('till-1', [k1], opt), logger })).toEqual({ scope: undefined, wiped: [] });
    expect(left(stateDir)).toEqual(FILES);
    expect((await settleOwner({ stateDir, configPath, config: config('till-1', [k2], opt), logger })).scope).toBe('fleet');
    expect(left(stateDir)).toEqual(FILES.filter((f) => f !== 'fleet/desired-config.json'));
    expect(existsSync(join(opt, 'config-snapshots/1.0.0.json'))).toBe(false);
    expect(sink.lines.some((l) => l.includes('"action":"owner-change"') && l.includes('trust.fleetKeys changed'))).toBe(true);
    expect((await settleOwner({ stateDir, configPath, config: config('till-1', [k2]), logger })).scope).toBeUndefined();
    const r = await settleOwner({ stateDir, configPath, config: config('till-9', [k2]), logger });
    expect(r.scope).toBe('identity');
    expect(left(stateDir)).toEqual(['fleet/update-state.json', 'console/lockout.json', 'owner.json']);
    expect(JSON.parse(await readFile(join(stateDir, 'owner.json'), 'utf8'))).toMatchObject({ deviceId: 'till-9' });
  });
});
