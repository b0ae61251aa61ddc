import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState, saveUpdateState } from '../../../src/fleet/update-state.js';
import { installFirst, releaseTree, tempDir } from './fleet-kit.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);

async function withPending(max = 3) {
  const root = await tempDir('tillqr-boot-');
  const stateDir = await tempDir();
  await installFirst(root, '1.0.0');
  await run('cp', ['-a', await releaseTree('1.1.0'), join(root, 'releases/1.1.0')]);
  const releases = new ReleaseDir(root);
  await saveUpdateState(stateDir, { done: [], pending: { jobId: 'j1', version: '1.1.0', previous: '1.0.0', rollback: false, attempts: 0, installedAt: 0 } });
  await releases.switchLink('current', '1.1.0');
  const check = () => bootCheck({ releases, stateDir, maxBootAttempts: max, nowSec: 100, logger: silentLogger });
  return { root, stateDir, releases, check };
}

describe('boot check', () => {
  it('counts the starts of an uncommitted release and rolls back after maxBootAttempts (a crash loop)', async () => {
    const { stateDir, releases, check } = await withPending(3);
    expect((await check()).action).toBe('counted');
    expect((await check()).action).toBe('counted');
    expect((await check()).action).toBe('counted');
    expect(await releases.linkVersion('current')).toBe('1.1.0');
    const r = await check();
    expect(r).toMatchObject({ action: 'rolled_back', current: '1.0.0' });
    expect(await releases.linkVersion('current')).toBe('1.0.0');
    const st = await loadUpdateState(stateDir);
    expect(st.pending).toBeUndefined();
    expect(st.last).toMatchObject({ jobId: 'j1', state: 'rolled_back', reason: 'crash_loop', published: false });
    expect(st.done).toContain('j1');
    expect((await check()).action).toBe('none');
  });

  it('settles a pending release that was never switched in as interrupted', async () => {
    const { stateDir, releases, check } = await withPending();
    await releases.switchLink('current', '1.0.0');
    expect((await check()).action).toBe('settled');
    expect((await loadUpdateState(stateDir)).last).toMatchObject({ state: 'failed', reason: 'interrupted' });
  });

  it('repairs a current link that points at a missing release', async () => {
    const { root, stateDir, releases, check } = await withPending();
    await run('rm', ['-rf', join(root, 'releases/1.1.0')]);
    expect(await check()).toMatchObject({ action: 'repaired', current: '1.0.0' });
    expect(await releases.linkVersion('current')).toBe('1.0.0');
    expect((await loadUpdateState(stateDir)).pending).toBeUndefined();
  });

  it('removes leftovers of an interrupted unpack', async () => {
    const { root, check } = await withPending();
    await run('mkdir', ['-p', join(root, 'releases/.2.0.0.abcd.tmp/dist')]);
    await check();
    const { stdout } = await run('ls', ['-a', join(root, 'releases')]);
    expect(stdout).not.toContain('.tmp');
  });
});
