/**
 * A state directory that cannot be written (disk full, failing card) does not stop payments, and
 * it is not only in the log: the status topic carries STORE_WRITE_FAILED until a write succeeds.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { ConfigStore } from '../../../src/config/config-store.js';
import { daemonConsoleTarget } from '../../../src/daemon/console-target.js';
import { Device } from '../../../src/daemon/device.js';
import type { DisplayService } from '../../../src/display/display-service.js';
import type { PatternIndicator } from '../../../src/signal/pattern-indicator.js';
import { STATE_FILE_NAME } from '../../../src/daemon/state-file.js';
import { signMessage } from '../../../src/link/backend-client.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, tempDir } from '../../helpers/payment-kit.js';

describe('Device with a state directory that cannot be written', () => {
  it('takes the payment, raises STORE_WRITE_FAILED on the status topic and clears it once a write succeeds', async () => {
    const clock = new FakeClock(Date.now());
    const key = makeKey();
    const dir = await tempDir();
    const config = deviceConfig({ deviceId: 'till-disk', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: dir });
    const link = new MemoryLink();
    const indicator = new RecordingIndicator();
    const device = new Device({ config, clock, logger: silentLogger, link, screen: { show: () => undefined }, indicator, storeDir: dir, version: 't' });
    await device.start();
    link.online();
    const now = () => Math.floor(clock.now() / 1000);
    const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]) => {
      await link.deliver(topic, signMessage(body, { deviceId: 'till-disk', key: key.key, kid: key.kid, now: now() }));
      await device.idle();
    };
    await send('charge', chargeBody('D-1', 900, { qr: 'Q', expiresAt: now() + 300 }));
    expect(link.statuses.at(-1)?.faults).toBeUndefined();

    // The state file's name taken by a non-empty directory: every atomic rename onto it fails.
    const path = join(dir, STATE_FILE_NAME);
    await rm(path, { force: true });
    await mkdir(path);
    await writeFile(join(path, 'blocker'), 'x');
    await send('payment', paymentBody('D-1', 900));
    expect(link.events.filter((e) => e.type === 'paid').map((e) => e.orderId)).toEqual(['D-1']);
    expect(indicator.played.filter((p) => p.event === 'paid')).toHaveLength(1);
    expect(link.statuses.at(-1)).toMatchObject({ state: 'paid', faults: ['STORE_WRITE_FAILED'] });
    expect(device.faults.list()[0]).toMatchObject({ part: 'storage', code: 'STORE_WRITE_FAILED' });
    expect(device.faults.list()[0]?.message).toContain(STATE_FILE_NAME);
    // The technician's `status` says so too (only the parts status() reads are given here).
    const target = daemonConsoleTarget({
      store: { current: config } as unknown as ConfigStore,
      clock,
      startedAt: clock.now(),
      device: () => device,
      brokerConnected: () => true,
      display: { lastError: undefined } as unknown as DisplayService,
      faults: device.faults,
      indicator: {} as PatternIndicator,
      restingScreen: () => device.screen,
      restart: () => Promise.resolve(),
      reboot: () => Promise.resolve(),
    });
    const storage = (await target.status()).storage;
    expect(storage.ok).toBe(false);
    expect(storage.lastError).toMatch(/^STORE_WRITE_FAILED: cannot write .*payment-state\.json/);

    await rm(path, { recursive: true });
    await send('charge', chargeBody('D-2', 400, { qr: 'Q', expiresAt: now() + 300 }));
    expect(link.statuses.at(-1)?.faults).toBeUndefined();
    expect(device.faults.list()).toEqual([]);
    expect((await target.status()).storage).toEqual({ ok: true });
    await device.stop();
  });
});
