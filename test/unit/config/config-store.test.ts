import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, type ConfigChange } from '../../../src/config/config-store.js';
import { silentLogger } from '../../../src/core/logger.js';

async function store(initial: unknown, env: NodeJS.ProcessEnv = {}): Promise<ConfigStore> {
  const dir = await mkdtemp(join(tmpdir(), 'tillqr-cstore-'));
  const path = join(dir, 'config.json');
  await writeFile(path, JSON.stringify(initial));
  return ConfigStore.open(path, env, silentLogger);
}

describe('ConfigStore', () => {
  it('sets a key from text, persists it and says whether it applies live', async () => {
    const s = await store({ deviceId: 'till-1' });
    const seen: ConfigChange[] = [];
    s.onChange((c) => seen.push(c));
    const live = await s.setText('display.rotation', '180', 'console');
    expect(live.changed).toEqual(['display.rotation']);
    expect(live.restartRequired).toEqual([]);
    const restart = await s.setText('mqtt.url', 'mqtts://broker.example:8883', 'console');
    expect(restart.restartRequired).toEqual(['mqtt.url']);
    expect(s.current.display.rotation).toBe(180);
    expect(seen).toHaveLength(2);
    const onDisk = JSON.parse(await readFile(s.path, 'utf8'));
    expect(onDisk).toEqual({ deviceId: 'till-1', display: { rotation: 180 }, mqtt: { url: 'mqtts://broker.example:8883' } });
  });

  it('refuses an invalid change whole and keeps the file and the live config as they were', async () => {
    const s = await store({ deviceId: 'till-1' });
    const before = await readFile(s.path, 'utf8');
    await expect(s.setText('display.rotation', '45', 'console')).rejects.toThrow(/display.rotation: 45 is not one of 0, 90, 180, 270/);
    await expect(s.setText('display.nope', '1', 'console')).rejects.toMatchObject({ code: 'CONFIG_UNKNOWN_KEY' });
    await expect(s.merge({ deviceId: 'till-2', mqtt: { url: 'htp://x' } }, 'bundle')).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await readFile(s.path, 'utf8')).toBe(before);
    expect(s.current.deviceId).toBe('till-1');
  });

  it('redacts secrets in get and in the whole view, and keeps env overrides out of the file', async () => {
    const s = await store({ mqtt: { password: 'hunter2' } }, { TILLQR_LOG_LEVEL: 'debug' });
    expect(s.get('mqtt.password')).toBe('[redacted]');
    expect(JSON.stringify(s.redacted())).not.toContain('hunter2');
    expect(s.current.logLevel).toBe('debug');
    await s.setText('display.language', 'ko', 'console');
    expect(JSON.parse(await readFile(s.path, 'utf8'))).toEqual({ mqtt: { password: 'hunter2' }, display: { language: 'ko' } });
  });
});
