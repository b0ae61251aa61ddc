/**
 * Desired configuration from the fleet: signed documents for this device and for its groups,
 * applied through the ConfigStore (validated whole, written atomically, live where the key allows)
 * and reported back on the retained config/reported topic.
 *
 * Versions: each source (the device topic, each group topic) has its own version counter. The
 * accepted documents are persisted atomically BEFORE they are applied, and the persisted set is
 * applied again at every start, so a crash between the two steps is harmless and an older version
 * can never overwrite a newer one (it is refused as stale).
 *
 * What is persisted (<stateDir>/fleet/desired-config.json, `{format: 2, device?, groups}`) is each
 * document as it was received: the compact JWS, never a copy of its content. At every start each
 * one is verified again against the trust of NOW: its signature and kid against trust.fleetKeys,
 * its schema, its target against this deviceId (device document) or a group in mqtt.groups (group
 * document). A document that no longer verifies (the fleet key was rotated or removed, the device
 * was given another id or left the group) is dropped from the file, with a log line and an entry
 * in the reported `errors` (key "*", "dropped at start: <why>"), and its version counter goes with
 * it, so the new fleet's version 1 is accepted. Freshness is NOT checked again at start: `iat` and
 * `exp` were checked when the document was accepted, and a document that expired since stays in
 * force (an expiry bounds how long a document may wait on the broker to be accepted, not how long
 * its configuration lasts; without this every till would lose its fleet settings at a restart
 * some day after the operator's last push).
 *
 * The format written before (`{device: {version, config}, groups}`, no JWS) cannot be verified
 * again: such entries are dropped at start with a log line and a reported error, and the file is
 * rewritten in the new format. The fleet's retained documents arrive again at the next connect
 * and, if they verify, are accepted as new (so a till upgraded in place keeps its settings).
 */
import { join } from 'node:path';
import type { ConfigChange, ConfigStore } from '../config/config-store.js';
import type { Clock } from '../core/clock.js';
import { isTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { desiredConfigSchema, type DesiredConfigDoc, type ReportedConfig } from '../link/contract-fleet.js';
import type { KeyLookup } from '../payment/jws.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import { byPrecedence, checkLeaf, combine, isCurrent, isSecretKey, toPartial, type KeyError, type SourcedLeaf } from './config-merge.js';
import { verifyDoc } from './signed-doc.js';

/** The file's name under <stateDir> (src/store/owner-state.ts lists it with the rest of the owner's state). */
export const DESIRED_CONFIG_FILE = join('fleet', 'desired-config.json');
const FORMAT = 2;
const MAX_DOC_BYTES = 262_144;

/** An accepted document: the JWS as received, with what it said. */
interface HeldDoc {
  readonly version: number;
  readonly config: Record<string, unknown>;
  readonly token: string;
}

type Check = { ok: true; doc: DesiredConfigDoc; token: string; kid: string } | { ok: false; why: string };

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The tokens in a persisted file, by source ("device", "group:<g>"); `legacy` lists the sources of old-format entries. */
export function readStoredTokens(raw: unknown): { tokens: Map<string, string>; legacy: string[]; problem?: string } {
  const tokens = new Map<string, string>();
  const legacy: string[] = [];
  if (!isObj(raw)) return { tokens, legacy, problem: 'not a JSON object' };
  const groups = isObj(raw.groups) ? raw.groups : {};
  if (raw.format === undefined) {
    // Format 1: {device?: {version, config}, groups: {g: {version, config}}}, with no signature to check again.
    if (raw.device !== undefined) legacy.push('device');
    for (const g of Object.keys(groups)) legacy.push(`group:${g}`);
    return { tokens, legacy };
  }
  if (raw.format !== FORMAT) return { tokens, legacy, problem: `format ${JSON.stringify(raw.format)} is not ${FORMAT}` };
  const bad: string[] = [];
  if (typeof raw.device === 'string') tokens.set('device', raw.device);
  else if (raw.device !== undefined) bad.push('device');
  for (const [g, t] of Object.entries(groups)) {
    if (typeof t === 'string') tokens.set(`group:${g}`, t);
    else bad.push(`group:${g}`);
  }
  return bad.length > 0 ? { tokens, legacy, problem: `entries that are not a JWS: ${bad.join(', ')}` } : { tokens, legacy };
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
  /** Accepted documents by source: "device" or "group:<name>". */
  readonly #docs = new Map<string, HeldDoc>();
  /** Stored documents dropped at start because they no longer verify, by source (reported until the source sends a new one). */
  readonly #dropped = new Map<string, string>();
  #last: { applied: string[]; errors: KeyError[]; restartRequired: string[]; rejected?: string; at: number } = {
    applied: [],
    errors: [],
    restartRequired: [],
    at: 0,
  };
  #queue: Promise<unknown> = Promise.resolve();

  constructor(o: DesiredConfigOptions) {
    this.#o = o;
    this.#path = join(o.stateDir, DESIRED_CONFIG_FILE);
  }

  /** Load the persisted documents, verify each again against today's trust, and apply those that pass. */
  start(): Promise<void> {
    return this.#enqueue(() => this.#start());
  }

  /** The version applied from a source ("device" or "group:<name>"). */
  version(source: string): number | undefined {
    return this.#docs.get(source)?.version;
  }

  /** A message on the device's or a group's desired topic (`group` undefined for the device topic). */
  receive(payload: Buffer, group: string | undefined): Promise<DesiredOutcome> {
    return this.#enqueue(() => this.#receive(payload, group));
  }

  /** The reported document as it stands. */
  reported(): ReportedConfig {
    const groups: Record<string, number> = {};
    for (const g of this.#o.groups) {
      const d = this.#docs.get(`group:${g}`);
      if (d !== undefined) groups[g] = d.version;
    }
    const device = this.#docs.get('device');
    const dropped: KeyError[] = [...this.#dropped].map(([source, why]) => ({ key: '*', source, message: `dropped at start: ${why}`.slice(0, 512) }));
    return {
      ...(device !== undefined ? { device: device.version } : {}),
      groups,
      memberOf: [...this.#o.groups],
      applied: this.#last.applied,
      errors: [...dropped, ...this.#last.errors],
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

  async #start(): Promise<void> {
    let raw: unknown;
    try {
      raw = await readJsonFile(this.#path);
    } catch (e) {
      this.#o.logger.error('the desired-config file is unreadable; starting without it', { error: e });
      raw = undefined;
    }
    if (raw === undefined) return;
    const stored = readStoredTokens(raw);
    if (stored.problem !== undefined)
      this.#o.logger.error('the desired-config file does not match its format; ignoring what does not', { problem: stored.problem });
    for (const source of stored.legacy) {
      this.#drop(
        source,
        "stored in the old format without its signed document, so it cannot be verified again; the fleet's retained document is accepted again when it arrives",
      );
    }
    for (const [source, token] of stored.tokens) {
      const c = this.#check(Buffer.from(token, 'utf8'), source, false);
      if (c.ok) this.#docs.set(source, { version: c.doc.version, config: c.doc.config, token: c.token });
      else this.#drop(source, c.why);
    }
    if (this.#dropped.size > 0 || stored.problem !== undefined) await this.#persist();
    if (this.#docs.size > 0) await this.#apply();
    else if (this.#dropped.size > 0) this.#o.report(this.reported());
  }

  #drop(source: string, why: string): void {
    this.#o.logger.warn('dropped a stored desired configuration that no longer verifies', { source, why });
    this.#dropped.set(source, why);
    this.#last = { ...this.#last, rejected: `${source}: dropped at start: ${why}`.slice(0, 512), at: Math.floor(this.#o.clock.now() / 1000) };
  }

  /**
   * Verify a document for a source: signature and kid (trust.fleetKeys), schema, target and group
   * membership; freshness (iat, exp) only when it arrives, not when it is verified again at start.
   */
  #check(payload: Buffer, source: string, fresh: boolean): Check {
    const nowSec = Math.floor(this.#o.clock.now() / 1000);
    const v = verifyDoc<DesiredConfigDoc>(payload, {
      keys: this.#o.fleetKeys,
      schema: desiredConfigSchema,
      typ: 'config',
      nowSec,
      skewSec: this.#o.skewSec,
      maxBytes: MAX_DOC_BYTES,
      checkTime: fresh,
    });
    if (!v.ok) return { ok: false, why: `${v.reason}: ${v.detail}` };
    const wanted = source === 'device' ? `device:${this.#o.deviceId}` : source;
    if (v.doc.target !== wanted)
      return { ok: false, why: `wrong_audience: the document is for ${v.doc.target}, this ${fresh ? 'topic' : 'device'} is for ${wanted}` };
    if (source !== 'device' && !this.#o.groups.includes(source.slice('group:'.length)))
      return { ok: false, why: `wrong_audience: this device is no longer in ${source}` };
    return { ok: true, doc: v.doc, token: v.token, kid: v.kid };
  }

  async #receive(payload: Buffer, group: string | undefined): Promise<DesiredOutcome> {
    if (payload.length === 0) return 'unchanged'; // a cleared retained document: the configuration stays as it is
    const source = group === undefined ? 'device' : `group:${group}`;
    const c = this.#check(payload, source, true);
    if (!c.ok) return this.#refuse(source, c.why);
    const doc = c.doc;
    const have = this.version(source);
    if (have !== undefined && doc.version <= have) {
      if (doc.version === have) return 'unchanged';
      return this.#refuse(source, `stale: version ${doc.version} is older than the applied version ${have}`);
    }
    this.#docs.set(source, { version: doc.version, config: doc.config, token: c.token });
    this.#dropped.delete(source);
    await this.#persist();
    this.#o.logger.info('accepted a desired configuration', { source, version: doc.version, kid: c.kid });
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
    const groups: Record<string, string> = {};
    let device: string | undefined;
    for (const [source, d] of this.#docs) {
      if (source === 'device') device = d.token;
      else groups[source.slice('group:'.length)] = d.token;
    }
    await writeJsonAtomic(this.#path, { format: FORMAT, ...(device !== undefined ? { device } : {}), groups });
  }

  /** Apply the combination of all accepted documents: each valid key, an error for each other. */
  async #apply(): Promise<void> {
    const groupConfigs = new Map<string, Record<string, unknown>>();
    for (const [source, d] of this.#docs) if (source !== 'device') groupConfigs.set(source.slice('group:'.length), d.config);
    const combined = combine(byPrecedence(this.#docs.get('device')?.config, groupConfigs, this.#o.groups));
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
            const message = isSecretKey(leaf.path)
              ? 'is not valid together with the other keys (the value is secret and not shown)'
              : e2 instanceof Error
                ? e2.message.slice(0, 500)
                : String(e2);
            errors.push({ key: leaf.key, source: leaf.source, message });
          }
        }
      }
    }
    const applied = [...new Set(changes.flatMap((c) => c.changed))];
    const restartRequired = [...new Set(changes.flatMap((c) => c.restartRequired))];
    this.#last = { applied, errors, restartRequired, at: Math.floor(this.#o.clock.now() / 1000) };
    if (errors.length > 0)
      this.#o.logger.warn('some desired configuration keys were not applied', { errors: errors.map((e) => `${e.key} (${e.source}): ${e.message}`) });
    this.#o.report(this.reported());
    if (restartRequired.length > 0) this.#o.restartNeeded(restartRequired);
  }
}
