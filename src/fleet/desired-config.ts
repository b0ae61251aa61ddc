/**
 * Desired configuration from the fleet: signed documents for this device and for its groups,
 * applied through the ConfigStore (validated whole, written atomically, live where the key allows)
 * and reported back on the retained config/reported topic.
 *
 * Versions: each source (the device topic, each group topic) has its own version counter. The
 * accepted documents and their versions are persisted atomically BEFORE they are applied, and the
 * persisted set is applied again at every start, so a crash between the two steps is harmless and
 * an older version can never overwrite a newer one (it is refused as stale).
 */
import { join } from 'node:path';
import type { ConfigChange, ConfigStore } from '../config/config-store.js';
import type { Clock } from '../core/clock.js';
import { isTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { int, object } from '../core/schema.js';
import { desiredConfigSchema, jsonObject, type DesiredConfigDoc, type ReportedConfig } from '../link/contract-fleet.js';
import type { KeyLookup } from '../payment/jws.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import { byPrecedence, checkLeaf, combine, isCurrent, isSecretKey, toPartial, type KeyError, type SourcedLeaf } from './config-merge.js';
import { verifyDoc } from './signed-doc.js';

const storedDocSchema = object({ version: int({ min: 1 }), config: jsonObject() });
const storedSchema = object({
  device: storedDocSchema.optional(),
  groups: jsonObject(),
});

interface StoredDoc {
  version: number;
  config: Record<string, unknown>;
}

export interface DesiredConfigOptions {
  readonly store: ConfigStore;
  readonly deviceId: string;
  /** Groups this device belongs to (mqtt.groups at start). */
  readonly groups: readonly string[];
  readonly fleetKeys: KeyLookup;
  readonly skewSec: number;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Publish the retained reported document. */
  readonly report: (r: ReportedConfig) => void;
  /** Ask for a restart (when idle) because applied keys need one. */
  readonly restartNeeded: (keys: readonly string[]) => void;
}

export type DesiredOutcome = 'applied' | 'unchanged' | 'stale' | 'refused';

export class DesiredConfig {
  readonly #o: DesiredConfigOptions;
  readonly #path: string;
  #device: StoredDoc | undefined;
  readonly #groups = new Map<string, StoredDoc>();
  #last: { applied: string[]; errors: KeyError[]; restartRequired: string[]; rejected?: string; at: number } = { applied: [], errors: [], restartRequired: [], at: 0 };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: DesiredConfigOptions) {
    this.#o = o;
    this.#path = join(o.stateDir, 'fleet', 'desired-config.json');
  }

  /** Load the persisted documents and apply them again (a crash may have come between persist and apply). */
  async start(): Promise<void> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.#path);
    } catch (e) {
      this.#o.logger.error('the desired-config file is unreadable; starting without it', { error: e });
      raw = undefined;
    }
    if (raw !== undefined) {
      const r = storedSchema.safeParse(raw);
      if (!r.ok) {
        this.#o.logger.error('the desired-config file does not match its schema; ignoring it', { problems: r.issues.map((i) => i.message) });
      } else {
        if (r.value.device !== undefined) this.#device = r.value.device;
        for (const [g, d] of Object.entries(r.value.groups)) {
          const p = storedDocSchema.safeParse(d);
          if (p.ok) this.#groups.set(g, p.value);
        }
      }
    }
    if (this.#device !== undefined || this.#groups.size > 0) await this.#enqueue(() => this.#apply());
  }

  /** The version applied from a source ("device" or "group:<name>"). */
  version(source: string): number | undefined {
    return source === 'device' ? this.#device?.version : this.#groups.get(source.slice('group:'.length))?.version;
  }

  /** A message on the device's or a group's desired topic (`group` undefined for the device topic). */
  receive(payload: Buffer, group: string | undefined): Promise<DesiredOutcome> {
    return this.#enqueue(() => this.#receive(payload, group));
  }

  /** The reported document as it stands. */
  reported(): ReportedConfig {
    const groups: Record<string, number> = {};
    for (const g of this.#o.groups) {
      const d = this.#groups.get(g);
      if (d !== undefined) groups[g] = d.version;
    }
    return {
      ...(this.#device !== undefined ? { device: this.#device.version } : {}),
      groups,
      memberOf: [...this.#o.groups],
      applied: this.#last.applied,
      errors: this.#last.errors,
      restartRequired: this.#last.restartRequired,
      ...(this.#last.rejected !== undefined ? { rejected: this.#last.rejected } : {}),
      at: this.#last.at,
    };
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const p = this.#queue.then(task, task);
    this.#queue = p.catch(() => undefined);
    return p;
  }

  async #receive(payload: Buffer, group: string | undefined): Promise<DesiredOutcome> {
    if (payload.length === 0) return 'unchanged'; // a cleared retained document: the configuration stays as it is
    const source = group === undefined ? 'device' : `group:${group}`;
    const nowSec = Math.floor(this.#o.clock.now() / 1000);
    const v = verifyDoc<DesiredConfigDoc>(payload, { keys: this.#o.fleetKeys, schema: desiredConfigSchema, typ: 'config', nowSec, skewSec: this.#o.skewSec, maxBytes: 262_144 });
    if (!v.ok) return this.#refuse(source, `${v.reason}: ${v.detail}`);
    const doc = v.doc;
    const wanted = group === undefined ? `device:${this.#o.deviceId}` : `group:${group}`;
    if (doc.target !== wanted) return this.#refuse(source, `wrong_audience: the document is for ${doc.target}, this topic is for ${wanted}`);
    const have = this.version(source);
    if (have !== undefined && doc.version <= have) {
      if (doc.version === have) return 'unchanged';
      return this.#refuse(source, `stale: version ${doc.version} is older than the applied version ${have}`);
    }
    const stored: StoredDoc = { version: doc.version, config: doc.config };
    if (group === undefined) this.#device = stored;
    else this.#groups.set(group, stored);
    await this.#persist();
    this.#o.logger.info('accepted a desired configuration', { source, version: doc.version, kid: v.kid });
    await this.#apply();
    return 'applied';
  }

  #refuse(source: string, why: string): DesiredOutcome {
    this.#o.logger.warn('refused a desired configuration', { source, why });
    this.#last = { ...this.#last, rejected: `${source}: ${why}`.slice(0, 512), at: Math.floor(this.#o.clock.now() / 1000) };
    this.#o.report(this.reported());
    return why.startsWith('stale') ? 'stale' : 'refused';
  }

  async #persist(): Promise<void> {
    const groups: Record<string, StoredDoc> = {};
    for (const [g, d] of this.#groups) groups[g] = d;
    await writeJsonAtomic(this.#path, { ...(this.#device !== undefined ? { device: this.#device } : {}), groups });
  }

  /** Apply the combination of all accepted documents: each valid key, an error for each other. */
  async #apply(): Promise<void> {
    const groupConfigs = new Map<string, Record<string, unknown>>();
    for (const [g, d] of this.#groups) groupConfigs.set(g, d.config);
    const combined = combine(byPrecedence(this.#device?.config, groupConfigs, this.#o.groups));
    const store = this.#o.store;
    const errors: KeyError[] = [];
    const good: SourcedLeaf[] = [];
    for (const leaf of combined) {
      const problem = checkLeaf(store.current, leaf);
      if (problem === undefined) good.push(leaf);
      else errors.push({ key: leaf.key, source: leaf.source, message: problem });
    }
    const todo = good.filter((l) => !isCurrent(store.current, l));
    const changes: ConfigChange[] = [];
    if (todo.length > 0) {
      try {
        changes.push(await store.merge(toPartial(todo), 'fleet'));
      } catch (e) {
        if (!isTillqrError(e, 'CONFIG_INVALID')) throw e;
        // Keys valid alone but not together: apply them one by one, in precedence order.
        for (const leaf of todo) {
          try {
            changes.push(await store.merge(toPartial([leaf]), 'fleet'));
          } catch (e2) {
            const message = isSecretKey(leaf.path) ? 'is not valid together with the other keys (the value is secret and not shown)' : e2 instanceof Error ? e2.message.slice(0, 500) : String(e2);
            errors.push({ key: leaf.key, source: leaf.source, message });
          }
        }
      }
    }
    const applied = [...new Set(changes.flatMap((c) => c.changed))];
    const restartRequired = [...new Set(changes.flatMap((c) => c.restartRequired))];
    this.#last = { applied, errors, restartRequired, at: Math.floor(this.#o.clock.now() / 1000) };
    if (errors.length > 0) this.#o.logger.warn('some desired configuration keys were not applied', { errors: errors.map((e) => `${e.key} (${e.source}): ${e.message}`) });
    this.#o.report(this.reported());
    if (restartRequired.length > 0) this.#o.restartNeeded(restartRequired);
  }
}
