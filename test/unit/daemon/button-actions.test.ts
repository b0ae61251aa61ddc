import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Screen } from '../../../src/core/screen.js';
import { wireButton } from '../../../src/daemon/button-actions.js';
import { Device } from '../../../src/daemon/device.js';
import { signMessage } from '../../../src/link/backend-client.js';
import { Button } from '../../../src/signal/button.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, tempDir } from '../../helpers/payment-kit.js';

const PIN = 16;

async function rig() {
  const clock = new FakeClock(Date.now());
  const key = makeKey();
  const config = deviceConfig({ deviceId: 'till-btn', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: await tempDir() });
  const shown: Screen[] = [];
  const display = {
    screen: undefined as Screen | undefined,
    show(s: Screen) {
      this.screen = s;
      shown.push(s);
    },
  };
  const link = new MemoryLink();
  const device = new Device({
    config,
    clock,
    logger: silentLogger,
    link,
    screen: display,
    indicator: new RecordingIndicator(),
    storeDir: config.stateDir,
    version: 't',
  });
  await device.start();
  link.online();
  const gpio = new SimGpio({ clock });
  const button = new Button({ line: await gpio.input(PIN, { debounceMs: 20 }), clock, logger: silentLogger, longPressMs: 1500 });
  await button.start();
  wireButton({ button, device, display, clock, holdMs: 8000, statusLines: () => ['till-btn', 'idle'] });
  const now = () => Math.floor(clock.now() / 1000);
  const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]) => {
    await link.deliver(topic, signMessage(body, { deviceId: 'till-btn', key: key.key, kid: key.kid, now: now() }));
    await device.idle();
  };
  const press = async (ms: number) => {
    gpio.pressFor(PIN, ms);
    clock.advance(ms + 50);
    await device.idle();
  };
  return { clock, device, display, shown, link, send, press, now };
}

describe('button actions', () => {
  it('short press cancels the sale on screen', async () => {
    const r = await rig();
    await r.send('charge', chargeBody('B-1', 500, { qr: 'Q', expiresAt: r.now() + 300 }));
    expect(r.display.screen?.name).toBe('charge');
    await r.press(100);
    expect(r.link.events.map((e) => e.type)).toContain('cancelled');
    expect(r.display.screen?.name).toBe('cancelled');
  });

  it('short press when idle shows the last payment for a moment, then the idle screen again', async () => {
    const r = await rig();
    await r.send('charge', chargeBody('B-2', 700, { qr: 'Q', expiresAt: r.now() + 300 }));
    await r.send('payment', paymentBody('B-2', 700, { wallet: 'au PAY' }));
    r.clock.advance(10_000);
    await r.device.idle();
    expect(r.display.screen?.name).toBe('idle');
    await r.press(100);
    expect(r.display.screen).toMatchObject({ name: 'paid', orderId: 'B-2', money: { amount: 700, currency: 'JPY' }, wallet: 'au PAY' });
    r.clock.advance(8000);
    expect(r.display.screen?.name).toBe('idle');
  });

  it('long press shows the status, and a new charge replaces it at once and is not hidden later', async () => {
    const r = await rig();
    await r.press(2000);
    expect(r.display.screen).toEqual({ name: 'status', lines: ['till-btn', 'idle'] });
    await r.send('charge', chargeBody('B-3', 900, { qr: 'Q', expiresAt: r.now() + 300 }));
    expect(r.display.screen?.name).toBe('charge');
    r.clock.advance(8000);
    expect(r.display.screen?.name).toBe('charge');
  });
});
