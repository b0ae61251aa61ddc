/**
 * The install steps after a download, each safe to be cut off by a power loss or SIGKILL:
 *
 *  1. verify: size and SHA-256 of the downloaded file against the signed job;
 *  2. unpack into releases/.<version>.<random>.tmp (links checked to resolve inside it), check
 *     it is a release of that version, flush the file system, rename(2) it to releases/<version>;
 *  3. record the pending release (with the version to go back to) in the update state;
 *  4. switch `current` to it (symlink + rename(2)).
 *
 * Cut off before 3, the old release starts as if nothing happened (leftovers are cleaned by the
 * boot check). Cut off between 3 and 4, the boot check sees a pending release that is not current
 * and settles it as `interrupted`. After 4, the new release starts under the boot counter and
 * the health window.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { bundledRuntimeMissing, hostRuntime, releaseRuntimeOf, runtimeProblem, type HostRuntime } from './host-runtime.js';
import { releaseProblem, type ReleaseDir } from './releases.js';
import { isVersion } from './semver.js';
import { syncFileSystem, unpackRelease, type UnpackLimits } from './unpack.js';
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

/** Unpack into a temporary directory and rename it to releases/<version>. */
export async function unpackInto(
  releases: ReleaseDir,
  artifact: string,
  version: string,
  limits: UnpackLimits,
  log: Logger,
  host?: HostRuntime,
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
    const { entries } = await unpackRelease(artifact, tmp, limits);
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
