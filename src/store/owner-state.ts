/**
 * Owner state: everything on the card that belongs to whoever the till is provisioned for, in ONE
 * list, so that a factory reset and a change of owner forget the same things.
 *
 * Scopes, narrowest first (each wipes what the ones before it wipe):
 *  - `fleet`: the fleet's accepted documents and their version counters
 *    (<stateDir>/fleet/desired-config.json), and the config snapshots kept with each release
 *    (<fleet.releaseRoot>/config-snapshots/, decision 0008). Wiped when trust.fleetKeys changes:
 *    the documents were signed for the fleet that is no longer trusted, their versions would make
 *    the new fleet's version 1 "stale", and a rollback would restore a snapshot holding the old
 *    owner's whole configuration (keys, broker password, merchant). Without a snapshot a rollback
 *    keeps the live configuration.
 *  - `identity`: what belongs to the device id: the payment state (<stateDir>/payment-state.json:
 *    the sale on screen, recent sales, the payment history and the replay cache, one file) and the
 *    corrupt copies set aside from it, the update job history (`done`, `last` in
 *    fleet/update-state.json) and partial downloads. Wiped when deviceId changes. The replay cache
 *    goes with it: the messages it remembers were addressed to the old id, which the device no
 *    longer accepts anyway.
 *  - `all` (factory reset): also the console lockout state (<stateDir>/console/lockout.json), the
 *    TLS files a bundle wrote (tls/ beside the config file), the config backups the migrations
 *    wrote (<config>.v<N>.bak) and the file a rollback replaced (<config>.rollback.bak): they hold the old owner's secrets; and the owner record. The config
 *    file itself is replaced by `{}` by the console's Provisioner, not removed.
 *
 * Kept on purpose, because they are software, not owner state: the releases
 * (fleet.releaseRoot, /opt/tillqr/releases and its current/committed links; only the config
 * snapshots beside them go), and in
 * fleet/update-state.json the anti-rollback floor and a release still inside its health window
 * (`floor`, `pending`): dropping them would let a reset downgrade the software, or leave an
 * unproven release without its rollback.
 *
 * A change of owner is noticed at start (src/store/owner-change.ts), whatever made it: a bundle,
 * `set`, an edited file.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { lockoutStatePath } from '../console/lockout-store.js';
import { STATE_FILE_NAME } from '../daemon/state-file.js';
import { DESIRED_CONFIG_FILE } from '../fleet/desired-config.js';
import { ReleaseDir } from '../fleet/releases.js';
import { loadUpdateState, saveUpdateState, updateStatePath } from '../fleet/update-state.js';

export type OwnerScope = 'fleet' | 'identity' | 'all';

const RANK: Record<OwnerScope, number> = { fleet: 0, identity: 1, all: 2 };

export interface OwnerStatePath {
  /** What it is, for the console reply and the audit line. */
  readonly what: string;
  readonly path: string;
  /** The narrowest scope that wipes it. */
  readonly scope: OwnerScope;
  /**
   * 'file' and 'dir' are removed; 'entries' removes the entries of the directory `path` whose
   * names match `match`; 'update-history' keeps the floor and pending release of the update state.
   */
  readonly kind: 'file' | 'dir' | 'entries' | 'update-history';
  readonly match?: RegExp;
}

/** Names the console's Provisioner gives the TLS files of a bundle. */
export const BUNDLE_TLS_FILE = /^(ca-[0-9a-f]{12}\.pem|client-[0-9a-f]{12}\.(crt|key))$/;
export const OWNER_RECORD_FILE = 'owner.json';

/** Where a bundle's TLS material goes: tls/ beside the config file (/etc/tillqr/tls). */
export function bundleTlsDir(configPath: string): string {
  return join(dirname(configPath), 'tls');
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every piece of owner state, with the scope that wipes it (the config snapshots only when the release root is given). */
export function ownerStatePaths(stateDir: string, configPath: string, releaseRoot?: string): OwnerStatePath[] {
  const payment = escape(STATE_FILE_NAME);
  const snapshots: OwnerStatePath[] =
    releaseRoot === undefined
      ? []
      : [
          {
            what: 'config snapshots kept with the releases',
            path: dirname(new ReleaseDir(releaseRoot).snapshotOf('0.0.0')),
            scope: 'fleet',
            kind: 'entries',
            match: /\.json$/,
          },
        ];
  return [
    { what: 'fleet documents and version counters', path: join(stateDir, DESIRED_CONFIG_FILE), scope: 'fleet', kind: 'file' },
    ...snapshots,
    { what: 'sale state, payment history and replay cache', path: join(stateDir, STATE_FILE_NAME), scope: 'identity', kind: 'file' },
    {
      what: 'payment state set aside as corrupt',
      path: stateDir,
      scope: 'identity',
      kind: 'entries',
      match: new RegExp(`^(${payment}\\.corrupt-\\d+|\\.${payment}\\..+\\.tmp)$`),
    },
    { what: 'update job history', path: updateStatePath(stateDir), scope: 'identity', kind: 'update-history' },
    { what: 'partial update downloads', path: join(stateDir, 'fleet', 'downloads'), scope: 'identity', kind: 'dir' },
    { what: 'console lockout state', path: lockoutStatePath(stateDir), scope: 'all', kind: 'file' },
    { what: 'TLS files from the bundle', path: bundleTlsDir(configPath), scope: 'all', kind: 'entries', match: BUNDLE_TLS_FILE },
    {
      what: 'config backups',
      path: dirname(configPath),
      scope: 'all',
      kind: 'entries',
      match: new RegExp(`^${escape(basename(configPath))}\\.(v\\d+|rollback)\\.bak$`),
    },
    { what: 'owner record', path: join(stateDir, OWNER_RECORD_FILE), scope: 'all', kind: 'file' },
  ];
}

export interface Wiped {
  readonly what: string;
  readonly path: string;
}

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Wipe the owner state of a scope; returns what was there and is gone (nothing for what did not exist). Throws when a removal fails. */
export async function wipeOwnerState(stateDir: string, configPath: string, scope: OwnerScope, releaseRoot?: string): Promise<Wiped[]> {
  const out: Wiped[] = [];
  for (const p of ownerStatePaths(stateDir, configPath, releaseRoot)) {
    if (RANK[p.scope] > RANK[scope]) continue;
    switch (p.kind) {
      case 'file':
      case 'dir':
        if (await exists(p.path)) {
          await rm(p.path, { recursive: p.kind === 'dir', force: true });
          out.push({ what: p.what, path: p.path });
        }
        break;
      case 'entries':
        for (const n of await entries(p.path)) {
          if (p.match?.test(n) !== true) continue;
          await rm(join(p.path, n), { force: true });
          out.push({ what: p.what, path: join(p.path, n) });
        }
        break;
      case 'update-history': {
        if (!(await exists(p.path))) break;
        const s = await loadUpdateState(stateDir);
        if (s.floor === undefined && s.pending === undefined) await rm(p.path, { force: true });
        else
          await saveUpdateState(stateDir, {
            ...(s.floor !== undefined ? { floor: s.floor } : {}),
            ...(s.pending !== undefined ? { pending: s.pending } : {}),
            done: [],
          });
        out.push({ what: p.what, path: p.path });
        break;
      }
    }
  }
  return out;
}

/** "fleet documents and version counters, sale state, ..." (each kind once, in list order). */
export function describeWiped(w: readonly Wiped[]): string {
  return w.length === 0 ? 'nothing' : [...new Set(w.map((x) => x.what))].join(', ');
}

/** What a scope wipes, in words (for a reply that announces a wipe before it happens). */
export function scopeContents(scope: OwnerScope): string[] {
  return [
    ...new Set(
      ownerStatePaths('/state', '/config/config.json', '/opt')
        .filter((p) => RANK[p.scope] <= RANK[scope])
        .map((p) => p.what),
    ),
  ];
}
