/**
 * Weak Ed25519 public keys (small order, non-canonical) are refused where keys enter a till for
 * real: the serial console over a pty (`set` typed by a person, `provision` over JSON lines), a
 * signed fleet document over a real broker, and a running device asked to trust the identity key
 * (the forgery it enables: R = identity, S = 0 verifies for every message). Each refusal names the list, the index and the kid,
 * and leaves the configuration file and the keys in force as they were.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import type { MessageBody } from '../../../src/link/backend-client.js';
import { signDesiredConfig } from '../../../src/fleet/operator/sign.js';
import type { ReportedConfig } from '../../../src/link/contract-fleet.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, deviceConfig, makeKey as makeBackendKey, paymentBody, startDevice, tempDir as deviceDir, TestBackend } from '../../helpers/payment-kit.js';
import { forgeWithIdentity, IDENTITY_RAW, pemOfRaw, weakKeys } from '../../helpers/weak-keys.js';
import { makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { Host, Rig } from '../console/rig.js';
import { makeKey, Observer, startAgent, tempDir, TestHost } from '../fleet/fleet-kit.js';

const evil = { kid: 'evil-1', publicKeyPem: pemOfRaw(IDENTITY_RAW) };
const IDENTITY_MSG = 'the public key of kid "evil-1" is a small-order point (order 1, the identity)';

describe('weak keys typed or sent on the serial console', () => {
  let rig: Rig;
  let host: Host;
  const backend = makeKey();

  beforeEach(async () => {
    rig = await Rig.start({ config: { trust: { backendKeys: [{ kid: backend.kid, publicKeyPem: backend.publicKeyPem }] } } });
    host = await Host.open(rig.pty.host);
    await host.sync();
  });

  afterEach(async () => {
    await host.close();
    await rig.close();
  });

  it('set trust.backendKeys with the identity key is refused by name, and nothing changes', async () => {
    const before = await readFile(rig.configPath, 'utf8');
    const out = await host.type(`set trust.backendKeys ${JSON.stringify([{ kid: backend.kid, publicKeyPem: backend.publicKeyPem }, evil])}`);
    expect(out).toContain(`error: the new configuration has 1 problem:\r\n  trust.backendKeys[1]: ${IDENTITY_MSG}`);
    const other = await host.type(`set trust.fleetKeys ${JSON.stringify([{ kid: 'weak-2', publicKeyPem: pemOfRaw(weakKeys().at(-1)?.raw ?? IDENTITY_RAW) }])}`);
    expect(other).toContain('trust.fleetKeys[0]: the public key of kid "weak-2" is a non-canonical encoding (x = 0 with the sign bit set)');
    expect(await readFile(rig.configPath, 'utf8')).toBe(before);
    expect(rig.store.current.trust.backendKeys.map((k) => k.kid)).toEqual([backend.kid]);
    expect(rig.store.current.trust.fleetKeys).toEqual([]);
  });

  it('a provisioning bundle with a weak key is refused whole over JSON lines, naming the key', async () => {
    const before = await readFile(rig.configPath, 'utf8');
    let failure: { code: string; message: string } | undefined;
    try {
      await host.client.request('provision', [toBase64(makeBundle({ releaseKeys: [evil] }))]);
    } catch (e) {
      if (isTillqrError(e)) failure = { code: e.code, message: e.message };
      else throw e;
    }
    expect(failure?.code).toBe('PROVISION_INVALID');
    expect(failure?.message).toContain(`releaseKeys[0]: ${IDENTITY_MSG}`);
    expect(await readFile(rig.configPath, 'utf8')).toBe(before);
    expect(rig.store.current.deviceId).toBeUndefined();
  });
});

describe('weak keys in a signed fleet document over a real broker', () => {
  let broker: Mosquitto;
  let obs: Observer;
  const fleet = makeKey();
  const backend = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/config/reported']);
  });
  afterAll(async () => {
    await obs?.close();
    await broker?.close();
  });

  it('trust.backendKeys with the identity key is not applied: config/reported names the key, the other keys apply, the file keeps the old keys', async () => {
    const a = await startAgent(
      { deviceId: 'till-weak', url: broker.url, stateDir: await tempDir(), releaseRoot: await tempDir(), fleetKeys: [fleet], backendKeys: [backend] },
      new TestHost('1.0.0'),
    );
    try {
      const desired = { trust: { backendKeys: [{ kid: backend.kid, publicKeyPem: backend.publicKeyPem }, evil] }, display: { rotation: 90 } };
      await obs.publish('tillqr/v1/till-weak/config/desired', signDesiredConfig('device:till-weak', 1, desired, fleet));
      const m = await obs.until<ReportedConfig>('tillqr/v1/till-weak/config/reported', (x) => x.some((r) => r.device === 1 && r.at > 0));
      const r = m.at(-1);
      expect(r?.applied).toEqual(['display.rotation']);
      expect(r?.errors).toEqual([
        { key: 'trust.backendKeys', source: 'device', message: expect.stringContaining(`trust.backendKeys[1]: ${IDENTITY_MSG}`) as unknown },
      ]);
      expect(a.store.current.trust.backendKeys.map((k) => k.kid)).toEqual([backend.kid]);
      const onDisk = JSON.parse(await readFile(a.store.path, 'utf8')) as { trust: { backendKeys: { kid: string }[] } };
      expect(onDisk.trust.backendKeys.map((k) => k.kid)).toEqual([backend.kid]);
    } finally {
      await a.stop();
    }
  });
});

describe('a running device asked to trust the identity key (real broker)', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
  });
  afterAll(async () => {
    await backend?.close();
    await broker?.close();
  });

  /** What an attacker sends: a well-formed message for this device, signed by nobody (R = identity, S = 0). */
  const forged = (deviceId: string, body: MessageBody, kid: string): string => {
    const iat = Math.floor(Date.now() / 1000);
    return forgeWithIdentity(JSON.stringify({ ...body, aud: deviceId, iat, exp: iat + 300, jti: `forged-${Math.random()}` }), kid);
  };

  it('refuses the key and keeps the old ones; a forged charge shows no attacker QR and a forged confirmation never beeps', async () => {
    const id = 'till-forge';
    const key = makeBackendKey();
    await backend.watch(id);
    const d = await startDevice(deviceConfig({ deviceId: id, url: broker.url, keys: [key], stateDir: await deviceDir() }));
    try {
      expect(() => d.device.applyConfig({ ...d.config, trust: { ...d.config.trust, backendKeys: [...d.config.trust.backendKeys, evil] } })).toThrow(
        IDENTITY_MSG,
      );
      await backend.send(id, 'charge', forged(id, chargeBody('EVIL-1', 1200, { qr: 'https://attacker.example/pay' }), 'evil-1'));
      expect(await backend.nth(id, 1)).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
      // The same forgery under the genuine kid: R is the identity, so it is no signature at all.
      await backend.send(id, 'charge', forged(id, chargeBody('EVIL-2', 1200, { qr: 'https://attacker.example/pay' }), key.kid));
      expect(await backend.nth(id, 2)).toMatchObject({ type: 'rejected', reason: 'bad_signature' });
      // A genuine sale, then a forged confirmation for it.
      await backend.send(id, 'charge', backend.sign(id, key, chargeBody('REAL-1', 1200)));
      expect(await backend.nth(id, 3)).toMatchObject({ type: 'displayed', orderId: 'REAL-1' });
      await backend.send(id, 'payment', forged(id, paymentBody('REAL-1', 1200), 'evil-1'));
      expect(await backend.nth(id, 4)).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
      await backend.send(id, 'payment', forged(id, paymentBody('REAL-1', 1200), key.kid));
      expect(await backend.nth(id, 5)).toMatchObject({ type: 'rejected', reason: 'bad_signature' });
      expect(d.indicator.count('paid')).toBe(0);
      expect(d.screen.current).toMatchObject({ name: 'charge' });
      expect(JSON.stringify(d.screen.current)).not.toContain('attacker.example');
    } finally {
      await d.stop();
    }
  });
});
