/**
 * The release directory layout (A/B and more):
 *
 *   <root>/releases/<version>/   one unpacked release each (package.json, dist/...)
 *   <root>/current   -> releases/<version>   what systemd starts
 *   <root>/committed -> releases/<version>   the last release that passed its health window;
 *                                            the boot check runs from here, so a new release
 *                                            cannot break its own rollback
 *
 *   <root>/runtimes/<id>/        a bundled Node.js shared by the releases that link to it
 *                                (releases/<version>/runtime -> ../../runtimes/<id>; runtimes.ts),
 *                                removed with the last release on disk that uses it
 *
 *   <root>/config-snapshots/<version>.json   the config file as that release last ran with it
 *                                            (taken before switching away from it and when it
 *                                            is committed), restored when `current` switches
 *                                            back to it (decision 0008)
 *
 * A link is switched atomically: a new link under a temporary name, rename(2) over the old one,
 * then fsync of the directory. Snapshots hold secrets: 0600 in a 0700 directory, written atomically.
 */
import { access, lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import { TillqrError } from '../core/errors.js';
import { fsyncDir, removeTempEntries, writeFileAtomic } from '../store/atomic-file.js';
import { RuntimeStore } from './runtimes.js';
import { isVersion } from './semver.js';

export const ENTRY_POINT = 'dist/src/cli/tillqr.js';
export type LinkName = 'current' | 'committed';

export class ReleaseDir {
  readonly root: string;
  readonly releases: string;
  readonly runtimes: RuntimeStore;

  constructor(root: string) {
    this.root = root;
    this.releases = join(root, 'releases');
    this.runtimes = new RuntimeStore(root);
  }

  dirOf(version: string): string {
    return join(this.releases, version);
  }

  snapshotOf(version: string): string {
    return join(this.root, 'config-snapshots', `${version}.json`);
  }

  /** Keep the config file as `version` runs with it; a missing file (unprovisioned) keeps no snapshot. Returns whether one was written. */
  async snapshotConfig(version: string, configPath: string): Promise<boolean> {
    let bytes: Buffer;
    try {
      bytes = await readFile(configPath);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    await writeFileAtomic(this.snapshotOf(version), bytes);
    return true;
  }

  async hasSnapshot(version: string): Promise<boolean> {
    return access(this.snapshotOf(version)).then(
      () => true,
      () => false,
    );
  }

  /**
   * Put back the config file `version` last ran with. The file being replaced is kept as
   * `<config>.rollback.bak` (a newer release's keys are not lost for good). Returns whether a
   * snapshot existed.
   */
  async restoreConfig(version: string, configPath: string): Promise<boolean> {
    let snap: Buffer;
    try {
      snap = await readFile(this.snapshotOf(version));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    const live = await readFile(configPath).catch(() => undefined);
    if (live !== undefined && live.equals(snap)) return true;
    if (live !== undefined) await writeFileAtomic(`${configPath}.rollback.bak`, live);
    await writeFileAtomic(configPath, snap);
    return true;
  }

  /** The version a link points to, or undefined (no link, or not a release link). */
  async linkVersion(name: LinkName): Promise<string | undefined> {
    let target: string;
    try {
      target = await readlink(join(this.root, name));
    } catch {
      return undefined;
    }
    const v = basename(target);
    return isVersion(v) ? v : undefined;
  }

  /** Point a link at a release: new link, rename(2) over the old one, fsync the directory. */
  async switchLink(name: LinkName, version: string): Promise<void> {
    if (!isVersion(version)) throw new TillqrError('INTERNAL', `${JSON.stringify(version)} is not a version`);
    const tmp = join(this.root, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await symlink(join('releases', version), tmp);
      await rename(tmp, join(this.root, name));
      await fsyncDir(this.root);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new TillqrError('UPDATE_FAILED', `cannot switch ${name} to ${version}: ${(e as Error).message}`, { reason: 'install_failed' }, { cause: e });
    }
  }

  /** Is there a complete release of this version (entry point present, package.json says so)? */
  async isComplete(version: string): Promise<boolean> {
    return (await releaseProblem(this.dirOf(version), version)) === undefined;
  }

  async versions(): Promise<string[]> {
    try {
      return (await readdir(this.releases)).filter(isVersion);
    } catch {
      return [];
    }
  }

  async ensure(): Promise<void> {
    await mkdir(this.releases, { recursive: true, mode: 0o755 });
  }

  /** Remove leftovers of interrupted unpacks and link switches. */
  async cleanTemps(): Promise<void> {
    await Promise.all([removeTempEntries(this.releases), removeTempEntries(this.root)]);
    await this.runtimes.cleanTemps();
  }

  async remove(version: string): Promise<void> {
    await rm(this.dirOf(version), { recursive: true, force: true });
  }

  /**
   * Keep `keep` (always) plus the newest others up to `max` in total; remove the rest, then every
   * shared runtime no release left on disk links to.
   */
  async prune(keep: readonly string[], max: number, order: (a: string, b: string) => number): Promise<{ releases: string[]; runtimes: string[] }> {
    const all = await this.versions();
    const others = all
      .filter((v) => !keep.includes(v))
      .sort(order)
      .reverse();
    const room = Math.max(0, max - keep.filter((v) => all.includes(v)).length);
    const gone = others.slice(room);
    for (const v of gone) {
      await this.remove(v);
      await rm(this.snapshotOf(v), { force: true });
    }
    return { releases: gone, runtimes: await this.runtimes.collect() };
  }
}

/** Why a directory is not a usable release of `version`, or undefined when it is. */
export async function releaseProblem(dir: string, version: string): Promise<string | undefined> {
  try {
    const st = await lstat(dir);
    if (!st.isDirectory()) return `${dir} is not a directory`;
  } catch {
    return `${dir} does not exist`;
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  } catch {
    return 'package.json is missing or not JSON';
  }
  const p = pkg as { name?: unknown; version?: unknown };
  if (p.name !== 'tillqr') return `package.json names ${JSON.stringify(p.name)}, not "tillqr"`;
  if (p.version !== version) return `package.json says version ${JSON.stringify(p.version)}, the job says ${version}`;
  try {
    if (!(await stat(join(dir, ENTRY_POINT))).isFile()) return `${ENTRY_POINT} is not a file`;
  } catch {
    return `${ENTRY_POINT} is missing`;
  }
  return undefined;
}
