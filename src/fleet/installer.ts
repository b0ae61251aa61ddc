/**
 * The install steps after a download, each safe to be cut off by a power loss or SIGKILL:
 *
 *  1. verify: size and SHA-256 of the downloaded file against the signed job;
 *  2. unpack into releases/.<version>.<random>.tmp (links checked to resolve inside it), check
 *     it is a release of that version, flush the file system, rename(2) it to releases/<version>;
 *     a split artifact's runtime member goes to runtimes/<id> (runtimes.ts; whole, by rename)
 *     unless that runtime is there already, and the release links to it;
 *  3. record the pending release (with the version to go back to) in the update state;
 *  4. switch `current` to it (symlink + rename(2)).
 *
 * Cut off before 3, the old release starts as if nothing happened (leftovers are cleaned by the
 * boot check). Cut off between 3 and 4, the boot check sees a pending release that is not current
 * and settles it as `interrupted`. After 4, the new release starts under the boot counter and
 * the health window. A runtime added for a release that then fails is left unused (nothing links
 * to it) and removed by the next prune; the running release's runtime is never touched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { bundledRuntimeMissing, hostRuntime, releaseRuntimeOf, runtimeProblem, type HostRuntime } from './host-runtime.js';
import { releaseProblem, type ReleaseDir } from './releases.js';
import { RELEASE_RUNTIME, type RuntimeRef } from './runtimes.js';
import { isVersion } from './semver.js';
import { syncFileSystem, unpackRelease, type UnpackLimits, type UnpackPart } from './unpack.js';
import { saveUpdateState, type PendingRelease, type UpdateStateData } from './update-state.js';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function verifyArtifact(path: string, size: number, sha256: string): Promise<void> {
  const st = await stat(path);
  if (st.size !== size) throw new TillqrError('UPDATE_FAILED', `the artifact is ${st.size} bytes, the job says ${size}`, { reason: 'sha256_mismatch' });
  const got = await sha256File(path);
  if (got !== sha256) throw new TillqrError('UPDATE_FAILED', 'the artifact does not match the signed SHA-256', { reason: 'sha256_mismatch', got });
}

/** In one pass: the SHA-256 of a whole file, of its bytes before `at`, and of the bytes from `at` on. */
export async function sha256Split(path: string, at: number): Promise<{ whole: string; head: string; tail: string }> {
  const whole = createHash('sha256');
  const head = createHash('sha256');
  const tail = createHash('sha256');
  let pos = 0;
  for await (const c of createReadStream(path)) {
    const chunk = c as Buffer;
    whole.update(chunk);
    const cut = Math.max(0, Math.min(chunk.length, at - pos));
    if (cut > 0) head.update(chunk.subarray(0, cut));
    if (cut < chunk.length) tail.update(chunk.subarray(cut));
    pos += chunk.length;
  }
  return { whole: whole.digest('hex'), head: head.digest('hex'), tail: tail.digest('hex') };
}

/** Does a gzip member start at `offset` (the magic bytes 1f 8b)? */
export async function gzipMemberAt(path: string, offset: number): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, offset);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * What the downloaded file is (decision 0009):
 *  - whole: one archive, unpacked as it is (an artifact without a runtime member, or a job that does not describe one);
 *  - split: the whole split artifact, the application member of `appBytes` bytes and then the runtime member;
 *  - app: the application member alone; the device has the runtime already.
 */
export type ArtifactLayout =
  | { readonly kind: 'whole' }
  | { readonly kind: 'split'; readonly appBytes: number; readonly runtime: RuntimeRef }
  | { readonly kind: 'app'; readonly runtime: RuntimeRef };

/**
 * A whole split artifact: its size and SHA-256 as signed, and its runtime member (from byte
 * `appBytes`, a gzip member) the signed runtime.sha256, before the device keeps it as that runtime.
 */
export async function verifySplitArtifact(path: string, size: number, sha256: string, appBytes: number, runtime: RuntimeRef): Promise<void> {
  const st = await stat(path);
  if (st.size !== size) throw new TillqrError('UPDATE_FAILED', `the artifact is ${st.size} bytes, the job says ${size}`, { reason: 'sha256_mismatch' });
  const got = await sha256Split(path, appBytes);
  if (got.whole !== sha256)
    throw new TillqrError('UPDATE_FAILED', 'the artifact does not match the signed SHA-256', { reason: 'sha256_mismatch', got: got.whole });
  if (got.tail !== runtime.sha256 || !(await gzipMemberAt(path, appBytes)))
    throw new TillqrError('UPDATE_FAILED', `the artifact's runtime member (from byte ${appBytes}) does not match the signed runtime.sha256`, {
      reason: 'sha256_mismatch',
    });
}

/** Unpack the file into the release folder `tmp`, and give it its runtime (shared where it can be). */
async function unpackLayout(releases: ReleaseDir, artifact: string, tmp: string, limits: UnpackLimits, layout: ArtifactLayout, log: Logger): Promise<number> {
  if (layout.kind === 'whole') return (await unpackRelease(artifact, tmp, limits)).entries;
  const appPart: UnpackPart = { openEnded: true, refuse: RELEASE_RUNTIME, ...(layout.kind === 'split' ? { end: layout.appBytes } : {}) };
  const app = await unpackRelease(artifact, tmp, limits, appPart);
  const store = releases.runtimes;
  const ref = layout.runtime;
  if (layout.kind === 'app') {
    if (!(await store.has(ref)))
      throw new TillqrError('UPDATE_FAILED', `the runtime ${ref.id} this update relies on is no longer installed as signed`, { reason: 'install_failed' });
    await store.link(tmp, ref.id);
    log.info('the release uses the runtime installed already', { runtime: ref.id });
    return app.entries;
  }
  const rest = { maxBytes: limits.maxBytes - app.bytes, maxEntries: limits.maxEntries - app.entries };
  const runtimePart: UnpackPart = { start: layout.appBytes, strip: RELEASE_RUNTIME };
  let entries = 0;
  const outcome = await store.add(ref, async (dir) => {
    entries = (await unpackRelease(artifact, dir, rest, runtimePart)).entries;
  });
  if (outcome === 'conflict') {
    // Another member under the same id is shared already: this release keeps its own copy.
    log.warn('a runtime of this id from another artifact member is installed; the release keeps its own copy', { runtime: ref.id });
    await mkdir(join(tmp, RELEASE_RUNTIME), { mode: 0o755 });
    entries = (await unpackRelease(artifact, join(tmp, RELEASE_RUNTIME), rest, runtimePart)).entries;
  } else {
    await store.link(tmp, ref.id);
    log.info(outcome === 'added' ? 'installed the runtime, shared by the releases that use it' : 'the release uses the runtime installed already', {
      runtime: ref.id,
    });
  }
  return app.entries + entries;
}

/** Unpack into a temporary directory and rename it to releases/<version>. */
export async function unpackInto(
  releases: ReleaseDir,
  artifact: string,
  version: string,
  limits: UnpackLimits,
  log: Logger,
  host?: HostRuntime,
  layout: ArtifactLayout = { kind: 'whole' },
): Promise<void> {
  // The version names the directory: only a strict SemVer version (one string per precedence).
  if (!isVersion(version))
    throw new TillqrError('UPDATE_FAILED', `${JSON.stringify(version)} is not a release version (strict SemVer, no build metadata)`, {
      reason: 'bad_artifact',
    });
  await releases.ensure();
  const tmp = join(releases.releases, `.${version}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tmp, { mode: 0o755 });
  try {
    const entries = await unpackLayout(releases, artifact, tmp, limits, layout, log);
    const problem = await releaseProblem(tmp, version);
    if (problem !== undefined) throw new TillqrError('UPDATE_FAILED', `bad artifact: ${problem}`, { reason: 'bad_artifact' });
    // The same check as on the job, now on what the archive really holds (a job may not say).
    const want = releaseRuntimeOf(JSON.parse(await readFile(join(tmp, 'package.json'), 'utf8')));
    const incompatible = runtimeProblem(want, host ?? (await hostRuntime())) ?? bundledRuntimeMissing(tmp, want.runtime);
    if (incompatible !== undefined) throw new TillqrError('UPDATE_FAILED', incompatible, { reason: 'incompatible' });
    await syncFileSystem(tmp);
    await releases.remove(version); // a leftover of an earlier, uncommitted attempt at the same version
    await rename(tmp, releases.dirOf(version));
    await syncFileSystem(releases.releases);
    log.info('unpacked the release', { version, entries });
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof TillqrError) throw e;
    throw new TillqrError('UPDATE_FAILED', `cannot install ${version}: ${(e as Error).message}`, { reason: 'install_failed' }, { cause: e });
  }
}

/** Steps 3 and 4: record the pending release, then switch `current`. Returns the new state. */
export async function switchToPending(
  releases: ReleaseDir,
  stateDir: string,
  state: UpdateStateData,
  pending: PendingRelease,
  log: Logger,
): Promise<UpdateStateData> {
  const next: UpdateStateData = { ...state, pending };
  await saveUpdateState(stateDir, next);
  log.info('recorded the pending release', { version: pending.version, previous: pending.previous });
  await releases.switchLink('current', pending.version);
  log.info('switched the current release', { version: pending.version });
  return next;
}
