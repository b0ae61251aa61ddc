/** The console's `sales today`, over the daemon's console target and a real Device. */
import { describe, expect, it } from 'vitest';
import type { ConfigStore } from '../../../src/config/config-store.js';
import type { CommandContext } from '../../../src/console/command-types.js';
import { deviceCommands } from '../../../src/console/commands-device.js';
import { FakeClock } from '../../../src/core/clock.js';
import { Faults } from '../../../src/core/faults.js';
import { silentLogger } from '../../../src/core/logger.js';
import { daemonConsoleTarget } from '../../../src/daemon/console-target.js';
import { Device } from '../../../src/daemon/device.js';
import type { DisplayService } from '../../../src/display/display-service.js';
import { signMessage } from '../../../src/link/backend-client.js';
import type { PatternIndicator } from '../../../src/signal/pattern-indicator.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, tempDir } from '../../helpers/payment-kit.js';

describe('console: sales today', () => {
  it("answers the day's takings per currency, in text and JSON", async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 3, 0));
    const key = makeKey();
    const config = deviceConfig({ deviceId: 'till-sales', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: await tempDir() });
    const link = new MemoryLink();
    const ref: { device?: Device } = {};
    const target = daemonConsoleTarget({
      store: { current: config } as unknown as ConfigStore,
      clock,
      startedAt: clock.now(),
      device: () => ref.device,
      brokerConnected: () => true,
      display: {} as DisplayService,
      faults: new Faults(() => clock.now()),
      indicator: {} as PatternIndicator,
      restingScreen: () => ({ name: 'connecting', broker: 'x' }),
      restart: () => Promise.resolve(),
      reboot: () => Promise.resolve(),
    });
    const cmd = deviceCommands.find((c) => c.name === 'sales today');
    if (cmd === undefined) throw new Error('no sales today command');
    const ctx = { target } as unknown as CommandContext;
    expect((await cmd.run([], ctx)).text).toBe('no takings: the device is not provisioned');

    const device = new Device({
      config,
      clock,
      logger: silentLogger,
      link,
      screen: { show: () => undefined },
      indicator: new RecordingIndicator(),
      storeDir: config.stateDir,
      version: 't',
    });
    ref.device = device;
    await device.start();
    link.online();
    const now = () => Math.floor(clock.now() / 1000);
    const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]) => {
      await link.deliver(topic, signMessage(body, { deviceId: 'till-sales', key: key.key, kid: key.kid, now: now() }));
      await device.idle();
    };
    expect((await cmd.run([], ctx)).text).toMatch(/^sales today \(\d{4}-\d{2}-\d{2}\): no sales yet$/);
    await send('charge', chargeBody('S-1', 1280, { qr: 'Q', expiresAt: now() + 300 }));
    await send('payment', paymentBody('S-1', 1280));
    await send('charge', chargeBody('S-2', 1250, { qr: 'Q', expiresAt: now() + 300, currency: 'USD' }));
    await send('payment', paymentBody('S-2', 1250, { currency: 'USD' }));
    const r = await cmd.run([], ctx);
    expect(r.text).toMatch(/: 1 sale, 1280 JPY; 1 sale, 12\.50 USD$/);
    expect(r.data).toMatchObject({
      sales: [
        { currency: 'JPY', count: 1, amount: 1280 },
        { currency: 'USD', count: 1, amount: 1250 },
      ],
    });
    await device.stop();
  });
});
