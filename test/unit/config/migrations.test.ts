/**
 * Config across releases (decision 0008): the format version, forward migrations with a backup,
 * and a file written by a newer release (a higher version, keys this release does not know) that
 * still opens with the keys it knows, keeps the rest in the file, and says so.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run as configCli } from '../../../src/cli/config.js';
import type { CliIo } from '../../../src/cli/io.js';
import { ConfigStore } from '../../../src/config/config-store.js';
import { loadConfig } from '../../../src/config/load.js';
import { CONFIG_VERSION, migrateConfig, type Migration } from '../../../src/config/migrations.js';
import { EXIT } from '../../../src/core/errors.js';
import { createLogger, memorySink, silentLogger } from '../../../src/core/logger.js';
import { makeKey } from '../../helpers/payment-kit.js';

async function fileWith(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-migrate-'));
  const p = join(dir, 'config.json');
  await writeFile(p, JSON.stringify(content));
  return p;
}

/** Two steps a future release might add: a key renamed, then a key moved into a section. */
const STEPS: Migration[] = [
  {
    from: 1,
    describe: 'logging.level becomes logLevel',
    migrate: (raw) => {
      const l = raw.logging as { level?: unknown } | undefined;
      if (l?.level !== undefined) raw.logLevel = l.level;
      delete raw.logging;
    },
  },
  { from: 2, describe: 'no change of keys', migrate: () => undefined },
];

/** A file a newer release (format CONFIG_VERSION + 1) wrote: one section and one key this release does not know. */
const NEWER = {
  configVersion: CONFIG_VERSION + 1,
  deviceId: 'till-n1',
  display: { rotation: 90, dither: 'atkinson' },
  loyalty: { programme: 'stamps', every: 10 },
  trust: { backendKeys: [] },
};

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '', env: {} as NodeJS.ProcessEnv, stdout: (t: string) => void (o.out += t), stderr: (t: string) => void (o.err += t) };
  return o as unknown as CliIo & { out: string; err: string };
}

describe('config format version and migrations', () => {
  it('treats a file without configVersion as format 1 and leaves a current file alone', () => {
    const raw = { deviceId: 'x' };
    const r = migrateConfig(raw);
    expect(r).toMatchObject({ fileVersion: 1, newer: false, steps: [] });
    expect(r.raw).toBe(raw);
  });

  it('migrates step by step to the target, stamping each version, without touching the input', () => {
    const raw = { logging: { level: 'debug' }, deviceId: 'x' };
    const r = migrateConfig(raw, STEPS, 3);
    expect(r.steps.map((s) => [s.from, s.to])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(r.raw).toEqual({ deviceId: 'x', logLevel: 'debug', configVersion: 3 });
    expect(raw).toEqual({ logging: { level: 'debug' }, deviceId: 'x' });
    // From the middle: only the later step runs.
    expect(migrateConfig({ configVersion: 2 }, STEPS, 3).steps.map((s) => s.from)).toEqual([2]);
  });

  it('refuses a file it has no migration for, naming the step', () => {
    expect(() => migrateConfig({}, [], 2)).toThrow(/no migration from format 1 to 2/);
  });

  it('never migrates a file of a newer format', () => {
    const r = migrateConfig({ configVersion: 9 }, STEPS, 3);
    expect(r).toMatchObject({ fileVersion: 9, newer: true, steps: [] });
  });

  it('backs the file up as config.json.v1.bak before rewriting it, and logs each step', async () => {
    const original = { logging: { level: 'warn' }, deviceId: 'till-m' };
    const path = await fileWith(original);
    const sink = memorySink();
    const s = await ConfigStore.open(path, {}, createLogger('t', { sink }), { migrations: STEPS, target: 3 });
    expect(s.current.logLevel).toBe('warn');
    expect(s.compat.migrated.map((m) => m.to)).toEqual([2, 3]);
    expect(JSON.parse(await readFile(`${path}.v1.bak`, 'utf8'))).toEqual(original);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ deviceId: 'till-m', logLevel: 'warn', configVersion: 3 });
    const steps = sink.lines
      .map((l) => JSON.parse(l.replace(/^<\d>/, '')) as { msg: string; step?: string })
      .filter((l) => l.msg === 'migrating the configuration');
    expect(steps.map((l) => l.step)).toEqual(['logging.level becomes logLevel', 'no change of keys']);
    // No temp file is left beside it; a second open migrates nothing.
    expect((await readdir(join(path, '..'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await ConfigStore.open(path, {}, silentLogger, { migrations: STEPS, target: 3 })).compat.migrated).toEqual([]);
  });
});

describe('a config file written by a newer release', () => {
  it('opens with the keys this release knows, lists the others, and does not rewrite the file', async () => {
    const path = await fileWith(NEWER);
    const before = await readFile(path, 'utf8');
    const sink = memorySink();
    const s = await ConfigStore.open(path, {}, createLogger('t', { sink }));
    expect(s.current.deviceId).toBe('till-n1');
    expect(s.current.display.rotation).toBe(90);
    expect(s.compat).toMatchObject({ fileVersion: CONFIG_VERSION + 1, newer: true, ignored: ['display.dither', 'loyalty'] });
    expect(sink.lines.filter((l) => l.includes('configuration read in part'))).toHaveLength(3);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('keeps the newer keys through a change of a known key, but refuses a new unknown key', async () => {
    const path = await fileWith(NEWER);
    const s = await ConfigStore.open(path, {}, silentLogger);
    await s.setText('display.rotation', '180', 'console');
    const onDisk = JSON.parse(await readFile(path, 'utf8')) as typeof NEWER;
    expect(onDisk.display).toEqual({ rotation: 180, dither: 'atkinson' });
    expect(onDisk.loyalty).toEqual(NEWER.loyalty);
    expect(onDisk.configVersion).toBe(CONFIG_VERSION + 1);
    await expect(s.merge({ display: { contrast: 3 } }, 'fleet')).rejects.toThrow(/display.contrast: is not a known key/);
    // Factory reset replaces the whole file: the newer keys go with it.
    await s.replace({}, 'reset');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({});
    expect(s.compat.ignored).toEqual([]);
  });

  it('still refuses an invalid value of a known key', async () => {
    const path = await fileWith({ ...NEWER, display: { rotation: 45 } });
    await expect(ConfigStore.open(path, {}, silentLogger)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(loadConfig({ path })).rejects.toThrow(/display.rotation: 45/);
  });

  it('passes `tillqr config check` with a warning per key (exit 0); an invalid known key exits 78', async () => {
    const path = await fileWith(NEWER);
    const a = io();
    expect(await configCli(['check', '--config', path], a)).toBe(EXIT.OK);
    expect(a.out).toContain(`${path}: ok`);
    expect(a.out).toContain('warning: loyalty: is not a key this release knows; ignored');
    expect(a.out).toContain('warning: display.dither: is not a key this release knows');
    expect(a.out).toMatch(/warning: configVersion 2: written by a newer release/);
    const loaded = await loadConfig({ path });
    expect(loaded.ignored).toEqual(['display.dither', 'loyalty']);
  });

  it('reads unknown keys inside list items too (a trusted key with a field a newer release added)', async () => {
    const k = makeKey();
    const path = await fileWith({ deviceId: 'x', trust: { backendKeys: [{ kid: k.kid, publicKeyPem: k.publicKeyPem, notAfter: 1_900_000_000 }] } });
    const loaded = await loadConfig({ path });
    expect(loaded.ignored).toEqual(['trust.backendKeys[0].notAfter']);
    expect(loaded.config.trust.backendKeys).toEqual([{ kid: k.kid, publicKeyPem: k.publicKeyPem }]);
  });
});

describe('a config file with an invalid known key, opened degraded', () => {
  it('keeps the sections that are valid on their own, defaults the others, and becomes whole again with a fixing change', async () => {
    const path = await fileWith({ deviceId: 'till-d', console: { port: '/dev/ttyGS0' }, display: { rotation: 45 } });
    await expect(ConfigStore.open(path, {}, silentLogger)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    const s = await ConfigStore.open(path, {}, silentLogger, { degradeOnInvalid: true });
    expect(s.compat.invalid).toEqual(['display.rotation: 45 is not one of 0, 90, 180, 270']);
    expect(s.current.console.port).toBe('/dev/ttyGS0');
    expect(s.current.display.rotation).toBe(0);
    // Another change is still validated against the whole file: refused while the file stays broken.
    await expect(s.setText('logLevel', 'debug', 'console')).rejects.toThrow(/display.rotation: 45/);
    const fixed = await s.setText('display.rotation', '90', 'console');
    expect(s.compat.invalid).toEqual([]);
    expect(fixed.restartRequired).toContain('display.rotation');
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ deviceId: 'till-d', console: { port: '/dev/ttyGS0' }, display: { rotation: 90 } });
  });
});
