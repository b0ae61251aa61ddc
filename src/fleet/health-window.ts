/**
 * A new release's health window: planHealth (update-plan.ts) decides every second from the facts;
 * this applies the decision — commit the new release, or roll back to the one before with its
 * config and restart (never during a sale: the decision waits for the till to become idle).
 * Order matters for a power cut: the link first and the state last on commit (a commit cut short
 * settles as succeeded at the next boot check); on rollback the config first, then the link, then
 * the state (cut short, the boot check finishes it).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { FleetHost } from './ports.js';
import { windowFacts, type ConfigFileAccess } from './release-check.js';
import type { ReleaseDir } from './releases.js';
import { compareVersions } from './semver.js';
import { planHealth } from './update-plan.js';
import { saveUpdateState, withOutcome, type UpdateStateData } from './update-state.js';

export interface WindowEffects {
  readonly releases: ReleaseDir;
  readonly stateDir: string;
  readonly configFile: ConfigFileAccess | undefined;
  readonly logger: Logger;
}

function withoutPending(s: UpdateStateData): UpdateStateData {
  const next = { ...s };
  delete next.pending;
  return next;
}

export async function commitRelease(fx: WindowEffects, state: UpdateStateData, floor: string, nowSec: number): Promise<UpdateStateData> {
  const p = state.pending;
  if (p === undefined) return state;
  await fx.releases.switchLink('committed', p.version);
  // The config this release was committed with: what a later rollback to it puts back.
  if (fx.configFile !== undefined)
    await fx.releases
      .snapshotConfig(p.version, fx.configFile.path)
      .catch((e: unknown) => fx.logger.warn('could not keep a snapshot of the config', { error: e }));
  const next = withoutPending(withOutcome({ ...state, floor }, { jobId: p.jobId, version: p.version, state: 'succeeded', at: nowSec }));
  await saveUpdateState(fx.stateDir, next);
  fx.logger.info('committed the new release', { version: p.version, floor });
  return next;
}

export async function rollBackRelease(
  fx: WindowEffects,
  state: UpdateStateData,
  back: string | undefined,
  restoreConfig: boolean,
  why: string,
  nowSec: number,
): Promise<UpdateStateData> {
  const p = state.pending;
  if (p === undefined) return state;
  fx.logger.error('the new release failed its health window; rolling back', { version: p.version, to: back, why, restoreConfig });
  if (restoreConfig && back !== undefined && fx.configFile !== undefined) await fx.releases.restoreConfig(back, fx.configFile.path);
  if (back !== undefined) await fx.releases.switchLink('current', back);
  const next = withoutPending(
    withOutcome(state, { jobId: p.jobId, version: p.version, state: 'rolled_back', reason: 'health_window', detail: why.slice(0, 300), at: nowSec }),
  );
  await saveUpdateState(fx.stateDir, next);
  return next;
}

export interface HealthWindowOptions {
  readonly fx: WindowEffects;
  readonly host: FleetHost;
  readonly clock: Clock;
  readonly windowSec: number;
  readonly keepReleases: number;
  /** The update agent's state, read and replaced here. */
  state(): UpdateStateData;
  setState(s: UpdateStateData): void;
  /** Publish the final outcome now in the state. */
  finalStatus(): void;
  nowSec(): number;
}

export class HealthWindow {
  readonly #o: HealthWindowOptions;
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(o: HealthWindowOptions) {
    this.#o = o;
  }

  /** Gather the release facts once, then decide now and every second until the window closes. */
  async start(previous: string): Promise<void> {
    const o = this.#o;
    const facts = await windowFacts(o.fx.releases, previous, o.fx.configFile !== undefined);
    const deadlineMs = o.clock.now() + o.windowSec * 1000;
    const check = (): void => {
      this.#timer = undefined;
      if (this.#stopped) return;
      const s = o.state();
      const d = planHealth({
        ...facts,
        pending: s.pending,
        running: o.host.version,
        health: o.host.health(),
        nowMs: o.clock.now(),
        deadlineMs,
        windowSec: o.windowSec,
        saleActive: o.host.saleActive(),
        floor: s.floor,
      });
      if (d.kind === 'commit') void this.#commit(d.floor);
      else if (d.kind === 'rollback') void this.#rollback(d.why, d.to, d.restoreConfig);
      else if (d.kind === 'wait') this.#timer = o.clock.setTimeout(check, d.recheckMs);
      else if (d.kind === 'wait-for-idle') {
        // Never roll back (and restart) under a sale: once the till is idle, decide again.
        o.fx.logger.warn('the health window is over during a sale; deciding once it ends', { why: d.why });
        const off = o.host.onIdle(() => {
          off();
          check();
        });
      }
    };
    check();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
  }

  async #commit(floor: string): Promise<void> {
    const o = this.#o;
    const p = o.state().pending;
    if (p === undefined) return;
    try {
      o.setState(await commitRelease(o.fx, o.state(), floor, o.nowSec()));
      o.finalStatus();
      const gone = await o.fx.releases.prune([p.version, p.previous], o.keepReleases, compareVersions);
      if (gone.releases.length > 0) o.fx.logger.info('removed old releases', { versions: gone.releases });
      if (gone.runtimes.length > 0) o.fx.logger.info('removed runtimes no kept release uses', { runtimes: gone.runtimes });
    } catch (e) {
      o.fx.logger.error('could not commit the release; the boot check will decide at the next start', { error: e });
    }
  }

  async #rollback(why: string, back: string | undefined, restoreConfig: boolean): Promise<void> {
    const o = this.#o;
    const p = o.state().pending;
    if (p === undefined) return;
    try {
      o.setState(await rollBackRelease(o.fx, o.state(), back, restoreConfig, why, o.nowSec()));
      o.finalStatus();
    } catch (e) {
      o.fx.logger.error('the rollback failed; the boot check will retry at the next start', { error: e });
    }
    o.host.restart(`rollback from ${p.version}`);
  }
}
