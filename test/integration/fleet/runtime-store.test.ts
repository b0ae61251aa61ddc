/**
 * The shared runtime folder on real files (src/fleet/runtimes.ts): a runtime appears whole or
 * not at all, is known only with its record and its bin/node, and is collected only when no
 * release on disk links to it.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { RuntimeStore } from '../../../src/fleet/runtimes.js';
import { tempDir } from './fleet-kit.js';

const SHA = 'a'.repeat(64);
const fill = async (dir: string): Promise<void> => {
  await mkdir(join(dir, 'bin'));
  await writeFile(join(dir, 'bin', 'node'), '#!/bin/sh\n', { mode: 0o755 });
};

describe('the shared runtime folder', () => {
  it('a runtime whose install fails halfway leaves nothing behind; one that succeeds is found with its record', async () => {
    const root = await tempDir('tillqr-rt-');
    const store = new RuntimeStore(root);
    await expect(
      store.add({ id: 'node-1.0.0-linux-x64', sha256: SHA }, async (dir) => {
        await fill(dir);
        throw new Error('power cut');
      }),
    ).rejects.toThrow(/power cut/);
    expect(await readdir(store.dir)).toEqual([]);
    expect(await store.installed('node-1.0.0-linux-x64')).toBeUndefined();

    expect(await store.add({ id: 'node-1.0.0-linux-x64', sha256: SHA }, fill)).toBe('added');
    expect(await store.installed('node-1.0.0-linux-x64')).toEqual({ id: 'node-1.0.0-linux-x64', sha256: SHA });
    expect(await store.has({ id: 'node-1.0.0-linux-x64', sha256: 'b'.repeat(64) })).toBe(false);
    // Never replaced: the same member is 'present', another one a 'conflict', and nothing is written.
    const never = (): Promise<void> => Promise.reject(new Error('must not be called'));
    expect(await store.add({ id: 'node-1.0.0-linux-x64', sha256: SHA }, never)).toBe('present');
    expect(await store.add({ id: 'node-1.0.0-linux-x64', sha256: 'b'.repeat(64) }, never)).toBe('conflict');
    // Without its bin/node it is not a runtime this device has.
    await rm(join(store.dirOf('node-1.0.0-linux-x64'), 'bin', 'node'));
    expect(await store.installed('node-1.0.0-linux-x64')).toBeUndefined();
  });

  it('collects the runtimes no release on disk links to, and the leftovers of interrupted installs, with the prune', async () => {
    const root = await tempDir('tillqr-rt-');
    const releases = new ReleaseDir(root);
    const store = releases.runtimes;
    for (const id of ['node-1.0.0-linux-x64', 'node-2.0.0-linux-x64', 'node-3.0.0-linux-x64']) await store.add({ id, sha256: SHA }, fill);
    for (const [v, id] of [
      ['1.0.0', 'node-1.0.0-linux-x64'],
      ['1.1.0', 'node-1.0.0-linux-x64'],
      ['2.0.0', 'node-2.0.0-linux-x64'],
    ] as const) {
      await mkdir(releases.dirOf(v), { recursive: true });
      await store.link(releases.dirOf(v), id);
    }
    await mkdir(join(store.dir, '.node-9.0.0-linux-x64.1234.tmp'));
    // A link that leads elsewhere does not keep a runtime.
    await mkdir(releases.dirOf('0.9.0'), { recursive: true });
    await symlink('/opt/elsewhere/runtimes/node-3.0.0-linux-x64', join(releases.dirOf('0.9.0'), 'runtime'));
    expect([...(await store.referenced())].sort()).toEqual(['node-1.0.0-linux-x64', 'node-2.0.0-linux-x64']);

    // keep 2 of 1.0.0, 1.1.0, 2.0.0 (and 0.9.0): 1.1.0 and 2.0.0 stay; node-1 stays for 1.1.0, node-3 goes.
    const gone = await releases.prune(['2.0.0', '1.1.0'], 2, (a, b) => a.localeCompare(b));
    expect(gone.releases.sort()).toEqual(['0.9.0', '1.0.0']);
    expect(gone.runtimes).toEqual(['node-3.0.0-linux-x64']);
    expect((await readdir(store.dir)).sort()).toEqual(['node-1.0.0-linux-x64', 'node-2.0.0-linux-x64']);
    expect(existsSync(join(releases.dirOf('1.1.0'), 'runtime', 'bin', 'node'))).toBe(true);

    // The last release on node-1 goes: so does node-1.
    expect((await releases.prune(['2.0.0'], 2, (a, b) => a.localeCompare(b))).runtimes).toEqual([]);
    await releases.remove('1.1.0');
    expect(await store.collect()).toEqual(['node-1.0.0-linux-x64']);
    expect(await readdir(store.dir)).toEqual(['node-2.0.0-linux-x64']);
  });
});
