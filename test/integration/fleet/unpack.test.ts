import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readFile, readlink, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TarParser } from '../../../src/fleet/tar-reader.js';
import { resolvesInside, unpackRelease } from '../../../src/fleet/unpack.js';
import { unpackInto } from '../../../src/fleet/installer.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { makeArtifact, tempDir } from './fleet-kit.js';

const run = promisify(execFile);
const LIMITS = { maxBytes: 10_000_000, maxEntries: 10_000 };

/** A minimal ustar writer for hand-made (hostile) archives. */
function header(name: string, type: string, size = 0, link = ''): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(link, 157, 100, 'utf8');
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

function tarOf(entries: { name: string; type?: string; body?: string; link?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(header(e.name, e.type ?? '0', body.length, e.link ?? ''), body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

async function unpackBytes(tar: Buffer): Promise<{ dest: string; result: Promise<unknown> }> {
  const dir = await tempDir('tillqr-unpack-');
  const file = join(dir, 'a.tar.gz');
  await writeFile(file, gzipSync(tar));
  const dest = join(dir, 'out');
  await mkdir(dest);
  return { dest, result: unpackRelease(file, dest, LIMITS) };
}

describe('release unpack', () => {
  it('unpacks what GNU tar makes: files, directories, symlinks inside, long names (over 100 characters)', async () => {
    const src = await tempDir('tillqr-src-');
    const longDir = join(src, 'node_modules', 'a'.repeat(60), 'b'.repeat(60));
    await mkdir(join(longDir, 'bin'), { recursive: true });
    await writeFile(join(longDir, 'bin', 'cli.js'), '#!/usr/bin/env node\n');
    await mkdir(join(src, 'node_modules/.bin'), { recursive: true });
    await symlink(`../${'a'.repeat(60)}/${'b'.repeat(60)}/bin/cli.js`, join(src, 'node_modules/.bin/cli'));
    await writeFile(join(src, 'package.json'), '{}');
    for (const format of ['gnu', 'pax', 'ustar']) {
      const out = join(await tempDir(), 'a.tar.gz');
      const r = await run('tar', [`--format=${format}`, '-czf', out, '-C', src, '.']).then(
        () => true,
        () => false,
      );
      if (!r) continue; // ustar cannot hold the long name: tar refuses, nothing to test
      const dest = await tempDir('tillqr-dest-');
      await unpackRelease(out, dest, LIMITS);
      expect(await readFile(join(longDir.replace(src, dest), 'bin/cli.js'), 'utf8'), format).toBe('#!/usr/bin/env node\n');
      expect(await readlink(join(dest, 'node_modules/.bin/cli'))).toMatch(/bin\/cli\.js$/);
      expect(await readFile(join(dest, 'node_modules/.bin/cli'), 'utf8')).toBe('#!/usr/bin/env node\n');
    }
  });

  const hostile: [string, { name: string; type?: string; body?: string; link?: string }[], RegExp][] = [
    ['a path climbing out with ..', [{ name: '../evil.txt', body: 'x' }], /climbs out/],
    ['a nested .. path', [{ name: 'dist/../../evil.txt', body: 'x' }], /climbs out/],
    ['an absolute path', [{ name: '/tmp/evil.txt', body: 'x' }], /absolute/],
    ['a symlink pointing outside', [{ name: 'up', type: '2', link: '../..' }], /outside the release/],
    ['an absolute symlink', [{ name: 'etc', type: '2', link: '/etc' }], /absolute/],
    [
      'a write through a symlink',
      [
        { name: 'd', type: '2', link: '.' },
        { name: 'd/x.txt', body: 'x' },
      ],
      /symbolic link/,
    ],
    // Links that only look inside: each target judged alone stays in, the kernel resolves it out.
    [
      'a link through a link up (d/s -> .., l -> d/s/../..)',
      [
        { name: 'd', type: '5' },
        { name: 'd/s', type: '2', link: '..' },
        { name: 'l', type: '2', link: 'd/s/../..' },
      ],
      /steps out of "d\/s"/,
    ],
    [
      'the same pair with the link first',
      [
        { name: 'l', type: '2', link: 'd/s/../..' },
        { name: 'd', type: '5' },
        { name: 'd/s', type: '2', link: '..' },
      ],
      /steps out of "d"/,
    ],
    [
      'a link stepping out of a link one level (l -> d/s/..)',
      [
        { name: 'd', type: '5' },
        { name: 'd/s', type: '2', link: '..' },
        { name: 'l', type: '2', link: 'd/s/..' },
      ],
      /steps out of "d\/s"/,
    ],
    [
      'a link to a link that escapes',
      [
        { name: 'm', type: '2', link: 'l' },
        { name: 'd', type: '5' },
        { name: 'd/s', type: '2', link: '..' },
        { name: 'l', type: '2', link: 'd/s/../..' },
      ],
      /steps out of "d\/s"/,
    ],
    ['a deep chain of .. one too many', [{ name: 'a/b/c', type: '2', link: '../../../x' }], /outside the release/],
    ['a .. chain out and back in by the directory name', [{ name: 'a/x', type: '2', link: '../../out/a' }], /outside the release/],
    ['an absolute link further down', [{ name: 'a/b', type: '2', link: '/tmp' }], /absolute/],
    ['a hard link to a path outside', [{ name: 'g', type: '1', link: '../f' }], /hard link "g" names "..\/f"/],
    ['an absolute hard link', [{ name: 'g', type: '1', link: '/etc/passwd' }], /hard link "g" names "\/etc\/passwd"/],
    [
      'a hard link to a file not unpacked yet',
      [
        { name: 'g', type: '1', link: 'f' },
        { name: 'f', body: 'x' },
      ],
      /hard link "g" names "f", not a regular file unpacked before it/,
    ],
    [
      'a hard link to a symbolic link',
      [
        { name: 's', type: '2', link: 'f' },
        { name: 'f', body: 'x' },
        { name: 'g', type: '1', link: 's' },
      ],
      /hard link "g" names "s"/,
    ],
    [
      'a hard link to a directory',
      [
        { name: 'd', type: '5' },
        { name: 'g', type: '1', link: 'd' },
      ],
      /hard link "g" names "d"/,
    ],
    [
      'a hard link through a symbolic link',
      [
        { name: 'f', body: 'x' },
        { name: 'e', type: '2', link: '.' },
        { name: 'g', type: '1', link: 'e/f' },
      ],
      /hard link "g" names "e\/f"/,
    ],
    ['a device node', [{ name: 'dev', type: '3' }], /entry type/],
    [
      'the same file twice',
      [
        { name: 'f', body: 'x' },
        { name: 'f', body: 'y' },
      ],
      /appears twice/,
    ],
  ];
  for (const [what, entries, why] of hostile) {
    it(`refuses ${what} and writes nothing outside`, async () => {
      const { dest, result } = await unpackBytes(tarOf(entries));
      await expect(result).rejects.toMatchObject({ code: 'UPDATE_FAILED', message: expect.stringMatching(why) });
      expect(existsSync(join(dest, '..', 'evil.txt'))).toBe(false);
      expect(existsSync(join(dest, '..', '..', 'evil.txt'))).toBe(false);
    });
  }

  it('refuses the escape d/s -> .. plus l -> d/s/../.. in an archive made by GNU tar from a real tree', async () => {
    const src = await tempDir('tillqr-src-');
    await mkdir(join(src, 'd'));
    await symlink('..', join(src, 'd/s'));
    await symlink('d/s/../..', join(src, 'l'));
    await writeFile(join(src, 'package.json'), '{}');
    // The kernel's view: l leads two levels above the release.
    expect(await realpath(join(src, 'l'))).toBe(await realpath(join(src, '../..')));
    for (const order of [
      ['package.json', 'd', 'l'],
      ['package.json', 'l', 'd'],
    ]) {
      const out = join(await tempDir(), 'a.tar.gz');
      await run('tar', ['--format=gnu', '--no-recursion', '-czf', out, '-C', src, ...order, 'd/s']);
      const dest = await tempDir('tillqr-dest-');
      await expect(unpackRelease(out, dest, LIMITS), order.join(',')).rejects.toMatchObject({
        code: 'UPDATE_FAILED',
        context: { reason: 'bad_artifact' },
        message: expect.stringMatching(/"l" points to "d\/s\/..\/.."/),
      });
    }
  });

  it('after the last entry, resolves every link like realpath and refuses one that leads outside at any step', async () => {
    const root = await realpath(await tempDir('tillqr-links-'));
    await mkdir(join(root, 'd'));
    await writeFile(join(root, 'f'), 'x');
    await symlink('..', join(root, 'd/s'));
    await symlink('d/s/../..', join(root, 'l'));
    await symlink('d/s/f', join(root, 'ok'));
    await symlink('missing/x', join(root, 'dangling'));
    await symlink('missing/../..', join(root, 'dangling-up'));
    await symlink(`../${root.split('/').at(-1) ?? ''}/f`, join(root, 'out-and-in'));
    await symlink('loop-b', join(root, 'loop-a'));
    await symlink('loop-a', join(root, 'loop-b'));
    await symlink('l', join(root, 'to-l'));
    expect(await resolvesInside(root, join(root, 'l'))).toBe(false);
    expect(await resolvesInside(root, join(root, 'to-l'))).toBe(false);
    expect(await resolvesInside(root, join(root, 'ok'))).toBe(true);
    expect(await resolvesInside(root, join(root, 'd/s'))).toBe(true);
    expect(await resolvesInside(root, join(root, 'dangling'))).toBe(true);
    expect(await resolvesInside(root, join(root, 'dangling-up'))).toBe(false);
    expect(await resolvesInside(root, join(root, 'out-and-in'))).toBe(false);
    await expect(resolvesInside(root, join(root, 'loop-a'))).rejects.toThrow(/loop/);
  });

  it('unpacks the hard links node-gyp leaves in node_modules (GNU tar stores the second name as a link)', async () => {
    const src = await tempDir('tillqr-src-');
    const rel = join(src, 'node_modules/spi-device/build/Release');
    await mkdir(join(rel, 'obj.target'), { recursive: true });
    await writeFile(join(rel, 'obj.target/spi.node'), 'ELF-ish bytes', { mode: 0o755 });
    await link(join(rel, 'obj.target/spi.node'), join(rel, 'spi.node')); // node-gyp's make does `ln -f`
    await writeFile(join(src, 'package.json'), '{}');
    for (const format of ['gnu', 'pax']) {
      const out = join(await tempDir(), 'a.tar.gz');
      await run('tar', [`--format=${format}`, '--sort=name', '-czf', out, '-C', src, '.']);
      const listing = (await run('tar', ['-tvzf', out])).stdout;
      expect(listing, 'the archive holds a hard link').toMatch(/^h.* link to /m);
      const dest = await tempDir('tillqr-dest-');
      await unpackRelease(out, dest, LIMITS);
      const a = join(dest, 'node_modules/spi-device/build/Release/spi.node');
      const b = join(dest, 'node_modules/spi-device/build/Release/obj.target/spi.node');
      expect(await readFile(a, 'utf8'), format).toBe('ELF-ish bytes');
      expect(await readFile(b, 'utf8'), format).toBe('ELF-ish bytes');
      expect((await stat(a)).ino).toBe((await stat(b)).ino);
      expect((await lstat(a)).mode & 0o111).not.toBe(0);
      expect((await readdir(join(dest, 'node_modules/spi-device/build/Release'))).sort()).toEqual(['obj.target', 'spi.node']);
    }
  });

  it('installs only under a strict SemVer directory name (no build metadata, no leading zeros)', async () => {
    const releases = new ReleaseDir(await tempDir('tillqr-opt-'));
    const log = createLogger('test', { sink: memorySink(100) });
    for (const version of ['1.1.0+build.7', '1.1.0-rc.01']) {
      const artifact = await makeArtifact(version);
      await expect(unpackInto(releases, artifact, version, LIMITS, log), version).rejects.toMatchObject({
        context: { reason: 'bad_artifact' },
        message: expect.stringMatching(/not a release version/),
      });
    }
    expect(await readdir(releases.releases).catch(() => [])).toEqual([]);
    await unpackInto(releases, await makeArtifact('1.1.0-rc.1'), '1.1.0-rc.1', LIMITS, log);
    expect(await releases.versions()).toEqual(['1.1.0-rc.1']);
  });

  it('refuses a decompression bomb, a corrupt header and a truncated archive', async () => {
    const big = tarOf([{ name: 'big', body: 'z'.repeat(20_000) }]);
    const dir = await tempDir();
    await writeFile(join(dir, 'b.tar.gz'), gzipSync(big));
    await mkdir(join(dir, 'o'));
    await expect(unpackRelease(join(dir, 'b.tar.gz'), join(dir, 'o'), { maxBytes: 10_000, maxEntries: 10 })).rejects.toThrow(/more than 10000 bytes/);
    const bad = Buffer.from(tarOf([{ name: 'f', body: 'x' }]));
    bad[10] = 0x41;
    await expect((await unpackBytes(bad)).result).rejects.toThrow(/checksum/);
    await expect((await unpackBytes(tarOf([{ name: 'f', body: 'x'.repeat(2000) }]).subarray(0, 1024))).result).rejects.toThrow(/truncated/);
    const notGzip = join(dir, 'n.tar.gz');
    await writeFile(notGzip, 'hello');
    await expect(unpackRelease(notGzip, join(dir, 'o'), LIMITS)).rejects.toThrow(/not a gzip file/);
  });

  it('parses the same archive whatever the chunking', () => {
    const tar = tarOf([
      { name: 'a', body: 'hello' },
      { name: 'dir', type: '5' },
      { name: 'dir/b', body: 'x'.repeat(1500) },
    ]);
    const collect = (chunk: number) => {
      const p = new TarParser();
      const out: string[] = [];
      for (let i = 0; i < tar.length; i += chunk)
        for (const e of p.push(tar.subarray(i, i + chunk)))
          out.push(e.kind === 'entry' ? `entry:${e.entry.path}` : e.kind === 'data' ? `data:${e.chunk.length}` : e.kind);
      return out.filter((x) => !x.startsWith('data')).join(',') + '|' + out.filter((x) => x.startsWith('data')).reduce((n, x) => n + Number(x.slice(5)), 0);
    };
    const whole = collect(tar.length);
    for (const c of [1, 7, 511, 512, 513, 4096]) expect(collect(c)).toBe(whole);
    expect(whole).toBe('entry:a,end-entry,entry:dir,end-entry,entry:dir/b,end-entry,end|1505');
  });

  it('keeps executable bits and nothing more', async () => {
    const src = await tempDir();
    await writeFile(join(src, 'run.sh'), 'x', { mode: 0o4755 });
    const out = join(await tempDir(), 'a.tar.gz');
    await run('tar', ['-czf', out, '-C', src, '.']);
    const dest = await tempDir();
    await unpackRelease(out, dest, LIMITS);
    expect((await lstat(join(dest, 'run.sh'))).mode & 0o7777).toBe(0o755 & ~process.umask());
  });
});
