/**
 * A till changes hands, end to end: the whole daemon on a real Mosquitto, its console on a real
 * pty. The old owner provisions it, sells once and pushes a signed desired configuration that
 * installs its own backend key and merchant account. Then the till goes to a new owner, (a) by
 * `factory-reset yes` and the new owner's bundle, (b) by the new owner's bundle while logged in,
 * with no reset. After the restart nothing of the old owner may be left: its charges are refused
 * (`unknown_kid`), the new owner's charge shows a QR paying the new owner's account and its
 * confirmation is accepted, and the new fleet's version 1 is applied (not `stale`). Each test
 * restarts the daemon two or three times, hence the longer timeout (a hang only; nothing is timed).
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey as makeBackendKey, paymentBody, TestBackend, type TestKey as BackendKey } from '../../helpers/payment-kit.js';
import { makeKey, Observer } from './fleet-kit.js';
import { BUNDLE_PASSPHRASE, bundleOf, desiredDoc, merchantWith, Till, type Owner } from './till-rig.js';

let broker: Mosquitto;
let backend: TestBackend;
let fleetSide: Observer;
let till: Till | undefined;

const owner = (name: string, account: string): Owner => ({ name, backend: makeBackendKey(), fleet: makeKey(), account });

beforeAll(async () => {
  broker = await Mosquitto.start();
  backend = await TestBackend.connect(broker.url);
  fleetSide = await Observer.connect(broker.url, ['tillqr/v1/+/config/reported']);
});
afterEach(async () => {
  await till?.close();
  till = undefined;
});
afterAll(async () => {
  await fleetSide?.close();
  await backend?.close();
  await broker?.close();
});

const reportedTopic = (id: string) => `tillqr/v1/${id}/config/reported`;
const desiredTopic = (id: string) => `tillqr/v1/${id}/config/desired`;

/** The old owner's life with the till: provisioned, one sale, a desired config with its own key and account. */
async function oldOwnerDays(t: Till, id: string, old: Owner, fleetKey2: BackendKey): Promise<void> {
  await backend.watch(id);
  const r = (await t.request('provision', [bundleOf(old, id, broker.url)])) as { deviceId: string };
  expect(r.deviceId).toBe(id);
  await t.request('restart');
  await t.generation(2);
  // One sale: payment history and the replay cache now hold the old owner's traffic.
  await backend.send(id, 'charge', backend.sign(id, old.backend, chargeBody('OLD-1', 700)));
  await until(() => backend.of(id).some((e) => e.type === 'displayed' && e.orderId === 'OLD-1'));
  await backend.send(id, 'payment', backend.sign(id, old.backend, paymentBody('OLD-1', 700)));
  await until(() => backend.of(id).some((e) => e.type === 'paid' && e.orderId === 'OLD-1'));
  // The old fleet installs a second backend key and another account, at version 3.
  await fleetSide.publish(
    desiredTopic(id),
    desiredDoc(old, id, 3, {
      trust: { backendKeys: [{ kid: fleetKey2.kid, publicKeyPem: fleetKey2.publicKeyPem }] },
      merchant: { accounts: merchantWith('OLD-FLEET-ACCOUNT').accounts },
    }),
  );
  await fleetSide.until<{ device?: number }>(reportedTopic(id), (m) => m.at(-1)?.device === 3);
  expect(t.daemon.configStore.current.trust.backendKeys.map((k) => k.kid)).toEqual([fleetKey2.kid]);
}

/** After the change of owner: what the till accepts and shows. */
async function onlyTheNewOwner(t: Till, id: string, old: Owner, fleetKey2: BackendKey, next: Owner): Promise<void> {
  const c = t.daemon.configStore.current;
  expect(c.trust.backendKeys.map((k) => k.kid)).toEqual([next.backend.kid]);
  expect(c.merchant?.accounts?.[0]?.fields['01']).toBe(next.account);
  const from = backend.of(id).length;
  const after = () => backend.of(id).slice(from);
  // The old owner's charges, signed by either of its keys, are refused.
  await backend.send(id, 'charge', backend.sign(id, old.backend, chargeBody('OLD-2', 900)));
  await backend.send(id, 'charge', backend.sign(id, fleetKey2, chargeBody('OLD-3', 900)));
  await until(() => after().length >= 2, 20_000, 'two answers');
  expect(after().map((e) => [e.type, e.reason])).toEqual([
    ['rejected', 'unknown_kid'],
    ['rejected', 'unknown_kid'],
  ]);
  // The new owner's charge: a QR paying the new owner's account; its confirmation is accepted.
  await backend.send(id, 'charge', backend.sign(id, next.backend, chargeBody('NEW-1', 1500)));
  expect(await t.accountOnPanel(1500)).toBe(next.account);
  await backend.send(id, 'payment', backend.sign(id, next.backend, paymentBody('NEW-1', 1500)));
  await until(() => after().some((e) => e.type === 'paid' && e.orderId === 'NEW-1'), 20_000, 'NEW-1 paid');
  expect(t.daemon.signals.indicator.status().event).toBe('paid');
  // The new fleet's first document is applied, not refused as stale.
  await fleetSide.publish(desiredTopic(id), desiredDoc(next, id, 1, { sale: { resultHoldSec: 9 } }));
  const reports = await fleetSide.until<{ device?: number; rejected?: string }>(reportedTopic(id), (m) => m.at(-1)?.device === 1);
  expect(reports.at(-1)?.rejected ?? '').not.toMatch(/stale/);
  expect(t.daemon.configStore.current.sale.resultHoldSec).toBe(9);
}

async function until(cond: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('a till that changes owner keeps nothing of the old one', () => {
  it("(a) factory-reset yes, then the new owner's bundle", async () => {
    const id = 'till-owner-a';
    const old = owner('old', 'OLD-0001');
    const next = owner('new', 'NEW-0001');
    const fleetKey2 = makeBackendKey();
    till = await Till.start();
    const t = till;
    await oldOwnerDays(t, id, old, fleetKey2);
    expect(existsSync(join(t.stateDir, 'fleet', 'desired-config.json'))).toBe(true);
    // A config snapshot an update kept with a release (decision 0008): a rollback would restore it.
    const snapshot = join(t.dir, 'opt', 'config-snapshots', '1.0.0.json');
    await mkdir(join(snapshot, '..'), { recursive: true });
    await copyFile(t.configPath, snapshot);

    // The technician resets it on the console, by hand.
    expect(await t.host.type(`login ${BUNDLE_PASSPHRASE}`)).toContain('logged in');
    const reply = await t.host.type('factory-reset yes');
    expect(reply).toMatch(
      /wiped: configuration, fleet documents and version counters, config snapshots kept with the releases, sale state, payment history and replay cache/,
    );
    await t.generation(3);
    expect(t.daemon.device).toBeUndefined(); // unprovisioned
    expect(await t.savedConfig()).toEqual({});
    for (const f of ['fleet/desired-config.json', 'payment-state.json']) expect(existsSync(join(t.stateDir, f)), f).toBe(false);
    expect(existsSync(snapshot)).toBe(false);
    const audit = t.logged('audit').find((l) => l.action === 'factory-reset' && l.wiped !== undefined);
    expect(audit?.wiped).toEqual(
      expect.arrayContaining(['configuration', 'fleet documents and version counters', 'sale state, payment history and replay cache']),
    );

    // The new owner's bundle, then the restart it asks for.
    await t.request('provision', [bundleOf(next, id, broker.url)]);
    await t.request('restart');
    await t.generation(4);
    await t.request('login', [BUNDLE_PASSPHRASE]);
    expect(await t.request('history')).toEqual([]);
    await onlyTheNewOwner(t, id, old, fleetKey2, next);
  }, 120_000);

  it("(b) the new owner's bundle while logged in, with no reset", async () => {
    const id = 'till-owner-b';
    const old = owner('old', 'OLD-0002');
    const next = owner('new', 'NEW-0002');
    const fleetKey2 = makeBackendKey();
    till = await Till.start();
    const t = till;
    await oldOwnerDays(t, id, old, fleetKey2);

    await t.request('login', [BUNDLE_PASSPHRASE]);
    const r = (await t.request('provision', [bundleOf(next, id, broker.url)])) as { ownerChange?: { scope: string; wipes: string[] } };
    expect(r.ownerChange).toEqual({ scope: 'fleet', wipes: ['fleet documents and version counters', 'config snapshots kept with the releases'] });
    await t.request('restart');
    await t.generation(3);
    expect(existsSync(join(t.stateDir, 'fleet', 'desired-config.json'))).toBe(false);
    expect(t.logged('audit').find((l) => l.action === 'owner-change')).toMatchObject({ scope: 'fleet', wiped: 'fleet documents and version counters' });
    await onlyTheNewOwner(t, id, old, fleetKey2, next);
  }, 120_000);

  it("(c) a bundle with another device id also forgets the old identity's sales and replay cache", async () => {
    const id = 'till-owner-c';
    const newId = 'till-owner-c2';
    const old = owner('old', 'OLD-0003');
    const next = owner('new', 'NEW-0003');
    const fleetKey2 = makeBackendKey();
    till = await Till.start();
    const t = till;
    await oldOwnerDays(t, id, old, fleetKey2);
    await backend.watch(newId);

    await t.request('login', [BUNDLE_PASSPHRASE]);
    expect(((await t.request('history')) as unknown[]).length).toBe(1);
    const r = (await t.request('provision', [bundleOf(next, newId, broker.url)])) as { ownerChange?: { scope: string; wipes: string[] } };
    expect(r.ownerChange?.scope).toBe('identity');
    expect(r.ownerChange?.wipes).toEqual(expect.arrayContaining(['fleet documents and version counters', 'sale state, payment history and replay cache']));
    await t.request('restart');
    await t.generation(3);
    await t.request('login', [BUNDLE_PASSPHRASE]);
    expect(await t.request('history')).toEqual([]);
    await onlyTheNewOwner(t, newId, old, fleetKey2, next);
  }, 120_000);
});
