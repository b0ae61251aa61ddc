/**
 * A Device with a voice and the day's takings, on a fake clock, with its real state file:
 * the payment is announced after the signal and after the `paid` event (never before), the
 * takings are persisted with the sale, survive a restart, and are cleared at the shop's day
 * boundary (04:00 in Asia/Tokyo), on the retained status too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { validateConfig } from '../../../src/config/load.js';
import { Device } from '../../../src/daemon/device.js';
import { STATE_FILE_NAME } from '../../../src/daemon/state-file.js';
import { signMessage } from '../../../src/link/backend-client.js';
import type { SaleAnnouncement } from '../../../src/voice/voice.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, makeKey, paymentBody, rawDeviceConfig, RecordingIndicator, tempDir } from '../../helpers/payment-kit.js';

const tokyo = (d: number, h: number, mi: number): number => Date.UTC(2026, 2, d, h - 9, mi);

async function rig(dir: string, clock: FakeClock, key: ReturnType<typeof makeKey>) {
  const config = validateConfig({
    ...rawDeviceConfig({ deviceId: 'till-voice', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: dir }),
    shop: { timeZone: 'Asia/Tokyo' },
  });
  const link = new MemoryLink();
  const indicator = new RecordingIndicator();
  const order: string[] = [];
  indicator.onPlay = (e) => order.push(`signal ${e}`);
  const said: SaleAnnouncement[] = [];
  const device = new Device({
    config,
    clock,
    logger: silentLogger,
    link,
    screen: { show: () => undefined },
    indicator,
    storeDir: dir,
    version: 't',
    announce: (a) => {
      said.push(a);
      order.push(`say ${a.type} after ${link.events.map((e) => e.type).join(',')}`);
    },
  });
  await device.start();
  link.online();
  const now = () => Math.floor(clock.now() / 1000);
  const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]) => {
    await link.deliver(topic, signMessage(body, { deviceId: 'till-voice', key: key.key, kid: key.kid, now: now() }));
    await device.idle();
  };
  const sell = async (id: string, amount: number, wallet?: string) => {
    await send('charge', chargeBody(id, amount, { qr: 'Q', expiresAt: now() + 300 }));
    await send('payment', paymentBody(id, amount, wallet !== undefined ? { wallet } : {}));
  };
  return { device, link, said, order, sell, send, now };
}

describe('Device voice and takings', () => {
  it('announces the payment after the signal and the paid event; a failed payment gets its phrase', async () => {
    const clock = new FakeClock(tokyo(10, 12, 0));
    const key = makeKey();
    const r = await rig(await tempDir(), clock, key);
    await r.sell('V-1', 1280, 'LINE Pay');
    expect(r.said).toEqual([{ type: 'paid', amount: 1280, currency: 'JPY', wallet: 'LINE Pay' }]);
    expect(r.order.slice(r.order.indexOf('signal paid'))).toEqual(['signal paid', 'say paid after displayed,paid']);
    await r.send('charge', chargeBody('V-2', 500, { qr: 'Q', expiresAt: r.now() + 300 }));
    await r.send('payment', paymentBody('V-2', 500, { status: 'failed' }));
    expect(r.said.map((a) => a.type)).toEqual(['paid', 'failed']);
    await r.device.stop();
  });

  it('counts the day, persists it with the sale, keeps it across a restart and clears it at 04:00', async () => {
    const clock = new FakeClock(tokyo(10, 21, 0));
    const key = makeKey();
    const dir = await tempDir();
    const a = await rig(dir, clock, key);
    await a.sell('T-1', 1280);
    await a.sell('T-2', 720);
    const today = { day: '2026-03-10', sales: [{ currency: 'JPY', count: 2, amount: 2000 }] };
    expect(a.device.takings()).toEqual(today);
    expect(a.link.statuses.at(-1)?.takings).toEqual(today);
    const file = JSON.parse(await readFile(join(dir, STATE_FILE_NAME), 'utf8')) as { takings?: unknown };
    expect(file.takings).toEqual(today);
    await a.device.stop();

    // Restarted after midnight but before the shop's day ends: still the 10th's takings.
    clock.advance(tokyo(11, 2, 0) - clock.now());
    const b = await rig(dir, clock, key);
    expect(b.device.takings()).toEqual(today);
    expect(b.link.statuses.at(-1)?.takings).toEqual(today);
    await b.sell('T-3', 100);
    expect(b.device.takings().sales).toEqual([{ currency: 'JPY', count: 3, amount: 2100 }]);

    // 04:00: a new day, published on the status without any sale.
    const before = b.link.statuses.length;
    clock.advance(tokyo(11, 4, 0) - clock.now());
    expect(b.link.statuses.length).toBeGreaterThan(before);
    expect(b.link.statuses.at(-1)?.takings).toEqual({ day: '2026-03-11', sales: [] });
    expect(b.device.takings()).toEqual({ day: '2026-03-11', sales: [] });
    await b.device.stop();

    // And a restart on a later day starts from zero, whatever the file holds.
    clock.advance(tokyo(12, 9, 0) - clock.now());
    const c = await rig(dir, clock, key);
    expect(c.device.takings()).toEqual({ day: '2026-03-12', sales: [] });
    await c.device.stop();
  });
});

describe('the payment state file across releases', () => {
  it('a top-level key this release does not know (a newer release wrote it) is dropped, not a corrupt file', async () => {
    const { writeFile } = await import('node:fs/promises');
    const clock = new FakeClock(tokyo(10, 12, 0));
    const key = makeKey();
    const dir = await tempDir();
    const a = await rig(dir, clock, key);
    await a.sell('X-1', 1280);
    await a.device.stop();
    const path = join(dir, STATE_FILE_NAME);
    const file = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...file, fromTheFuture: { any: 1 } }));
    const b = await rig(dir, clock, key);
    expect(b.device.history().map((h) => h.orderId)).toEqual(['X-1']);
    expect(b.device.takings().sales).toEqual([{ currency: 'JPY', count: 1, amount: 1280 }]);
    await b.device.stop();
  });
});
