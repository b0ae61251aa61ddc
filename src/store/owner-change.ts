/**
 * Noticing a change of owner at start. <stateDir>/owner.json records whom the state belongs to:
 * the device id and a digest of trust.fleetKeys. Before the Device and the fleet agent load
 * anything, the daemon compares the record with its configuration:
 *
 *  - deviceId differs: the `identity` scope is wiped (src/store/owner-state.ts: fleet documents
 *    and counters, payment state with the replay cache, update job history, downloads);
 *  - only trust.fleetKeys differs (another set of kids or key bytes; order and PEM layout do not
 *    count): the `fleet` scope is wiped (fleet documents and version counters, config snapshots);
 *  - no record yet (a till provisioned for the first time, after a factory reset, or upgraded
 *    from a release without this file): nothing is wiped and the record is written. Documents of
 *    another owner are dropped anyway when they are verified again (src/fleet/desired-config.ts).
 *
 * The record is written only after the wipe, so a power cut in between wipes again at the next
 * start. A bundle applied on the console says what will be wiped (the Provisioner uses
 * `ownerChange` on the configuration before and after).
 */
import { createHash, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { toTillqrError, type TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonAtomic } from './atomic-file.js';
import { describeWiped, OWNER_RECORD_FILE, wipeOwnerState, type OwnerScope, type Wiped } from './owner-state.js';

export interface OwnerRecord {
  readonly deviceId: string;
  /** sha256 over the sorted `kid:SPKI` of trust.fleetKeys. */
  readonly fleetKeys: string;
}

interface KeyLike {
  readonly kid: string;
  readonly publicKeyPem: string;
}

function keyBytes(pem: string): string {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch {
    return pem.replace(/\s+/g, '');
  }
}

export function fleetKeysDigest(keys: readonly KeyLike[]): string {
  const lines = keys.map((k) => `${k.kid}:${keyBytes(k.publicKeyPem)}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** The owner a configuration names; undefined while it is not provisioned. */
export function ownerOf(c: { readonly deviceId?: string | undefined; readonly trust: { readonly fleetKeys: readonly KeyLike[] } }): OwnerRecord | undefined {
  return c.deviceId === undefined ? undefined : { deviceId: c.deviceId, fleetKeys: fleetKeysDigest(c.trust.fleetKeys) };
}

/** What going from `before` to `after` wipes (pure); undefined when nothing. */
export function ownerChange(before: OwnerRecord | undefined, after: OwnerRecord | undefined): Exclude<OwnerScope, 'all'> | undefined {
  if (before === undefined || after === undefined) return undefined;
  if (before.deviceId !== after.deviceId) return 'identity';
  if (before.fleetKeys !== after.fleetKeys) return 'fleet';
  return undefined;
}

function parseRecord(raw: unknown): OwnerRecord | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  return typeof r.deviceId === 'string' && typeof r.fleetKeys === 'string' ? { deviceId: r.deviceId, fleetKeys: r.fleetKeys } : undefined;
}

export interface SettledOwner {
  readonly scope: OwnerScope | undefined;
  readonly wiped: readonly Wiped[];
  /** The wipe or the record could not be written (the caller raises the storage fault; the start goes on, so the console stays reachable). */
  readonly error?: TillqrError;
}

/** At start, before the state is loaded: wipe what a change of owner leaves behind, then record the owner. Never throws. */
export async function settleOwner(o: { stateDir: string; configPath: string; config: Config; logger: Logger }): Promise<SettledOwner> {
  try {
    return await settle(o);
  } catch (e) {
    const error = toTillqrError(e, 'STORE_WRITE_FAILED');
    o.logger.error("could not wipe the previous owner's state; it is retried at the next start", { code: error.code, error: error.message });
    return { scope: undefined, wiped: [], error };
  }
}

async function settle(o: { stateDir: string; configPath: string; config: Config; logger: Logger }): Promise<SettledOwner> {
  const now = ownerOf(o.config);
  if (now === undefined) return { scope: undefined, wiped: [] };
  const path = join(o.stateDir, OWNER_RECORD_FILE);
  let before: OwnerRecord | undefined;
  let unreadable = false;
  try {
    const raw = await readJsonFile(path);
    before = parseRecord(raw);
    unreadable = raw !== undefined && before === undefined;
  } catch {
    unreadable = true;
  }
  // An unreadable record cannot vouch for the state: treat it as the strongest change it could hide.
  const scope = unreadable ? 'identity' : ownerChange(before, now);
  let wiped: Wiped[] = [];
  if (scope !== undefined) {
    wiped = await wipeOwnerState(o.stateDir, o.configPath, scope, o.config.fleet.releaseRoot);
    o.logger.warn('audit', {
      action: 'owner-change',
      why: unreadable
        ? 'the owner record is unreadable'
        : scope === 'identity'
          ? `deviceId changed from ${before?.deviceId ?? '?'} to ${now.deviceId}`
          : 'trust.fleetKeys changed',
      scope,
      wiped: describeWiped(wiped),
      paths: wiped.map((w) => w.path),
    });
  }
  if (before?.deviceId !== now.deviceId || before.fleetKeys !== now.fleetKeys) await writeJsonAtomic(path, now);
  return { scope, wiped };
}
