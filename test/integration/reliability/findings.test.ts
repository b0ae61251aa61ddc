/**
 * Faults the reliability runs (bench/reliability) found, each pinned by the smallest test that
 * shows it, beside the CI short forms of the runs themselves.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../../src/config/config-store.js';
import { FakeClock } from '../../../src/core/clock.js';
import { Device } from '../../../src/daemon/device.js';
import { signMessage, type MessageBody } from '../../../src/link/backend-client.js';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/core/logger.js';
import { REPLAY_RETENTION_SEC, ReplayCache } from '../../../src/payment/replay-cache.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, RecordingScreen } from '../../helpers/payment-kit.js';

describe('found by the soak', () => {
  it('the replay cache forgets expired jtis as it goes, so the state file stays the size of the live set', () => {
    // A till taking a signed message every 3 minutes for 30 days: about 500 jtis are live at any
    // time (25 h). Before the fix the cache kept every jti until it reached its bound of 20,000,
    // and the device rewrote all of them (2.3 MB of JSON) with every accepted message.
    const c = new ReplayCache();
    const start = Date.UTC(2026, 0, 1);
    const stepMs = 3 * 60_000;
    let maxSize = 0;
    for (let i = 0; i < 30 * 480; i++) {
      const now = start + i * stepMs;
      c.add(`jti-${i}`, now, now + 300_000);
      maxSize = Math.max(maxSize, c.size);
    }
    const live = Math.ceil((REPLAY_RETENTION_SEC * 1000) / stepMs) + 1;
    expect(maxSize).toBeLessThanOrEqual(live);
    expect(c.snapshot().length).toBeLessThanOrEqual(live);
    // Still refuses what it must: the last 25 h of jtis are all remembered.
    const last = 30 * 480 - 1;
    for (const i of [last, last - 100, last - live + 2]) expect(c.lookup(`jti-${i}`).seen).toBe(true);
  });
});

describe('found by the config fuzzing', () => {
  it('a deeply nested config file is refused with CONFIG_INVALID, not a stack overflow', async () => {
    // Before the fix ConfigStore.open (what the daemon runs first) died in structuredClone with
    // "RangeError: Maximum call stack size exceeded" from about 4,000 levels on.
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-deep-config-'));
    try {
      const path = join(dir, 'config.json');
      const text = `{"deviceId":"till-1","display":{"rotation":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`;
      await writeFile(path, text);
      await expect(ConfigStore.open(path, {}, silentLogger)).rejects.toMatchObject({
        name: 'TillqrError',
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('nested') as unknown,
      });
      await expect(loadConfig({ path })).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      expect(await readFile(path, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a deeply nested value for `set` or a merged partial is refused with CONFIG_INVALID and changes nothing', async () => {
    // Before the fix the console answered INTERNAL "Maximum call stack size exceeded".
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-deep-set-'));
    try {
      const path = join(dir, 'config.json');
      await writeFile(path, '{"deviceId":"till-1"}');
      const store = await ConfigStore.open(path, {}, silentLogger);
      const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
      await expect(store.setText('merchant.accounts', deep, 'test')).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      await expect(store.merge({ merchant: JSON.parse(deep) as unknown }, 'test')).rejects.toMatchObject({ name: 'TillqrError', code: 'CONFIG_INVALID' });
      await expect(store.replace({ deviceId: 'till-1', merchant: JSON.parse(deep) as unknown }, 'test')).rejects.toMatchObject({
        name: 'TillqrError',
        code: 'CONFIG_INVALID',
      });
      expect(await readFile(path, 'utf8')).toBe('{"deviceId":"till-1"}');
      expect(store.current.deviceId).toBe('till-1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('found by the SIGKILL run', () => {
  it('a crash after the state is written but before the events are published loses no `paid` event', async () => {
    // The daemon was killed between persisting an accepted confirmation and publishing `paid`.
    // The broker then redelivered the confirmation (DUP), which the restarted device acknowledged
    // silently as a redelivery of an accepted message: the backend never learned the sale was
    // paid, and a resend got `replayed` although no `paid` had ever been published.
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-crash-outbox-'));
    try {
      const clock = new FakeClock(Date.UTC(2026, 0, 5, 10));
      const key = makeKey();
      const config = deviceConfig({ deviceId: 'till-outbox', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: dir });
      const now = Math.floor(clock.now() / 1000);
      const sign = (body: MessageBody): string => signMessage(body, { deviceId: 'till-outbox', key: key.key, kid: key.kid, now });

      // First life: the process dies right after the write, before anything is published.
      const dying = new MemoryLink();
      const first = new Device({
        config,
        clock,
        logger: silentLogger,
        link: dying,
        screen: new RecordingScreen(),
        indicator: new RecordingIndicator(),
        storeDir: dir,
        version: 't',
      });
      await first.start();
      await dying.deliver('charge', sign(chargeBody('O-1', 500, { qr: 'Q', expiresAt: now + 300 })));
      const pay = sign(paymentBody('O-1', 500));
      dying.publishEvent = () => undefined; // the process is gone: nothing more leaves it
      await dying.deliver('payment', pay);
      expect(first.history()).toHaveLength(1);

      // Second life: the broker redelivers the unacknowledged confirmation with the DUP flag.
      const link = new MemoryLink();
      const indicator = new RecordingIndicator();
      const second = new Device({ config, clock, logger: silentLogger, link, screen: new RecordingScreen(), indicator, storeDir: dir, version: 't' });
      await second.start();
      await link.deliver('payment', pay, true);
      await second.idle();
      expect(link.events.filter((e) => e.type === 'paid' && e.orderId === 'O-1')).toHaveLength(1);
      expect(indicator.count('paid')).toBe(0); // no second beep for it
      await second.stop();

      // A clean stop leaves nothing to publish again.
      const third = new MemoryLink();
      const after = new Device({
        config,
        clock,
        logger: silentLogger,
        link: third,
        screen: new RecordingScreen(),
        indicator: new RecordingIndicator(),
        storeDir: dir,
        version: 't',
      });
      await after.start();
      await after.idle();
      expect(third.events).toEqual([]);
      await after.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a crash after an expiry is written but before `expired` is published publishes it at the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-crash-outbox-tick-'));
    try {
      const clock = new FakeClock(Date.UTC(2026, 0, 5, 10));
      const key = makeKey();
      const config = deviceConfig({ deviceId: 'till-outbox', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: dir });
      const now = Math.floor(clock.now() / 1000);
      const dying = new MemoryLink();
      const first = new Device({
        config,
        clock,
        logger: silentLogger,
        link: dying,
        screen: new RecordingScreen(),
        indicator: new RecordingIndicator(),
        storeDir: dir,
        version: 't',
      });
      await first.start();
      await dying.deliver(
        'charge',
        signMessage(chargeBody('E-1', 500, { qr: 'Q', expiresAt: now + 60 }), { deviceId: 'till-outbox', key: key.key, kid: key.kid, now }),
      );
      dying.publishEvent = () => undefined;
      clock.advance(61_000);
      await first.idle();
      expect(first.saleState.result?.outcome).toBe('expired');

      const link = new MemoryLink();
      const second = new Device({
        config,
        clock,
        logger: silentLogger,
        link,
        screen: new RecordingScreen(),
        indicator: new RecordingIndicator(),
        storeDir: dir,
        version: 't',
      });
      await second.start();
      await second.idle();
      expect(link.events.filter((e) => e.type === 'expired' && e.orderId === 'E-1')).toHaveLength(1);
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('found by the SIGKILL run (config churn)', () => {
  it('temp files of config writes cut short by a crash are removed when the config is opened again', async () => {
    // A kill during a config write leaves .config.json.<pid>.<random>.tmp; nothing removed them,
    // so every such crash left one more copy of the configuration (with its secrets) behind.
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-config-temps-'));
    try {
      const path = join(dir, 'config.json');
      await writeFile(path, '{"deviceId":"till-1"}');
      await writeFile(join(dir, '.config.json.4242.0a1b2c3d.tmp'), '{"deviceId":"till-1","disp');
      await writeFile(join(dir, 'other.tmp'), 'not ours');
      const store = await ConfigStore.open(path, {}, silentLogger);
      expect(store.current.deviceId).toBe('till-1');
      expect((await readdir(dir)).sort()).toEqual(['config.json', 'other.tmp']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
