/**
 * Faults the reliability runs (bench/reliability) found, each pinned by the smallest test that
 * shows it, beside the CI short forms of the runs themselves.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/core/logger.js';
import { REPLAY_RETENTION_SEC, ReplayCache } from '../../../src/payment/replay-cache.js';

describe('found by the soak', () => {
  it('the replay cache forgets expired jtis as it goes, so the state file stays the size of the live set', () => {
    // A till taking a signed message every 3 minutes for 30 days: about 500 jtis are live at any
    // time (25 h). Before the fix the cache kept every jti until it reached its bound of 20,000,
    // and the device rewrote all of them (2.3 MB of JSON) with every accepted message.
    const c = new ReplayCache();
    const start = Date.UTC(2026, 0, 1);
    const stepMs = 3 * 60_000;
    let maxSize = 0;
    for (let i = 0; i < 30 * 480; i++) {
      const now = start + i * stepMs;
      c.add(`jti-${i}`, now, now + 300_000);
      maxSize = Math.max(maxSize, c.size);
    }
    const live = Math.ceil((REPLAY_RETENTION_SEC * 1000) / stepMs) + 1;
    expect(maxSize).toBeLessThanOrEqual(live);
    expect(c.snapshot().length).toBeLessThanOrEqual(live);
    // Still refuses what it must: the last 25 h of jtis are all remembered.
    const last = 30 * 480 - 1;
    for (const i of [last, last - 100, last - live + 2]) expect(c.lookup(`jti-${i}`).seen).toBe(true);
  });
});

describe('found by the config fuzzing', () => {
  it('a deeply nested config file is refused with CONFIG_INVALID, not a stack overflow', async () => {
    // Before the fix ConfigStore.open (what the daemon runs first) died in structuredClone with
    // "RangeError: Maximum call stack size exceeded" from about 4,000 levels on.
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-deep-config-'));
    try {
      const path = join(dir, 'config.json');
      const text = `{"deviceId":"till-1","display":{"rotation":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      await writeFile(path, text);
      await expect(ConfigStore.open(path, {}, silentLogger)).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID', message: expect.stringContaining('nested') as unknown });
      await expect(loadConfig({ path })).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      expect(await readFile(path, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a deeply nested value for `set` or a merged partial is refused with CONFIG_INVALID and changes nothing', async () => {
    // Before the fix the console answered INTERNAL "Maximum call stack size exceeded".
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-deep-set-'));
    try {
      const path = join(dir, 'config.json');
      await writeFile(path, '{"deviceId":"till-1"}');
      const store = await ConfigStore.open(path, {}, silentLogger);
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      await expect(store.setText('merchant.accounts', deep, 'test')).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      await expect(store.merge({ merchant: JSON.parse(deep) as unknown }, 'test')).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      await expect(store.replace({ deviceId: 'till-1', merchant: JSON.parse(deep) as unknown }, 'test')).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      expect(await readFile(path, 'utf8')).toBe('{"deviceId":"till-1"}');
      expect(store.current.deviceId).toBe('till-1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
