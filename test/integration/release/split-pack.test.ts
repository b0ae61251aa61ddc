/**
 * The two-member artifact (decision 0009) as tools/release/pack.ts writes it: the application
 * files, then `runtime/` with the tar end marker, each its own gzip member. Reproducible (the same
 * tree gives the same bytes; the runtime member is the same bytes in every release with that
 * runtime), one archive to tar(1) and Node's zlib, and unpacked by the device's own reader whole
 * or member by member.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readArtifactInfo } from '../../../src/fleet/operator/artifact-info.js';
import { unpackRelease } from '../../../src/fleet/unpack.js';
import { packReproducible, packRuntimePart } from '../../../tools/release/pack.js';
import { filesUnder } from '../../helpers/file-tree.js';
import { releaseTree, tempDir } from '../fleet/fleet-kit.js';
import { fakeRuntime, makeSplitArtifact } from '../fleet/split-artifact.js';

const run = promisify(execFile);
const limits = { maxBytes: 100_000_000, maxEntries: 10_000 };

describe('the two-member release artifact', () => {
  it('is reproducible, and its runtime member is the same bytes in every release with that runtime', async () => {
    const tree = await releaseTree('3.0.0');
    await fakeRuntime(tree, 'node-22.23.5-linux-x64', 200_000);
    const pack = async (epoch: number): Promise<Buffer> => {
      const out = join(await tempDir(), 'a.tar.gz');
      await packReproducible(tree, out, epoch, { dir: 'runtime', part: await packRuntimePart(tree, 'runtime') });
      return readFile(out);
    };
    const a = await pack(1_700_000_000);
    expect((await pack(1_700_000_000)).equals(a)).toBe(true);
    // Another commit time changes the application member, never the runtime member.
    const b = await pack(1_800_000_000);
    expect(b.equals(a)).toBe(false);
    const part = await packRuntimePart(tree, 'runtime');
    expect(a.subarray(a.length - part.bytes).equals(part.gz)).toBe(true);
    expect(b.subarray(b.length - part.bytes).equals(part.gz)).toBe(true);

    const n1 = await makeSplitArtifact('1.0.0', { runtimeId: 'node-22.23.5-linux-x64', epoch: 1_700_000_000 });
    const n2 = await makeSplitArtifact('1.1.0', { runtimeId: 'node-22.23.5-linux-x64', epoch: 1_800_000_000 });
    const other = await makeSplitArtifact('1.2.0', { runtimeId: 'node-24.1.0-linux-x64' });
    expect(n2.runtime).toEqual(n1.runtime);
    expect(n2.bytes.subarray(n2.app.bytes).equals(n1.bytes.subarray(n1.app.bytes))).toBe(true);
    expect(other.runtime.sha256).not.toBe(n1.runtime.sha256);
    expect(n1.app.bytes + n1.runtime.bytes).toBe(n1.bytes.length);
    // Two gzip members: the second starts where the first ends.
    expect([...n1.bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect([...n1.bytes.subarray(n1.app.bytes, n1.app.bytes + 2)]).toEqual([0x1f, 0x8b]);
    expect(n1.runtime.bytes).toBeGreaterThan(200_000); // the blob does not compress
  });

  it('is one archive to gzip, tar and Node’s zlib', async () => {
    const art = await makeSplitArtifact('1.0.0', { runtimeId: 'node-22.23.5-linux-x64' });
    await run('gzip', ['-t', art.path]);
    const listed = (await run('tar', ['-tzf', art.path])).stdout.split('\n');
    for (const f of ['./package.json', './dist/src/cli/tillqr.js', './runtime/bin/node', './runtime/lib/blob']) expect(listed).toContain(f);
    const out = await tempDir();
    await run('tar', ['-xzf', art.path, '-C', out]);
    expect(await filesUnder(out)).toEqual([
      'dist/notes.txt',
      'dist/src/cli/tillqr.js',
      'package.json',
      'runtime/LICENSE',
      'runtime/bin/node',
      'runtime/lib/blob',
    ]);
    // zlib reads both members as one stream: the application entries, then the runtime and the end marker.
    const whole = gunzipSync(art.bytes);
    const m1 = gunzipSync(art.bytes.subarray(0, art.app.bytes));
    const m2 = gunzipSync(art.bytes.subarray(art.app.bytes));
    expect(whole.equals(Buffer.concat([m1, m2]))).toBe(true);
    expect(m1.length % 512).toBe(0);
    expect(m1.subarray(m1.length - 1024).some((b) => b !== 0)).toBe(true); // no end marker in the first member
    expect(m2.subarray(m2.length - 1024).every((b) => b === 0)).toBe(true);
    // fleet release sign reads the runtime member's id, SHA-256 and length from package.json (first member).
    expect(await readArtifactInfo(art.path)).toMatchObject({
      version: '1.0.0',
      runtime: { kind: 'bundled', part: { id: 'node-22.23.5-linux-x64', sha256: art.runtime.sha256, bytes: art.runtime.bytes } },
    });
  });

  it('is unpacked by the device’s reader whole, or member by member, and the members keep to their folders', async () => {
    const art = await makeSplitArtifact('1.0.0', { runtimeId: 'node-22.23.5-linux-x64' });
    const whole = await tempDir();
    await unpackRelease(art.path, whole, limits);
    expect(await filesUnder(whole)).toContain('runtime/bin/node');

    const app = await tempDir();
    await unpackRelease(art.path, app, limits, { end: art.app.bytes, openEnded: true, refuse: 'runtime' });
    expect(await filesUnder(app)).toEqual(['dist/notes.txt', 'dist/src/cli/tillqr.js', 'package.json']);
    const rt = await tempDir();
    await unpackRelease(art.path, rt, limits, { start: art.app.bytes, strip: 'runtime' });
    expect(await filesUnder(rt)).toEqual(['LICENSE', 'bin/node', 'lib/blob']);
    expect((await readFile(join(rt, 'lib/blob'))).equals(await readFile(join(whole, 'runtime/lib/blob')))).toBe(true);

    // The first member alone, as a device that has the runtime downloads it.
    const first = join(await tempDir(), 'app.tar.gz');
    await writeFile(first, art.bytes.subarray(0, art.app.bytes));
    const alone = await tempDir();
    await unpackRelease(first, alone, limits, { openEnded: true, refuse: 'runtime' });
    expect(await filesUnder(alone)).toEqual(['dist/notes.txt', 'dist/src/cli/tillqr.js', 'package.json']);
    // Without openEnded it is a truncated archive; a member cut short is one either way.
    await expect(unpackRelease(first, await tempDir(), limits)).rejects.toMatchObject({ context: { reason: 'bad_artifact' } });
    const cut = join(await tempDir(), 'cut.tar.gz');
    await writeFile(cut, art.bytes.subarray(0, art.app.bytes - 7));
    await expect(unpackRelease(cut, await tempDir(), limits, { openEnded: true })).rejects.toMatchObject({ context: { reason: 'bad_artifact' } });
    // The whole file read as the application member holds runtime/ entries: refused, as is a runtime member entry outside runtime/.
    await expect(unpackRelease(art.path, await tempDir(), limits, { refuse: 'runtime' })).rejects.toThrow(/runtime\/, which this part may not hold/);
    await expect(unpackRelease(art.path, await tempDir(), limits, { strip: 'runtime' })).rejects.toThrow(/not in runtime\//);
  });

  it('an artifact without a runtime stays one gzip member ending in the tar end marker', async () => {
    const tree = await releaseTree('3.0.0');
    await mkdir(join(tree, 'device'), { recursive: true });
    const out = join(await tempDir(), 'a.tar.gz');
    const packed = await packReproducible(tree, out, 1_700_000_000);
    expect(packed.app).toBeUndefined();
    const tar = gunzipSync(await readFile(out));
    expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).toBe(true);
    const dest = await tempDir();
    await unpackRelease(out, dest, limits);
    expect(existsSync(join(dest, 'dist/src/cli/tillqr.js'))).toBe(true);
  });
});
