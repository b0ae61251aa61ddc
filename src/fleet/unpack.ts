/**
 * Unpack a release artifact (tar.gz) into a new directory, safely: every entry path is relative,
 * without `..`, and never written through a symbolic link; symbolic links must resolve inside
 * the release, whatever order the entries come in: a `..` in a link target may only step out of
 * a directory already unpacked (never out of another link, never out of a path a later entry
 * could make a link), and when the archive has ended every link is resolved like realpath(3),
 * one component at a time, and must stay inside the release at every step. A hard link may only
 * name a regular file unpacked before it. Sizes and entry counts are capped (a decompression
 * bomb fails early). The caller unpacks into a temporary directory and renames it into place, so
 * a release directory either exists whole or not at all.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readlink, realpath, symlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { createGunzip } from 'node:zlib';
import { TillqrError } from '../core/errors.js';
import { TarParser, type TarEntry } from './tar-reader.js';

export interface UnpackLimits {
  readonly maxBytes: number;
  readonly maxEntries: number;
}

/**
 * One part of a split artifact (decision 0009): the application member is bytes [0, app.size)
 * and ends without the tar end marker (`openEnded`), none of its entries in `runtime/`
 * (`refuse`); the runtime member is the rest, every entry in `runtime/`, unpacked with that
 * folder taken off (`strip`) into the runtime's own place. The default is the whole file.
 */
export interface UnpackPart {
  readonly start?: number;
  /** Exclusive. */
  readonly end?: number;
  readonly openEnded?: boolean;
  /** Every entry lies in this top-level folder, which is taken off. */
  readonly strip?: string;
  /** No entry may lie in this top-level folder. */
  readonly refuse?: string;
}

const under = (rel: string, top: string): boolean => rel === top || rel.startsWith(`${top}/`);

function bad(message: string): TillqrError {
  return new TillqrError('UPDATE_FAILED', `bad artifact: ${message}`, { reason: 'bad_artifact' });
}

/** The normalised relative path of an entry, or undefined for the archive root itself. Throws on anything unsafe. */
export function safeEntryPath(name: string): string | undefined {
  if (name.includes('\0') || name.includes('\\')) throw bad(`${JSON.stringify(name)} has a NUL or backslash in its path`);
  if (name.startsWith('/')) throw bad(`${JSON.stringify(name)} is an absolute path`);
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw bad(`${JSON.stringify(name)} climbs out with ".."`);
  if (segs.length === 0) return undefined;
  return segs.join('/');
}

/**
 * A symbolic link target must stay inside the release, judged from where the link sits (its
 * directory is a real one). `isRealDir` says whether a relative path is a directory unpacked
 * already: every component a `..` steps back out of must be one, as the kernel resolves `x/..`
 * from wherever `x` really leads (`d/s -> ..` plus `l -> d/s/../..` climbs two levels out).
 */
export function safeLinkTarget(path: string, target: string, isRealDir: (rel: string) => boolean): void {
  if (target === '' || target.startsWith('/') || target.includes('\0'))
    throw bad(`link ${JSON.stringify(path)} points to ${JSON.stringify(target)} (absolute or empty)`);
  const segs = target.split('/').filter((s) => s !== '' && s !== '.');
  const lastUp = segs.lastIndexOf('..');
  const dir = posix.dirname(path);
  const at = dir === '.' ? [] : dir.split('/');
  segs.forEach((s, i) => {
    if (s === '..') {
      if (at.pop() === undefined) throw bad(`link ${JSON.stringify(path)} points to ${JSON.stringify(target)}, outside the release`);
      return;
    }
    at.push(s);
    if (i < lastUp && !isRealDir(at.join('/'))) {
      throw bad(
        `link ${JSON.stringify(path)} points to ${JSON.stringify(target)}, whose ".." steps out of ${JSON.stringify(at.join('/'))}, not a directory unpacked before it (a link, or not there yet): it could lead outside the release`,
      );
    }
  });
}

const MAX_HOPS = 40;

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(`${root}/`);
}

/**
 * Resolve the link at `abs` (inside `root`, a real path) the way the kernel would, one component
 * at a time, and say whether every step stays inside `root`. A dangling link is fine as long as
 * nothing after its missing component could climb out. Throws on a link loop.
 */
export async function resolvesInside(root: string, abs: string): Promise<boolean> {
  const pending = posix.relative(root, abs).split('/').reverse();
  let at = root;
  let hops = 0;
  for (let s = pending.pop(); s !== undefined; s = pending.pop()) {
    if (s === '' || s === '.') continue;
    if (s === '..') {
      at = dirname(at);
      if (!inside(root, at)) return false;
      continue;
    }
    const next = join(at, s);
    const st = await lstat(next).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    });
    if (st === undefined) return !pending.includes('..');
    if (!st.isSymbolicLink()) {
      at = next;
      continue;
    }
    if (++hops > MAX_HOPS) throw bad(`the link ${JSON.stringify(posix.relative(root, abs))} is part of a loop of links`);
    const target = await readlink(next);
    if (target.startsWith('/')) return false;
    pending.push(...target.split('/').reverse());
  }
  return inside(root, at) && inside(root, await realpath(at).catch(() => at));
}

class Extractor {
  readonly #root: string;
  readonly #limits: UnpackLimits;
  readonly #part: UnpackPart;
  readonly #realDirs = new Set<string>(['']);
  readonly #files = new Set<string>();
  readonly #links: string[] = [];
  #bytes = 0;
  #entries = 0;
  #file: FileHandle | undefined;

  constructor(root: string, limits: UnpackLimits, part: UnpackPart) {
    this.#root = root;
    this.#limits = limits;
    this.#part = part;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** The entry's path in this part's destination, or undefined for the destination itself. */
  #place(path: string): string | undefined {
    const rel = safeEntryPath(path);
    const { strip, refuse } = this.#part;
    if (rel !== undefined && refuse !== undefined && under(rel, refuse)) throw bad(`${JSON.stringify(path)} is in ${refuse}/, which this part may not hold`);
    if (strip === undefined) return rel;
    if (rel === undefined || !under(rel, strip)) throw bad(`${JSON.stringify(path)} is not in ${strip}/, where every entry of this part lies`);
    return rel === strip ? undefined : rel.slice(strip.length + 1);
  }

  /** Make sure every directory on the way exists and is a real directory (never a link we would write through). */
  async #dir(rel: string): Promise<void> {
    if (this.#realDirs.has(rel)) return;
    const parent = posix.dirname(rel);
    await this.#dir(parent === '.' ? '' : parent);
    const abs = join(this.#root, rel);
    try {
      const st = await lstat(abs);
      if (!st.isDirectory()) throw bad(`${JSON.stringify(rel)} is used as a directory but is a ${st.isSymbolicLink() ? 'symbolic link' : 'file'}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(abs, { mode: 0o755 });
    }
    this.#realDirs.add(rel);
  }

  async entry(e: TarEntry): Promise<void> {
    if (++this.#entries > this.#limits.maxEntries) throw bad(`more than ${this.#limits.maxEntries} entries`);
    const rel = this.#place(e.path);
    if (rel === undefined) return;
    const parent = posix.dirname(rel);
    await this.#dir(parent === '.' ? '' : parent);
    const abs = join(this.#root, rel);
    switch (e.type) {
      case 'dir':
        await this.#dir(rel);
        return;
      case 'symlink':
        safeLinkTarget(rel, e.linkTarget ?? '', (d) => this.#realDirs.has(d));
        await symlink(e.linkTarget ?? '', abs);
        this.#links.push(rel);
        return;
      case 'hardlink': {
        // node-gyp leaves these in node_modules (GNU tar stores a second name of a file as a link to the first).
        const target = e.linkTarget ?? '';
        let to: string | undefined;
        try {
          to = this.#place(target);
        } catch {
          to = undefined;
        }
        if (to === undefined || !this.#files.has(to))
          throw bad(`hard link ${JSON.stringify(rel)} names ${JSON.stringify(target)}, not a regular file unpacked before it`);
        await link(join(this.#root, to), abs);
        this.#files.add(rel);
        return;
      }
      case 'file':
        this.#bytes += e.size;
        if (this.#bytes > this.#limits.maxBytes) throw bad(`it unpacks to more than ${this.#limits.maxBytes} bytes`);
        // 'wx': never overwrite, never follow an existing link.
        this.#file = await open(abs, 'wx', (e.mode & 0o111) !== 0 ? 0o755 : 0o644);
        this.#files.add(rel);
        return;
    }
  }

  async data(chunk: Buffer): Promise<void> {
    if (this.#file !== undefined) await this.#file.write(chunk);
  }

  async endEntry(): Promise<void> {
    const f = this.#file;
    this.#file = undefined;
    if (f !== undefined) await f.close();
  }

  /** After the last entry: every link, resolved as the kernel would, stays inside the release. */
  async checkLinks(): Promise<void> {
    if (this.#links.length === 0) return;
    const root = await realpath(this.#root);
    for (const rel of this.#links) {
      if (!(await resolvesInside(root, join(root, rel)))) throw bad(`link ${JSON.stringify(rel)} resolves outside the release`);
    }
  }

  async abort(): Promise<void> {
    await this.#file?.close().catch(() => undefined);
    this.#file = undefined;
  }
}

/** Unpack `artifact` (tar.gz), or one part of it, into the existing empty directory `dest`. */
export async function unpackRelease(artifact: string, dest: string, limits: UnpackLimits, part: UnpackPart = {}): Promise<{ entries: number; bytes: number }> {
  const parser = new TarParser();
  const x = new Extractor(dest, limits, part);
  let entries = 0;
  const handle = async (events: ReturnType<TarParser['push']>): Promise<void> => {
    for (const ev of events) {
      switch (ev.kind) {
        case 'entry':
          entries++;
          await x.entry(ev.entry);
          break;
        case 'data':
          await x.data(ev.chunk);
          break;
        case 'end-entry':
          await x.endEntry();
          break;
        case 'end':
          break;
      }
    }
  };
  try {
    const range = { ...(part.start !== undefined ? { start: part.start } : {}), ...(part.end !== undefined ? { end: part.end - 1 } : {}) };
    const gunzip = createReadStream(artifact, range).pipe(createGunzip());
    for await (const chunk of gunzip) {
      await handle(parser.push(chunk as Buffer));
      if (parser.ended) break;
    }
    await handle(parser.finish({ openEnded: part.openEnded === true }));
    await x.checkLinks();
  } catch (e) {
    await x.abort();
    if (e instanceof TillqrError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'EEXIST')
      throw bad(code === 'EEXIST' ? 'an entry appears twice' : 'not a gzip file, or corrupt');
    throw new TillqrError('UPDATE_FAILED', `unpacking failed: ${(e as Error).message}`, { reason: 'install_failed' }, { cause: e });
  }
  return { entries, bytes: x.bytes };
}

/** Flush the file system holding `dir` to disk (syncfs through coreutils `sync -f`); one call instead of an fsync per file. */
export function syncFileSystem(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', dir], { timeout: 120_000 }, (e) =>
      e ? reject(new TillqrError('UPDATE_FAILED', `sync -f ${dir} failed: ${e.message}`, { reason: 'install_failed' })) : resolve(),
    );
  });
}
