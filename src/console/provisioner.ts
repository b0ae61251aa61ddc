/**
 * Applies a validated provisioning bundle in one step: TLS material to files (the key mode
 * 0600), then one atomic config change (device id, broker, trust keys, merchant profile, panel
 * and pin profile, passphrase hash). The resulting configuration is validated before the first
 * byte is written; TLS files get content-derived names, so the old configuration keeps pointing
 * at its own files until the new one is saved, and files no longer used are removed after.
 *
 * A bundle owns the trust: trust.backendKeys, trust.fleetKeys and trust.releaseKeys become the
 * bundle's lists, and a list the bundle leaves out becomes empty (a new owner's bundle without
 * fleet keys must not leave the old owner able to configure or update the till). When the bundle
 * changes deviceId or trust.fleetKeys, the daemon's next start wipes the old owner's state
 * (src/store/owner-change.ts); the result says what (`ownerChange`).
 *
 * Factory reset: the configuration becomes `{}` and every piece of owner state is wiped
 * (src/store/owner-state.ts, scope `all`); the result lists what was removed.
 */
import { createHash } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConfigStore } from '../config/config-store.js';
import { schemaAt } from '../config/env-overrides.js';
import { configSchema } from '../config/schema.js';
import { TillqrError, toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { ownerChange, ownerOf } from '../store/owner-change.js';
import { BUNDLE_TLS_FILE, scopeContents, wipeOwnerState, type OwnerScope, type Wiped } from '../store/owner-state.js';
import { safeIssue, type DecodedBundle } from './bundle.js';
import type { Network } from './network.js';
import { DEFAULT_SCRYPT, hashPassphrase, type ScryptParams } from './passphrase.js';

export interface ProvisionResult {
  readonly deviceId: string;
  readonly changed: readonly string[];
  readonly restartRequired: readonly string[];
  /** TLS files written (paths). */
  readonly files: readonly string[];
  readonly wifi?: { readonly ssid: string; readonly connected: boolean; readonly error?: string };
  /** The bundle changes the owner (deviceId or trust.fleetKeys): what the next start wipes. */
  readonly ownerChange?: { readonly scope: OwnerScope; readonly wipes: readonly string[] };
}

export interface FactoryResetResult {
  /** What was there and is gone, the configuration first. */
  readonly wiped: readonly Wiped[];
}

export interface ProvisionerOptions {
  readonly store: ConfigStore;
  /** Where TLS material goes (beside the config file: /etc/tillqr/tls). */
  readonly tlsDir: string;
  /** The daemon's state directory, where a factory reset wipes the owner state (default: stateDir of the config). */
  readonly stateDir?: string;
  /** The daemon's release root, whose config snapshots a factory reset removes (default: none are removed). */
  readonly releaseRoot?: string;
  readonly network: Network;
  readonly logger: Logger;
  readonly scrypt?: ScryptParams;
}

/** mqtt keys a bundle owns: set from the bundle or removed. */
const BUNDLE_MQTT_KEYS = ['url', 'topicPrefix', 'username', 'password', 'groups', 'rejectUnauthorized', 'caFile', 'certFile', 'keyFile'];

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
const objAt = (raw: Raw, k: string): Raw => {
  const v = raw[k];
  if (isObj(v)) return v;
  const fresh: Raw = {};
  raw[k] = fresh;
  return fresh;
};

function deepMerge(target: Raw, source: Raw): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (isObj(v) && isObj(cur)) deepMerge(cur, v);
    else target[k] = structuredClone(v);
  }
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 12);

export class Provisioner {
  readonly #o: ProvisionerOptions;

  constructor(opts: ProvisionerOptions) {
    this.#o = opts;
  }

  async apply(decoded: DecodedBundle, actor: string): Promise<ProvisionResult> {
    const { bundle, raw } = decoded;
    const { store, tlsDir, logger } = this.#o;
    const files: { path: string; text: string; mode: number; key: 'caFile' | 'certFile' | 'keyFile' }[] = [];
    if (bundle.mqtt.caPem !== undefined)
      files.push({ path: join(tlsDir, `ca-${digest(bundle.mqtt.caPem)}.pem`), text: bundle.mqtt.caPem, mode: 0o644, key: 'caFile' });
    if (bundle.mqtt.certPem !== undefined)
      files.push({ path: join(tlsDir, `client-${digest(bundle.mqtt.certPem)}.crt`), text: bundle.mqtt.certPem, mode: 0o644, key: 'certFile' });
    if (bundle.mqtt.keyPem !== undefined)
      files.push({ path: join(tlsDir, `client-${digest(bundle.mqtt.keyPem)}.key`), text: bundle.mqtt.keyPem, mode: 0o600, key: 'keyFile' });
    const passphraseHash = await hashPassphrase(bundle.passphrase, this.#o.scrypt ?? DEFAULT_SCRYPT);

    const rawMqtt = isObj(raw.mqtt) ? raw.mqtt : {};
    const edit = (cfg: Raw): void => {
      cfg.deviceId = bundle.deviceId;
      const mqtt = objAt(cfg, 'mqtt');
      for (const k of BUNDLE_MQTT_KEYS) delete mqtt[k];
      for (const [k, v] of Object.entries(rawMqtt)) if (!k.endsWith('Pem')) mqtt[k] = structuredClone(v);
      for (const f of files) mqtt[f.key] = f.path;
      const trust = objAt(cfg, 'trust');
      trust.backendKeys = structuredClone(raw.backendKeys);
      trust.fleetKeys = structuredClone(raw.fleetKeys ?? []);
      trust.releaseKeys = structuredClone(raw.releaseKeys ?? []);
      cfg.merchant = structuredClone(raw.merchant);
      if (isObj(raw.display)) deepMerge(objAt(cfg, 'display'), raw.display);
      if (isObj(raw.signal)) deepMerge(objAt(cfg, 'signal'), raw.signal);
      objAt(cfg, 'console').passphraseHash = passphraseHash;
    };

    // The whole resulting configuration must be valid before anything is written.
    const trial = structuredClone(store.current) as unknown as Raw;
    edit(trial);
    const check = configSchema.safeParse(trial);
    if (!check.ok) {
      const problems = check.issues.map((i) => safeIssue(i, (path) => schemaAt(configSchema, path.split('.'))?.meta.secret ?? false));
      throw new TillqrError('PROVISION_INVALID', `the bundle would make an invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`, { problems });
    }
    const scope = ownerChange(ownerOf(store.current), ownerOf(check.value));

    for (const f of files) await writeFileAtomic(f.path, f.text.endsWith('\n') ? f.text : `${f.text}\n`, { mode: f.mode });
    const change = await store.update(edit, actor);
    await this.#removeUnused(new Set(files.map((f) => f.path)));
    const owner = scope === undefined ? undefined : { scope, wipes: scopeContents(scope) };
    logger.info('audit', {
      actor,
      action: 'provision',
      deviceId: bundle.deviceId,
      changed: change.changed,
      tlsFiles: files.length,
      ...(owner !== undefined ? { ownerChange: owner.scope, wipesAtStart: owner.wipes } : {}),
    });

    const base = {
      deviceId: bundle.deviceId,
      changed: change.changed,
      restartRequired: change.restartRequired,
      files: files.map((f) => f.path),
      ...(owner !== undefined ? { ownerChange: owner } : {}),
    };
    if (bundle.wifi === undefined) return base;
    try {
      await this.#o.network.connectWifi(bundle.wifi.ssid, bundle.wifi.psk);
      logger.info('audit', { actor, action: 'wifi', ssid: bundle.wifi.ssid });
      return { ...base, wifi: { ssid: bundle.wifi.ssid, connected: true } };
    } catch (e) {
      return { ...base, wifi: { ssid: bundle.wifi.ssid, connected: false, error: toTillqrError(e).message } };
    }
  }

  /**
   * Configuration back to `{}` and every piece of owner state gone (call it once whatever writes
   * that state, the sale and the fleet agent, has stopped: ConsoleTarget.factoryReset).
   */
  async factoryReset(actor: string): Promise<FactoryResetResult> {
    const { store } = this.#o;
    const stateDir = this.#o.stateDir ?? store.current.stateDir;
    await store.replace({}, actor);
    const wiped: Wiped[] = [{ what: 'configuration', path: store.path }, ...(await wipeOwnerState(stateDir, store.path, 'all', this.#o.releaseRoot))];
    for (const p of await this.#removeUnused(new Set())) wiped.push({ what: 'TLS files from the bundle', path: p });
    this.#o.logger.info('audit', { actor, action: 'factory-reset', wiped: [...new Set(wiped.map((w) => w.what))], paths: wiped.map((w) => w.path) });
    return { wiped };
  }

  /** Remove the bundle TLS files not in `keep`; returns their paths. */
  async #removeUnused(keep: ReadonlySet<string>): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.#o.tlsDir);
    } catch {
      return [];
    }
    const removed: string[] = [];
    for (const n of names) {
      const p = join(this.#o.tlsDir, n);
      if (BUNDLE_TLS_FILE.test(n) && !keep.has(p)) {
        await rm(p, { force: true });
        removed.push(p);
      }
    }
    return removed;
  }
}
