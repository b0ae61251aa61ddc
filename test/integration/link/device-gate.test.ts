import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { Device } from '../../../src/daemon/device.js';
import { STATE_FILE_NAME } from '../../../src/daemon/state-file.js';
import { signMessage } from '../../../src/link/backend-client.js';
import { forgeries } from '../../helpers/forgeries.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, RecordingScreen, tempDir } from '../../helpers/payment-kit.js';

const key = makeKey();
const ID = 'till-unit';

async function setup(dir?: string, clock = new FakeClock(Date.UTC(2026, 0, 1, 9))) {
  const stateDir = dir ?? (await tempDir());
  const config = deviceConfig({ deviceId: ID, url: 'mqtt://127.0.0.1:1', keys: [key], stateDir, sale: { lateConfirmationSec: 120 } });
  const link = new MemoryLink();
  const screen = new RecordingScreen();
  const indicator = new RecordingIndicator();
  const sink = memorySink();
  const device = new Device({
    config,
    clock,
    logger: createLogger('t', { sink, level: 'debug' }),
    link,
    screen,
    indicator,
    storeDir: stateDir,
    version: '9.9.9',
  });
  await device.start();
  link.online();
  await device.idle();
  const now = () => Math.floor(clock.now() / 1000);
  const sign = (body: Parameters<typeof signMessage>[0], o: { jti?: string; ttlSec?: number } = {}) =>
    signMessage(body, { deviceId: ID, key: key.key, kid: key.kid, now: now(), ...o });
  return { stateDir, config, link, screen, indicator, device, clock, now, sign, logLines: sink.lines };
}

let running: Device[] = [];
afterEach(async () => {
  for (const d of running) await d.stop();
  running = [];
});

describe('Device behind the inbound gate (in-memory link, fake clock)', () => {
  it('refuses every forged, tampered, stale, replayed or mismatched message with its reason and never signals', async () => {
    const s = await setup();
    running.push(s.device);
    const charge = s.sign(chargeBody('PEND-1', 1500, { qr: 'Q', expiresAt: s.now() + 3600 }));
    await s.link.deliver('charge', charge);
    expect(s.link.events.at(-1)).toMatchObject({ type: 'displayed', orderId: 'PEND-1' });
    const ctx = {
      deviceId: ID,
      key,
      pending: { orderId: 'PEND-1', amount: 1500, currency: 'JPY' },
      accepted: { topic: 'charge' as const, token: charge, orderId: 'PEND-1' },
      now: s.now,
      skewSec: 60,
      maxPayloadBytes: s.config.mqtt.maxPayloadBytes,
    };
    const seenKinds = new Set<string>();
    await fc.assert(
      fc.asyncProperty(forgeries(ctx), async (make) => {
        const forgery = make();
        seenKinds.add(forgery.kind.replace(/-.*$/, ''));
        const before = s.link.events.length;
        await s.link.deliver(forgery.topic, forgery.payload);
        expect(s.link.events.length).toBe(before + 1);
        const { detail, jti, same, ...ev } = s.link.events.at(-1) ?? { type: 'none', at: 0 };
        // The accepted message's very bytes again is acknowledged as such (decision 0012); nothing else is.
        expect(same).toBe(forgery.kind === 'replayed' ? true : undefined);
        expect(ev).toEqual({ type: 'rejected', reason: forgery.reason, ...(forgery.orderId !== undefined ? { orderId: forgery.orderId } : {}), at: s.now() });
        // Every refusal says why in words; no jti is echoed from a message whose signature did not verify.
        expect(detail).toMatch(/\S/);
        if (['too_large', 'unsupported_alg', 'unknown_kid', 'bad_signature'].includes(forgery.reason) || forgery.kind.startsWith('random'))
          expect(jti).toBeUndefined();
        if (forgery.orderId !== undefined) expect(jti).toMatch(/\S/);
        expect(s.indicator.count('paid')).toBe(0);
        expect(s.screen.current).toMatchObject({ name: 'charge', orderId: 'PEND-1' });
      }),
      { numRuns: 600 },
    );
    expect(seenKinds.size).toBeGreaterThanOrEqual(12);
    // After all that, the genuine confirmation still works, exactly once.
    await s.link.deliver('payment', s.sign(paymentBody('PEND-1', 1500)));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'paid', orderId: 'PEND-1' });
    expect(s.indicator.count('paid')).toBe(1);
  });

  it('acknowledges a broker redelivery of an accepted confirmation silently; a re-publish is refused as replayed', async () => {
    const s = await setup();
    running.push(s.device);
    await s.link.deliver('charge', s.sign(chargeBody('A', 100, { qr: 'Q' })));
    const pay = s.sign(paymentBody('A', 100));
    await s.link.deliver('payment', pay);
    const n = s.link.events.length;
    await s.link.deliver('payment', pay, true);
    expect(s.link.events.length).toBe(n);
    await s.link.deliver('payment', pay, false);
    expect(s.link.events.at(-1)).toMatchObject({ type: 'rejected', reason: 'replayed', orderId: 'A' });
    // A redelivery of a message that was refused is not silent: the decision is repeated.
    const wrong = s.sign(paymentBody('A', 999));
    await s.link.deliver('payment', wrong);
    await s.link.deliver('payment', wrong, true);
    expect(s.link.events.slice(-2).map((e) => e.reason)).toEqual(['order_closed', 'replayed']);
    expect(s.indicator.count('paid')).toBe(1);
  });

  it('expires the sale on the injected clock, reports it, and shows paid with a note for a late confirmation', async () => {
    const s = await setup();
    running.push(s.device);
    await s.link.deliver('charge', s.sign(chargeBody('E1', 700, { qr: 'Q', expiresAt: s.now() + 30 })));
    s.clock.advance(29_999);
    await s.device.idle();
    expect(s.link.events.map((e) => e.type)).toEqual(['displayed']);
    s.clock.advance(1);
    await s.device.idle();
    expect(s.link.events.at(-1)).toMatchObject({ type: 'expired', orderId: 'E1' });
    expect(s.screen.current).toMatchObject({ name: 'expired' });
    s.clock.advance(8000);
    await s.device.idle();
    expect(s.screen.current?.name).toBe('idle');
    s.clock.advance(60_000);
    await s.link.deliver('payment', s.sign(paymentBody('E1', 700)));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'paid', orderId: 'E1', reason: 'late' });
    expect(s.screen.current).toMatchObject({ name: 'paid', late: true });
    expect(s.indicator.count('paid')).toBe(1);
    expect(s.link.statuses.at(-1)).toMatchObject({ state: 'paid', version: '9.9.9' });
  });

  it('persists jti, pending sale and history together and restores them after a restart', async () => {
    const s = await setup();
    const pay = s.sign(paymentBody('P1', 100));
    await s.link.deliver('charge', s.sign(chargeBody('P1', 100, { qr: 'Q' })));
    await s.link.deliver('payment', pay);
    const pending = s.sign(chargeBody('P2', 200, { qr: 'Q2', expiresAt: s.now() + 600 }));
    await s.link.deliver('charge', pending);
    await s.device.stop();
    const file = JSON.parse(await readFile(join(s.stateDir, STATE_FILE_NAME), 'utf8')) as { sale: { pending: { orderId: string } }; replay: unknown[] };
    expect(file.sale.pending.orderId).toBe('P2');
    expect(file.replay).toHaveLength(3);

    const again = await setup(s.stateDir, s.clock);
    running.push(again.device);
    expect(again.screen.current).toMatchObject({ name: 'charge', orderId: 'P2', qr: 'Q2' });
    expect(again.device.history()).toMatchObject([{ orderId: 'P1' }]);
    await again.link.deliver('payment', pay);
    await again.link.deliver('charge', pending);
    expect(again.link.events.map((e) => e.reason)).toEqual(['replayed', 'replayed']);
    expect(again.indicator.count('paid')).toBe(0);
    await again.link.deliver('payment', again.sign(paymentBody('P2', 200)));
    expect(again.link.events.at(-1)).toMatchObject({ type: 'paid', orderId: 'P2' });
  });

  it('starts empty (and keeps the bad file aside) when the state file is corrupt', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, STATE_FILE_NAME), '{"version":1,');
    const s = await setup(dir);
    running.push(s.device);
    expect(s.screen.current?.name).toBe('idle');
    expect(s.logLines.some((l) => l.includes('corrupt'))).toBe(true);
    await s.link.deliver('charge', s.sign(chargeBody('C1', 100, { qr: 'Q' })));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'displayed' });
  });

  it('shows offline instead of the QR while the link is down, and the QR again when it is back', async () => {
    const s = await setup();
    running.push(s.device);
    await s.link.deliver('charge', s.sign(chargeBody('O1', 100, { qr: 'Q' })));
    s.link.offline();
    await s.device.idle();
    expect(s.screen.current).toMatchObject({ name: 'offline', storeName: 'カフェ森' });
    expect(s.indicator.played.at(-1)?.event).toBe('offline');
    s.link.online();
    await s.device.idle();
    expect(s.screen.current).toMatchObject({ name: 'charge', orderId: 'O1' });
  });

  it('cancels the pending sale with the button', async () => {
    const s = await setup();
    running.push(s.device);
    await s.link.deliver('charge', s.sign(chargeBody('B1', 100, { qr: 'Q' })));
    await s.device.pressButton();
    expect(s.link.events.at(-1)).toMatchObject({ type: 'cancelled', orderId: 'B1', reason: 'button' });
  });

  it('rotates trusted keys and renames the store without a restart', async () => {
    const s = await setup();
    running.push(s.device);
    const next = makeKey();
    const byNext = (orderId: string) => signMessage(chargeBody(orderId, 100, { qr: 'Q' }), { deviceId: ID, key: next.key, kid: next.kid, now: s.now() });
    await s.link.deliver('charge', byNext('K1'));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
    const rotated = deviceConfig({ deviceId: ID, url: 'mqtt://127.0.0.1:1', keys: [next], stateDir: s.stateDir });
    await s.device.applyConfig({ ...rotated, merchant: { ...rotated.merchant!, displayName: 'Mori Cafe' } });
    expect(s.screen.current).toMatchObject({ name: 'idle', storeName: 'Mori Cafe' });
    await s.link.deliver('charge', byNext('K2'));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'displayed', orderId: 'K2' });
    await s.link.deliver('charge', s.sign(chargeBody('K3', 100, { qr: 'Q' })));
    expect(s.link.events.at(-1)).toMatchObject({ type: 'rejected', reason: 'unknown_kid' });
    expect(() => s.device.applyConfig({ ...rotated, trust: { ...rotated.trust, backendKeys: [{ kid: 'x', publicKeyPem: 'junk' }] } })).toThrow(
      /not a readable/,
    );
  });
});
