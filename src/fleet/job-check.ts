/**
 * The checks an update job passes after its signature, schema and time window (signed-doc.ts):
 * audience, updates enabled, from-version, anti-rollback, size. Pure.
 */
import type { UpdateJob, UpdateReason } from '../link/contract-fleet.js';
import { runtimeProblem, type HostRuntime, type ReleaseRuntime } from './host-runtime.js';
import { compareVersions, fromAllows } from './semver.js';

export interface JobContext {
  readonly deviceId: string;
  /** The running version. */
  readonly current: string;
  /** The anti-rollback floor (highest committed version), if any release was ever committed. */
  readonly floor: string | undefined;
  readonly updates: boolean;
  readonly maxBytes: number;
  /** This device's architecture and system Node.js (host-runtime.ts). */
  readonly host: HostRuntime;
}

export function jobProblem(job: UpdateJob, c: JobContext): { reason: UpdateReason; detail: string } | undefined {
  if (job.aud !== undefined && !job.aud.includes(c.deviceId)) return { reason: 'wrong_audience', detail: "this device is not in the job's aud list" };
  if (!c.updates) return { reason: 'updates_disabled', detail: 'fleet.updates is false' };
  if (!fromAllows(job.from, c.current)) return { reason: 'wrong_from_version', detail: `${c.current} is not in ${JSON.stringify(job.from)}` };
  const floor = c.floor !== undefined && compareVersions(c.floor, c.current) > 0 ? c.floor : c.current;
  if (compareVersions(job.version, floor) < 0 && !job.rollback)
    return { reason: 'downgrade', detail: `${job.version} is lower than ${floor} and the job is not signed as a rollback` };
  if (job.size > c.maxBytes) return { reason: 'too_large', detail: `${job.size} bytes; fleet.maxArtifactBytes is ${c.maxBytes}` };
  const rt = job.runtime;
  const runtime: ReleaseRuntime | undefined =
    rt === undefined
      ? undefined
      : rt.kind === 'bundled'
        ? { kind: 'bundled', node: rt.node ?? 'unknown', nodeAbi: rt.nodeAbi }
        : { kind: 'system', nodeMajor: rt.nodeMajor ?? 0, nodeAbi: rt.nodeAbi };
  const incompatible = runtimeProblem({ arch: job.arch, runtime }, c.host);
  if (incompatible !== undefined) return { reason: 'incompatible', detail: incompatible };
  return undefined;
}
