import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Screen } from '../../../src/core/screen.js';
import { DisplayService } from '../../../src/display/display-service.js';
import { SimPanel } from '../../../src/display/drivers/sim-panel.js';
import { panelInfo } from '../../../src/display/panels.js';
import { QR_TOO_LARGE_ACTION, Renderer } from '../../../src/display/render/renderer.js';
import { decodeFrame as decode } from './payloads.js';

const renderer = new Renderer();

function setup(panelId = 'waveshare-2in9-v2') {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 12));
  const panel = new SimPanel(panelInfo(panelId), { clock, timing: { fullMs: 2000, partialMs: 300 } });
  const display = new DisplayService({
    panel,
    renderer,
    clock,
    logger: silentLogger,
    config: () => ({ rotation: 0, language: 'ja', countdownStepSec: 15, partialRefreshLimit: 10 }),
  });
  return { clock, panel, display };
}

/** Let the scheduler's promise chain run, moving fake time so the sim panel's refreshes complete. */
async function settle(clock: FakeClock, display: DisplayService): Promise<void> {
  for (let i = 0; i < 50 && (display.scheduler.refreshing || display.scheduler.pending); i++) {
    await new Promise((r) => setImmediate(r));
    clock.advance(100);
  }
  await display.scheduler.idle();
}

describe('DisplayService', () => {
  it('draws a charge with a full refresh and redraws its countdown with partial refreshes on whole steps', async () => {
    const { clock, panel, display } = setup();
    const now = clock.now();
    const charge: Screen = {
      name: 'charge',
      orderId: 'o-1',
      money: { amount: 1200, currency: 'JPY' },
      qr: 'https://pay.example/o-1',
      expiresAt: now + 60_000,
      now,
      storeName: 'Cafe',
      reference: 'o-1',
    };
    display.show(charge);
    await settle(clock, display);
    expect(panel.counts.full).toBe(1);
    expect(decode(panel.last!.frame)).toBe('https://pay.example/o-1');
    const first = panel.last!.frame.data.slice();
    clock.advance(15_000 - 2_000);
    await settle(clock, display);
    expect(panel.counts.partial).toBe(1);
    expect(panel.last!.frame.data).not.toEqual(first);
    // The QR is unchanged by the countdown.
    expect(decode(panel.last!.frame)).toBe('https://pay.example/o-1');
    expect(display.healthy).toBe(true);
  });

  it('stops the countdown when another screen comes and shows that with a full refresh', async () => {
    const { clock, panel, display } = setup();
    const now = clock.now();
    display.show({
      name: 'charge',
      orderId: 'o-2',
      money: { amount: 500, currency: 'JPY' },
      qr: 'https://pay.example/o-2',
      expiresAt: now + 60_000,
      now,
      storeName: 'Cafe',
    });
    await settle(clock, display);
    display.show({ name: 'paid', orderId: 'o-2', money: { amount: 500, currency: 'JPY' }, wallet: 'PayPay' });
    await settle(clock, display);
    const drawn = panel.counts.full + panel.counts.partial;
    clock.advance(120_000);
    await settle(clock, display);
    expect(panel.counts.full).toBe(2);
    expect(panel.counts.full + panel.counts.partial).toBe(drawn);
  });

  it('shows the error screen, never a blurred code, when the payload cannot be drawn scannably', async () => {
    const { clock, panel, display } = setup('waveshare-2in13-v4');
    const now = clock.now();
    display.show({
      name: 'charge',
      orderId: 'o-3',
      money: { amount: 100, currency: 'JPY' },
      qr: 'x'.repeat(2000),
      expiresAt: now + 60_000,
      now,
      storeName: 'Cafe',
    });
    await settle(clock, display);
    expect(panel.counts.full).toBe(1);
    expect(decode(panel.last!.frame)).toBeUndefined();
    const expected = renderer.render({ name: 'error', code: 'QR_TOO_LARGE', action: QR_TOO_LARGE_ACTION }, panel.info, 0, 'ja');
    expect(panel.last!.frame.data).toEqual(expected.data);
  });
});
