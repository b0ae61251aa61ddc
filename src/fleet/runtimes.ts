/**
 * The runtimes shared by the releases that use them (decision 0009), beside the releases:
 *
 *   <root>/runtimes/<id>/                        bin/node, LICENSE: a bundled Node.js, unpacked from
 *                                                an artifact's runtime member (or by install.sh)
 *   <root>/runtimes/<id>/installed-from.json     {"id", "sha256"}: the SHA-256 of that member
 *   <root>/releases/<version>/runtime -> ../../runtimes/<id>    each release that runs on it
 *
 * A runtime folder appears whole (filled under a temporary name, flushed, renamed into place) and
 * is never changed afterwards: a release that runs on it, or may be rolled back to, finds the
 * same bytes. A job whose runtime member has the same id but another SHA-256 gets its own copy
 * inside its release instead (never the shared one replaced). A runtime is removed only when no
 * release left on disk links to it, and releases are pruned by the rollback rules (the running,
 * the committed and the previous one are always kept), so a runtime is kept by the same rules.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { object, string } from '../core/schema.js';
import { fsyncDir, readJsonFile, removeTempEntries, writeJsonAtomic } from '../store/atomic-file.js';
import { RUNTIME_ID } from './host-runtime.js';
import { syncFileSystem } from './unpack.js';

export const RUNTIME_RECORD = 'installed-from.json';
/** The name of a release's runtime, a folder or a link to a shared one. */
export const RELEASE_RUNTIME = 'runtime';

const recordSchema = object({
  id: string({ pattern: RUNTIME_ID, expected: 'a runtime id' }),
  sha256: string({ pattern: /^[0-9a-f]{64}$/, expected: 'a SHA-256' }),
});

export interface RuntimeRef {
  readonly id: string;
  /** SHA-256 of the artifact member the runtime was unpacked from. */
  readonly sha256: string;
}

export type AddOutcome = 'added' | 'present' | 'conflict';

export class RuntimeStore {
  readonly dir: string;
  readonly #releases: string;

  constructor(root: string) {
    this.dir = join(root, 'runtimes');
    this.#releases = join(root, 'releases');
  }

  dirOf(id: string): string {
    if (!RUNTIME_ID.test(id)) throw new Error(`${JSON.stringify(id)} is not a runtime id`);
    return join(this.dir, id);
  }

  /** What a release's `runtime` link holds: relative, so it stays inside the install root wherever that is mounted. */
  static linkTarget(id: string): string {
    return posix.join('..', '..', 'runtimes', id);
  }

  /** The record of an installed runtime, or undefined when it is missing, incomplete or unreadable. */
  async installed(id: string): Promise<RuntimeRef | undefined> {
    if (!RUNTIME_ID.test(id) || !existsSync(join(this.dirOf(id), 'bin', 'node'))) return undefined;
    const raw = await readJsonFile(join(this.dirOf(id), RUNTIME_RECORD)).catch(() => undefined);
    const r = recordSchema.safeParse(raw);
    return r.ok && r.value.id === id ? r.value : undefined;
  }

  /** Is this runtime here, installed from a member with this SHA-256? */
  async has(ref: RuntimeRef): Promise<boolean> {
    return (await this.installed(ref.id))?.sha256 === ref.sha256;
  }

  /**
   * Put the runtime in place, `fill` writing its files into an empty folder; 'present' when it is
   * here already (nothing written), 'conflict' when a runtime of that id from another member is.
   */
  async add(ref: RuntimeRef, fill: (dir: string) => Promise<void>): Promise<AddOutcome> {
    const dest = this.dirOf(ref.id);
    if (existsSync(dest)) return (await this.has(ref)) ? 'present' : 'conflict';
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const tmp = join(this.dir, `.${ref.id}.${randomBytes(4).toString('hex')}.tmp`);
    await mkdir(tmp, { mode: 0o755 });
    try {
      await fill(tmp);
      if (!existsSync(join(tmp, 'bin', 'node'))) throw new Error(`the runtime member of ${ref.id} holds no bin/node`);
      await writeJsonAtomic(join(tmp, RUNTIME_RECORD), { id: ref.id, sha256: ref.sha256 }, { mode: 0o644 });
      await syncFileSystem(tmp);
      await rename(tmp, dest);
      await fsyncDir(this.dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      throw e;
    }
    return 'added';
  }

  /** Make `releaseDir/runtime` a link to the shared runtime. */
  async link(releaseDir: string, id: string): Promise<void> {
    this.dirOf(id); // an id that names a folder, nothing else
    await symlink(RuntimeStore.linkTarget(id), join(releaseDir, RELEASE_RUNTIME));
  }

  /** The runtime ids the releases on disk (finished or being unpacked) link to. */
  async referenced(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const name of await readdir(this.#releases).catch(() => [] as string[])) {
      const target = await readlink(join(this.#releases, name, RELEASE_RUNTIME)).catch(() => undefined);
      if (target === undefined) continue;
      const id = basename(target);
      if (target === RuntimeStore.linkTarget(id)) ids.add(id);
    }
    return ids;
  }

  /** Remove every runtime no release on disk links to (and leftovers of interrupted installs); returns the ids removed. */
  async collect(): Promise<string[]> {
    await this.cleanTemps();
    const used = await this.referenced();
    const gone: string[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (!RUNTIME_ID.test(name) || used.has(name)) continue;
      // Renamed out of the way first, so a runtime is never seen half removed.
      const doomed = join(this.dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      await rename(join(this.dir, name), doomed);
      await rm(doomed, { recursive: true, force: true });
      gone.push(name);
    }
    return gone;
  }

  /** Remove leftovers of interrupted runtime installs. */
  async cleanTemps(): Promise<void> {
    await removeTempEntries(this.dir);
  }
}
