/**
 * Software updates on the device: receive a signed job, check it (release key, audience, expiry,
 * from-version, anti-rollback), wait until no sale is on screen, download (HTTPS or chunked
 * MQTT; only the application member of a split artifact when this device has its runtime
 * already, decision 0009), verify, install, switch and restart; after the restart, commit the release when it is
 * healthy within the health window or switch back. Every step is published on update/status.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import { isTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  updateJobSchema,
  type StreamFrameHeader,
  type StreamRequest,
  type UpdateJob,
  type UpdateReason,
  type UpdateState,
  type UpdateStatus,
} from '../link/contract-fleet.js';
import type { KeyLookup } from '../payment/jws.js';
import type { FleetConfig } from './config.js';
import { fetchJob, JobFailure, verifyFetched } from './job-fetch.js';
import { hostRuntime, releaseArchOf, type HostRuntime } from './host-runtime.js';
import { jobProblem } from './job-check.js';
import { switchToPending, unpackInto } from './installer.js';
import type { FleetHost } from './ports.js';
import { checkNewRelease, type ConfigFileAccess } from './release-check.js';
import type { ReleaseDir } from './releases.js';
import { planFetch, planInstall, planJob, type FetchPlan } from './update-plan.js';
import { HealthWindow } from './health-window.js';
import { verifyDoc } from './signed-doc.js';
import type { StreamDownload } from './download-retry.js';
import { loadUpdateState, saveUpdateState, withOutcome, type UpdateStateData } from './update-state.js';

export interface UpdateAgentOptions {
  readonly host: FleetHost;
  readonly fleet: FleetConfig;
  readonly skewSec: number;
  readonly deviceId: string;
  readonly stateDir: string;
  readonly releases: ReleaseDir;
  readonly releaseKeys: KeyLookup;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly publishStatus: (s: UpdateStatus) => void;
  readonly requestBlocks: (r: StreamRequest) => void;
  readonly connected: () => boolean;
  /** The live config file: checked by a new release before the switch, snapshotted, restored on rollback (decision 0008). */
  readonly configFile?: ConfigFileAccess;
}

export type { ConfigFileAccess } from './release-check.js';

export class UpdateAgent {
  readonly #o: UpdateAgentOptions;
  readonly #log: Logger;
  #state: UpdateStateData = { done: [] };
  #status: UpdateStatus | undefined;
  #job: UpdateJob | undefined;
  #token: Buffer | undefined;
  #next: Buffer | undefined;
  #stream: StreamDownload | undefined;
  #lastPercent = -1;
  /** What the job in progress downloads, for update/status. */
  #fetch: NonNullable<UpdateStatus['fetch']> | undefined;
  #stopped = false;
  /** The job being carried out; stop() waits for it. */
  #running: Promise<void> | undefined;
  /** Aborts an HTTPS download and an idle wait when the agent stops. */
  readonly #stopping = new AbortController();
  #window: HealthWindow | undefined;
  #snapshots: Promise<void> = Promise.resolve();
  /** This device's architecture and system Node.js, asked once at start (host-runtime.ts). */
  #runtime: HostRuntime = { arch: releaseArchOf(process.arch), systemNodeAbi: undefined };

  constructor(o: UpdateAgentOptions) {
    this.#o = o;
    this.#log = o.logger;
  }

  /** A job is being worked on (or a new release is in its health window). */
  get busy(): boolean {
    return this.#job !== undefined || this.#state.pending !== undefined;
  }

  get downloadsDir(): string {
    return join(this.#o.stateDir, 'fleet', 'downloads');
  }

  async start(): Promise<void> {
    this.#runtime = await hostRuntime();
    this.#state = await loadUpdateState(this.#o.stateDir, (why) => this.#log.error('the update state is unreadable; starting from an empty one', { why }));
    const last = this.#state.last;
    if (last !== undefined)
      this.#status = {
        jobId: last.jobId,
        version: last.version,
        state: last.state,
        ...(last.reason !== undefined ? { reason: last.reason } : {}),
        ...(last.detail !== undefined ? { detail: last.detail } : {}),
        current: this.#o.host.version,
        at: last.at,
      };
    const p = this.#state.pending;
    if (p !== undefined && p.version === this.#o.host.version) {
      this.#log.info('running a new release in its health window', { version: p.version, windowSec: this.#o.fleet.healthWindowSec, attempt: p.attempts });
      this.#window = new HealthWindow({
        fx: { releases: this.#o.releases, stateDir: this.#o.stateDir, configFile: this.#o.configFile, logger: this.#log },
        host: this.#o.host,
        clock: this.#o.clock,
        windowSec: this.#o.fleet.healthWindowSec,
        keepReleases: this.#o.fleet.keepReleases,
        state: () => this.#state,
        setState: (s) => (this.#state = s),
        finalStatus: () => this.#setFinalStatus(),
        nowSec: () => this.#nowSec(),
      });
      await this.#window.start(p.previous);
    } else if (p !== undefined) {
      // The boot check did not run (no systemd): settle it the same way.
      this.#state = withOutcome(this.#state, {
        jobId: p.jobId,
        version: p.version,
        state: 'failed',
        reason: 'interrupted',
        detail: `${p.version} is not running; ${this.#o.host.version} is`,
        at: this.#nowSec(),
      });
      delete this.#state.pending;
      await saveUpdateState(this.#o.stateDir, this.#state);
      this.#setFinalStatus();
    }
    await this.configChanged();
  }

  /**
   * Keep the committed release's snapshot the config it runs with now (called at start and after
   * every change of the file), so a repair or a rollback to it never puts back an older file — a
   * previous owner's, say. Not while a new release is pending: its file may not suit the committed one.
   */
  configChanged(): Promise<void> {
    const cf = this.#o.configFile;
    if (cf === undefined || this.#state.pending !== undefined || this.#stopped) return this.#snapshots;
    this.#snapshots = this.#snapshots
      .then(async () => {
        if (this.#state.pending !== undefined || (await this.#o.releases.linkVersion('committed')) !== this.#o.host.version) return;
        await this.#o.releases.snapshotConfig(this.#o.host.version, cf.path);
      })
      .catch((e: unknown) => this.#log.warn('could not keep a snapshot of the config', { error: e }));
    return this.#snapshots;
  }

  /**
   * Stop; a chunked transfer in progress saves its block map first, so the next start resumes it.
   * Resolves once the job in flight has let go of its files (a download broken off, an unpack
   * finished), so whoever stops the agent may move or remove them.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#window?.stop();
    this.#stopping.abort(new Error('stopping'));
    await this.#stream?.abort(new Error('stopping'));
    await this.#running;
  }

  online(): void {
    if (this.#status !== undefined) this.#o.publishStatus(this.#status);
    if (this.#state.last !== undefined && !this.#state.last.published) {
      this.#state = { ...this.#state, last: { ...this.#state.last, published: true } };
      void saveUpdateState(this.#o.stateDir, this.#state).catch((e: unknown) => this.#log.warn('could not save the update state', { error: e }));
    }
    this.#stream?.online();
  }

  offline(): void {
    this.#stream?.offline();
  }

  frame(header: StreamFrameHeader, data: Buffer): void {
    this.#stream?.frame(header, data);
  }

  /** A message on the update topic. */
  receive(payload: Buffer): void {
    if (payload.length === 0 || this.#stopped) return; // a cleared retained job
    const v = verifyDoc<UpdateJob>(payload, {
      keys: this.#o.releaseKeys,
      schema: updateJobSchema,
      typ: 'update',
      nowSec: this.#nowSec(),
      skewSec: this.#o.skewSec,
      maxBytes: 262_144,
    });
    if (!v.ok) {
      // Unauthenticated or unusable: reported, never remembered as done (it proves nothing).
      const reason: UpdateReason = v.reason === 'wrong_type' ? 'malformed' : v.reason;
      this.#log.warn('refused an update job', { reason, detail: v.detail });
      const jobId = v.reason === 'expired' || v.reason === 'not_yet_valid' ? v.partial?.jobId : undefined;
      if (typeof jobId === 'string' && this.#state.done.includes(jobId)) return;
      this.#publish({ state: 'rejected', reason, detail: v.detail.slice(0, 200) }, typeof jobId === 'string' ? { jobId } : {});
      return;
    }
    const job = v.doc;
    const problem = jobProblem(job, {
      deviceId: this.#o.deviceId,
      current: this.#o.host.version,
      floor: this.#state.floor,
      updates: this.#o.fleet.updates,
      maxBytes: this.#o.fleet.maxArtifactBytes,
      host: this.#runtime,
    });
    const d = planJob({
      job,
      running: this.#o.host.version,
      done: this.#state.done,
      activeJobId: this.#job?.jobId,
      pendingJobId: this.#state.pending?.jobId,
      problem,
    });
    if (d.kind === 'ignore') return;
    if (d.kind === 'wait') {
      this.#log.info('an update job arrived while another is in progress; it waits', { jobId: job.jobId });
      this.#next = payload;
      return;
    }
    if (d.kind === 'finish') {
      void this.#finish(job, d.state, d.reason, d.detail);
      return;
    }
    this.#job = job;
    this.#token = payload;
    const running = this.#run(job).finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
  }

  async #run(job: UpdateJob): Promise<void> {
    this.#fetch = undefined;
    this.#publish({ state: 'queued' }, job);
    try {
      await this.#waitIdle();
      if (job.exp < this.#nowSec() - this.#o.skewSec) throw new JobFailure('expired', 'the job expired while a sale was on screen');
      const id = job.runtime?.id;
      const plan: FetchPlan = planFetch(job, id !== undefined ? await this.#o.releases.runtimes.installed(id) : undefined);
      if (plan.reuses !== undefined)
        this.#log.info('this device has the runtime; fetching the application member only', { runtime: plan.reuses, bytes: plan.size, of: job.size });
      const file = join(this.downloadsDir, `${job.jobId}.${plan.layout.kind === 'app' ? 'app' : 'artifact'}`);
      await mkdir(this.downloadsDir, { recursive: true, mode: 0o700 });
      this.#lastPercent = -1;
      this.#fetch = { bytes: 0, of: plan.size, artifact: job.size, ...(plan.reuses !== undefined ? { runtime: plan.reuses } : {}) };
      this.#progress(job, plan, 0);
      await fetchJob({
        job,
        plan,
        file,
        fleet: this.#o.fleet,
        clock: this.#o.clock,
        logger: this.#log,
        signal: this.#stopping.signal,
        stopped: () => this.#stopped,
        requestBlocks: this.#o.requestBlocks,
        connected: this.#o.connected,
        onProgress: (b, blocks) => this.#progress(job, plan, b, blocks),
        onStream: (st) => (this.#stream = st),
      });
      this.#publish({ state: 'verifying', ...this.#fetchStatus() }, job);
      await verifyFetched({ job, plan, file, token: this.#token, releaseKeys: this.#o.releaseKeys });
      const layout = plan.layout;
      this.#publish({ state: 'installing', ...this.#fetchStatus() }, job);
      await unpackInto(
        this.#o.releases,
        file,
        job.version,
        { maxBytes: this.#o.fleet.maxUnpackedBytes, maxEntries: 200_000 },
        this.#log,
        this.#runtime,
        layout,
      );
      await rm(file, { force: true });
      for (const step of planInstall({ job, running: this.#o.host.version, nowSec: this.#nowSec(), hasConfigFile: this.#o.configFile !== undefined })) {
        if (step.kind === 'check-config') await checkNewRelease(this.#o.releases, step.version, this.#o.configFile, this.#log);
        else if (step.kind === 'wait-idle') await this.#waitIdle();
        else if (step.kind === 'snapshot-config') await this.#o.releases.snapshotConfig(step.version, this.#o.configFile?.path ?? '');
        else if (step.kind === 'record-and-switch')
          this.#state = await switchToPending(this.#o.releases, this.#o.stateDir, this.#state, step.pending, this.#log);
        else {
          this.#publish({ state: 'restarting', ...this.#fetchStatus() }, job);
          this.#o.host.restart(step.reason);
        }
      }
    } catch (e) {
      if (this.#stopped) {
        // Shutting down mid-job: nothing is recorded; the retained job comes again at the next start and resumes.
        this.#log.info('stopped during an update; it resumes at the next start', { jobId: job.jobId });
        this.#job = undefined;
        return;
      }
      const reason: UpdateReason =
        e instanceof JobFailure ? e.reason : isTillqrError(e) && typeof e.context.reason === 'string' ? (e.context.reason as UpdateReason) : 'install_failed';
      const message = e instanceof Error ? e.message : String(e);
      this.#log.error('the update failed', { jobId: job.jobId, version: job.version, reason, error: message });
      this.#job = undefined;
      await this.#finish(job, reason === 'expired' || reason === 'config_rejected' ? 'rejected' : 'failed', reason, message.slice(0, 400));
    }
  }

  /** Record a final outcome, publish it, and take the next waiting job if any. */
  async #finish(job: UpdateJob, state: 'succeeded' | 'failed' | 'rejected', reason: UpdateReason | undefined, detail: string | undefined): Promise<void> {
    this.#state = withOutcome(this.#state, {
      jobId: job.jobId,
      version: job.version,
      state,
      ...(reason !== undefined ? { reason } : {}),
      ...(detail !== undefined ? { detail } : {}),
      at: this.#nowSec(),
    });
    try {
      await saveUpdateState(this.#o.stateDir, this.#state);
    } catch (e) {
      this.#log.error('could not save the update state', { error: e });
    }
    this.#setFinalStatus();
    this.#job = undefined;
    this.#fetch = undefined;
    const next = this.#next;
    this.#next = undefined;
    if (next !== undefined) this.receive(next);
  }

  #setFinalStatus(): void {
    const l = this.#state.last;
    if (l === undefined) return;
    this.#publish(
      { state: l.state, ...(l.reason !== undefined ? { reason: l.reason } : {}), ...(l.detail !== undefined ? { detail: l.detail } : {}) },
      { jobId: l.jobId, version: l.version },
    );
  }

  #waitIdle(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('stopping'));
    if (!this.#o.host.saleActive()) return Promise.resolve();
    this.#log.info('an update waits for the sale to end');
    return new Promise((resolve, reject) => {
      const onStop = (): void => {
        off();
        reject(new Error('stopping'));
      };
      const off = this.#o.host.onIdle(() => {
        if (this.#o.host.saleActive()) return;
        off();
        this.#stopping.signal.removeEventListener('abort', onStop);
        resolve();
      });
      this.#stopping.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  #progress(job: UpdateJob, plan: FetchPlan, bytes: number, blocks?: number): void {
    if (this.#fetch !== undefined) this.#fetch = { ...this.#fetch, bytes, ...(blocks !== undefined ? { blocks } : {}) };
    const percent = Math.min(100, Math.floor((bytes * 100) / plan.size));
    if (percent === this.#lastPercent || (percent < 100 && percent - this.#lastPercent < 5 && this.#lastPercent >= 0)) return;
    this.#lastPercent = percent;
    this.#publish({ state: 'downloading', percent, ...this.#fetchStatus() }, job);
  }

  #fetchStatus(): { fetch?: NonNullable<UpdateStatus['fetch']> } {
    return this.#fetch !== undefined ? { fetch: this.#fetch } : {};
  }

  #publish(
    s: { state: UpdateState; percent?: number; fetch?: NonNullable<UpdateStatus['fetch']>; reason?: UpdateReason; detail?: string },
    job: { jobId?: string; version?: string },
  ): void {
    const status: UpdateStatus = {
      ...(job.jobId !== undefined ? { jobId: job.jobId } : {}),
      ...(job.version !== undefined ? { version: job.version } : {}),
      ...s,
      current: this.#o.host.version,
      at: this.#nowSec(),
    };
    this.#status = status;
    this.#o.publishStatus(status);
  }

  #nowSec(): number {
    return Math.floor(this.#o.clock.now() / 1000);
  }
}
