/**
 * The button with a voice: a short press while idle says the last payment again (and shows it),
 * a long press reads the day's takings (and shows the status). Simulated button, engine and speaker.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Screen } from '../../../src/core/screen.js';
import { wireButton } from '../../../src/daemon/button-actions.js';
import { Device } from '../../../src/daemon/device.js';
import { signMessage } from '../../../src/link/backend-client.js';
import { Button } from '../../../src/signal/button.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { Announcer } from '../../../src/voice/announcer.js';
import { SimEngine } from '../../../src/voice/drivers/sim-engine.js';
import { SimSpeaker } from '../../../src/voice/drivers/sim-speaker.js';
import { Voice } from '../../../src/voice/voice.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, paymentBody, RecordingIndicator, tempDir } from '../../helpers/payment-kit.js';

const PIN = 16;

describe('button with a voice', () => {
  it('short press replays the last payment, long press reads the takings', async () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 10, 3, 0));
    const key = makeKey();
    const config = deviceConfig({ deviceId: 'till-btn', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: await tempDir() });
    const display = {
      screen: undefined as Screen | undefined,
      show(s: Screen) {
        this.screen = s;
      },
    };
    const engine = new SimEngine();
    const announcer = new Announcer({
      sounds: { get: async (t, l) => ({ wav: await engine.synthesize(t, l), hit: false }) },
      speaker: new SimSpeaker({ clock }),
      logger: silentLogger,
      settings: () => ({ enabled: true, quiet: false, device: 'default', volume: 80 }),
    });
    const voice = new Voice({ announcer, language: () => 'en' });
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
      announce: (a) => voice.announce(a),
    });
    await device.start();
    link.online();
    const gpio = new SimGpio({ clock });
    const button = new Button({ line: await gpio.input(PIN, { debounceMs: 20 }), clock, logger: silentLogger, longPressMs: 1500 });
    await button.start();
    wireButton({ button, device, display, clock, holdMs: 8000, statusLines: () => ['till-btn'], voice });
    const now = () => Math.floor(clock.now() / 1000);
    const send = async (topic: 'charge' | 'payment', body: Parameters<typeof signMessage>[0]) => {
      await link.deliver(topic, signMessage(body, { deviceId: 'till-btn', key: key.key, kid: key.kid, now: now() }));
      await device.idle();
    };
    /** Let each sound play out on the fake clock (the simulated speaker plays for the WAV's length). */
    const drain = async () => {
      for (let i = 0; i < 200; i++) {
        await new Promise<void>((r) => setImmediate(r));
        clock.advance(50);
      }
      await device.idle();
    };
    const press = async (ms: number) => {
      gpio.pressFor(PIN, ms);
      clock.advance(ms + 50);
      await device.idle();
    };
    await send('charge', chargeBody('B-1', 1280, { qr: 'Q', expiresAt: now() + 300 }));
    await send('payment', paymentBody('B-1', 1280, { wallet: 'PayPay' }));
    clock.advance(config.sale.resultHoldSec * 1000 + 10_000);
    await drain();
    await press(100);
    expect(display.screen?.name).toBe('paid');
    await drain();
    await press(2000);
    expect(display.screen?.name).toBe('status');
    await drain();
    expect(announcer.log.map((l) => [l.kind, l.text])).toEqual([
      ['paid', 'one thousand two hundred eighty yen received with PayPay'],
      ['replay', 'one thousand two hundred eighty yen received with PayPay'],
      ['takings', 'Today: one sale, one thousand two hundred eighty yen'],
    ]);
    await device.stop();
  });
});
