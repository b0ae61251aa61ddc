import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanStaleTemps, readJsonFile, writeJsonAtomic } from '../../../src/store/atomic-file.js';
import { bundleHelper, exited, helperPath, spawnJs, waitForLine } from '../../helpers/child.js';

const KILLS = 200;

describe('atomic store under SIGKILL', () => {
  it(`leaves the old or the new version, never a torn file, across ${KILLS} kills at random moments`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-atomic-'));
    const path = join(dir, 'state.json');
    await writeJsonAtomic(path, { version: 0, filler: '0'.repeat(32 * 1024), check: 32 * 1024 });
    const writer = await bundleHelper(helperPath('atomic-writer.ts'));
    let previous = 0;
    for (let i = 0; i < KILLS; i++) {
      const child = spawnJs(writer, [path]);
      // Kill while version `started` is being written: after it announced the write, 0-3 ms in.
      const started = previous + 1 + Math.floor(Math.random() * 3);
      await waitForLine(child, new RegExp(`^w ${started}$`));
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      child.kill('SIGKILL');
      await exited(child);
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { version: number; filler: string; check: number };
      // Whole: the old version or a newer complete one, never a mix.
      expect(parsed.version).toBeGreaterThanOrEqual(started - 1);
      expect(parsed.filler).toBe(String(parsed.version % 10).repeat(32 * 1024));
      expect(parsed.check).toBe(parsed.filler.length);
      previous = parsed.version;
    }
    await cleanStaleTemps(path);
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 600_000);

  it('reports a missing file as undefined and a corrupt one as STORE_CORRUPT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-atomic-'));
    expect(await readJsonFile(join(dir, 'none.json'))).toBeUndefined();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'bad.json'), '{"a":');
    await expect(readJsonFile(join(dir, 'bad.json'))).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
  });

  it('names the cause when the directory cannot be written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-atomic-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'not-a-dir'), 'x');
    await expect(writeJsonAtomic(join(dir, 'not-a-dir', 'state.json'), { a: 1 })).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
  });
});
