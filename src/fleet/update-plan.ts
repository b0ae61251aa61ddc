/**
 * The update agent's decisions as pure functions of the facts (plan, then apply; the agent in
 * update-agent.ts gathers the facts and does the effects). test/unit/fleet/update-plan.test.ts
 * checks the rules over generated facts.
 *
 *  - planJob: what to do with a verified job (ignore a redelivery, wait behind a job in progress,
 *    finish it at once, or run it).
 *  - planFetch: what to download — only the application member of a split artifact when this
 *    device has its runtime from a member with the signed SHA-256, else the whole artifact.
 *  - planInstall: the steps after the artifact is unpacked — the new release's own `config check`
 *    against the live file first (refused: nothing is switched), the config snapshot of the running
 *    release, then record-and-switch and restart.
 *  - planHealth: during a new release's health window — commit once healthy; past the window, roll
 *    back to the previous release (else `committed`) with its config, but never while a sale is on
 *    screen (wait for the till to become idle first).
 */
import type { UpdateJob, UpdateReason } from '../link/contract-fleet.js';
import type { ArtifactLayout } from './installer.js';
import type { FleetHealth } from './ports.js';
import type { RuntimeRef } from './runtimes.js';
import { compareVersions } from './semver.js';
import type { PendingRelease } from './update-state.js';

// ---- a job arrives ------------------------------------------------------------------------

export interface JobFacts {
  readonly job: Pick<UpdateJob, 'jobId' | 'version'>;
  readonly running: string;
  readonly done: readonly string[];
  /** The job being worked on, and the pending release (in its health window). */
  readonly activeJobId: string | undefined;
  readonly pendingJobId: string | undefined;
  /** Why the job may not run here (job-check.ts), if it may not. */
  readonly problem: { readonly reason: UpdateReason; readonly detail: string } | undefined;
}

export type JobDecision =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'finish'; readonly state: 'succeeded' | 'rejected'; readonly reason?: UpdateReason; readonly detail: string }
  | { readonly kind: 'run' };

export function planJob(f: JobFacts): JobDecision {
  const id = f.job.jobId;
  if (f.done.includes(id) || f.activeJobId === id || f.pendingJobId === id) return { kind: 'ignore' }; // a retained redelivery
  if (f.activeJobId !== undefined || f.pendingJobId !== undefined) return { kind: 'wait' };
  if (f.job.version === f.running) return { kind: 'finish', state: 'succeeded', detail: `already running ${f.job.version}` };
  if (f.problem !== undefined) return { kind: 'finish', state: 'rejected', reason: f.problem.reason, detail: f.problem.detail };
  return { kind: 'run' };
}

// ---- what to download ------------------------------------------------------------------------

export interface FetchPlan {
  /** Bytes to fetch: the artifact's first `size` bytes (all of them, or its application member). */
  readonly size: number;
  /** The signed SHA-256 of those bytes. */
  readonly sha256: string;
  /** How the downloaded file is unpacked (installer.ts). */
  readonly layout: ArtifactLayout;
  /** The runtime not fetched, because it is installed already. */
  readonly reuses?: string;
}

/** `installed`: the device's record of the runtime the job names (runtimes.ts), if it has one. */
export function planFetch(job: Pick<UpdateJob, 'size' | 'sha256' | 'app' | 'runtime'>, installed: RuntimeRef | undefined): FetchPlan {
  const id = job.runtime?.id;
  const sha256 = job.runtime?.sha256;
  if (job.app === undefined || id === undefined || sha256 === undefined) return { size: job.size, sha256: job.sha256, layout: { kind: 'whole' } };
  const runtime = { id, sha256 };
  if (installed?.id === id && installed.sha256 === sha256) return { size: job.app.size, sha256: job.app.sha256, layout: { kind: 'app', runtime }, reuses: id };
  return { size: job.size, sha256: job.sha256, layout: { kind: 'split', appBytes: job.app.size, runtime } };
}

// ---- after the unpack -----------------------------------------------------------------------

export type InstallStep =
  | { readonly kind: 'check-config'; readonly version: string }
  | { readonly kind: 'wait-idle' }
  | { readonly kind: 'snapshot-config'; readonly version: string }
  | { readonly kind: 'record-and-switch'; readonly pending: PendingRelease }
  | { readonly kind: 'restart'; readonly reason: string };

export function planInstall(f: {
  readonly job: Pick<UpdateJob, 'jobId' | 'version' | 'rollback'>;
  readonly running: string;
  readonly nowSec: number;
  readonly hasConfigFile: boolean;
}): InstallStep[] {
  const { job } = f;
  return [
    ...(f.hasConfigFile ? [{ kind: 'check-config', version: job.version } as const] : []),
    { kind: 'wait-idle' },
    ...(f.hasConfigFile ? [{ kind: 'snapshot-config', version: f.running } as const] : []),
    {
      kind: 'record-and-switch',
      pending: { jobId: job.jobId, version: job.version, previous: f.running, rollback: job.rollback, attempts: 0, installedAt: f.nowSec },
    },
    { kind: 'restart', reason: `update to ${job.version}` },
  ];
}

// ---- the health window ------------------------------------------------------------------------

export interface HealthFacts {
  readonly pending: PendingRelease | undefined;
  readonly running: string;
  readonly health: FleetHealth;
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly windowSec: number;
  readonly saleActive: boolean;
  readonly committed: string | undefined;
  /** Versions whose directory is a complete release; versions with a config snapshot. */
  readonly complete: ReadonlySet<string>;
  readonly snapshots: ReadonlySet<string>;
  readonly floor: string | undefined;
}

export type HealthDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'wait'; readonly recheckMs: number }
  | { readonly kind: 'wait-for-idle'; readonly why: string }
  | { readonly kind: 'commit'; readonly version: string; readonly floor: string }
  | { readonly kind: 'rollback'; readonly version: string; readonly to: string | undefined; readonly restoreConfig: boolean; readonly why: string };

export function planHealth(f: HealthFacts): HealthDecision {
  const p = f.pending;
  if (p === undefined || p.version !== f.running) return { kind: 'none' };
  const h = f.health;
  if (h.brokerConnected && h.displayDrawn) {
    const floor = p.rollback || f.floor === undefined || compareVersions(p.version, f.floor) > 0 ? p.version : f.floor;
    return { kind: 'commit', version: p.version, floor };
  }
  if (f.nowMs < f.deadlineMs) return { kind: 'wait', recheckMs: Math.max(1, Math.min(1000, f.deadlineMs - f.nowMs)) };
  const why = `not healthy within ${f.windowSec} s (broker ${h.brokerConnected ? 'connected' : 'not connected'}, display ${h.displayDrawn ? 'drawn' : 'not drawn'})`;
  if (f.saleActive) return { kind: 'wait-for-idle', why };
  const to = [p.previous, f.committed].find((v): v is string => v !== undefined && v !== p.version && f.complete.has(v));
  return { kind: 'rollback', version: p.version, to, restoreConfig: to !== undefined && f.snapshots.has(to), why };
}
