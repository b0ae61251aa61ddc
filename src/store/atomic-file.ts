/**
 * Everything the device persists goes through here: write a temp file beside the target, fsync
 * it, rename it over the target, fsync the directory. A crash at any moment leaves either the old
 * or the new file, never a torn one.
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TillqrError } from '../core/errors.js';

export interface WriteOptions {
  /** File mode of the new file (default 0o600: state may hold secrets). */
  mode?: number;
}

/** fsync a directory, so a rename inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // The folder is made only when it is missing (one call less per write, on a till's busiest path).
    const fh = await open(tmp, 'wx', opts.mode ?? 0o600).catch(async (e: unknown) => {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return open(tmp, 'wx', opts.mode ?? 0o600);
    });
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await fsyncDir(dir);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOSPC' ? ' (disk full)' : code === 'EACCES' || code === 'EPERM' ? ' (permission denied)' : code === 'EROFS' ? ' (read-only file system)' : '';
    throw new TillqrError('STORE_WRITE_FAILED', `cannot write ${path}${hint}: ${(e as Error).message}`, { path, errno: code }, { cause: e });
  }
}

export async function writeJsonAtomic(path: string, value: unknown, opts: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', opts);
}

/** Read and parse a JSON file; undefined when it does not exist. A file that does not parse is STORE_CORRUPT. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TillqrError('STORE_READ_FAILED', `cannot read ${path}: ${(e as Error).message}`, { path }, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new TillqrError('STORE_CORRUPT', `${path} is not valid JSON: ${(e as Error).message}`, { path }, { cause: e });
  }
}

/** Remove the `.….tmp` entries (files or folders) an interrupted write or unpack left in `dir`: those starting with `prefix`. */
export async function removeTempEntries(dir: string, prefix = '.'): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => rm(join(dir, n), { recursive: true, force: true })));
}

/** Remove temp files a crash left behind beside `path`. */
export async function cleanStaleTemps(path: string): Promise<void> {
  await removeTempEntries(dirname(path), `.${basename(path)}.`);
}
