/**
 * Child process for the SIGKILL test: verify, unpack, record pending, switch — the real install
 * steps, logging each to stdout as JSON lines (the test kills the process at each of them).
 * argv: releaseRoot stateDir artifact version previous sha256 size
 */
import { createLogger } from '../../../src/core/logger.js';
import { switchToPending, unpackInto, verifyArtifact } from '../../../src/fleet/installer.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState } from '../../../src/fleet/update-state.js';

const [root, stateDir, artifact, version, previous, sha256, size] = process.argv.slice(2) as [string, string, string, string, string, string, string];
const log = createLogger('install', { level: 'debug' });
log.info('start');
await verifyArtifact(artifact, Number(size), sha256);
log.info('verified');
const releases = new ReleaseDir(root);
await unpackInto(releases, artifact, version, { maxBytes: 1e9, maxEntries: 100_000 }, log);
const state = await loadUpdateState(stateDir);
await switchToPending(releases, stateDir, state, { jobId: 'job-kill', version, previous, rollback: false, attempts: 0, installedAt: 0 }, log);
log.info('done');
