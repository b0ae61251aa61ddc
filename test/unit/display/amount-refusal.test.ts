/**
 * A charge whose amount the panel cannot show whole is refused before any QR is shown
 * (`rejected` / `amount_unshowable`), the sale on screen stays, and the same amount on a panel
 * that can show it is accepted. The contract bounds the amount per currency by EMV tag 54.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { Screen } from '../../../src/core/screen.js';
import { Device } from '../../../src/daemon/device.js';
import { PANELS } from '../../../src/display/panels.js';
import { amountShowable } from '../../../src/display/render/fit.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { signMessage } from '../../../src/link/backend-client.js';
import { chargeSchema, REJECT_REASONS } from '../../../src/link/contract.js';
import { maxAmount } from '../../../src/payment/money.js';
import { MemoryLink } from '../../helpers/memory-link.js';
import { chargeBody, deviceConfig, makeKey, RecordingIndicator, RecordingScreen, tempDir } from '../../helpers/payment-kit.js';

const renderer = new Renderer();

class PanelScreen extends RecordingScreen {
  constructor(
    private readonly panel: keyof typeof PANELS,
    private readonly rotation: 0 | 90,
  ) {
    super();
  }
  fits(screen: Screen): boolean {
    return screen.name !== 'charge' || amountShowable(renderer, screen, PANELS[this.panel], this.rotation, 'en');
  }
}

async function rig(screen: RecordingScreen) {
  const clock = new FakeClock(Date.now());
  const key = makeKey();
  const dir = await tempDir();
  const config = deviceConfig({ deviceId: 'till-fit', url: 'mqtt://127.0.0.1:1', keys: [key], stateDir: dir });
  const link = new MemoryLink();
  const device = new Device({ config, clock, logger: silentLogger, link, screen, indicator: new RecordingIndicator(), storeDir: dir, version: 't' });
  await device.start();
  link.online();
  const now = (): number => Math.floor(clock.now() / 1000);
  const charge = async (orderId: string, amount: number): Promise<void> => {
    await link.deliver(
      'charge',
      signMessage(chargeBody(orderId, amount, { expiresAt: now() + 300 }), { deviceId: 'till-fit', key: key.key, kid: key.kid, now: now() }),
    );
    await device.idle();
  };
  return { device, link, charge };
}

describe('amount_unshowable', () => {
  it('refuses a charge the 2.13" panel in portrait cannot show whole, before any QR, and keeps the sale on screen', async () => {
    const screen = new PanelScreen('waveshare-2in13-v4', 0);
    const { device, link, charge } = await rig(screen);
    await charge('A-1', 1200);
    expect(link.events.at(-1)).toMatchObject({ type: 'displayed', orderId: 'A-1' });
    const shownBefore = screen.shown.length;
    await charge('A-2', 9_999_999_999);
    expect(link.events.at(-1)).toMatchObject({ type: 'rejected', orderId: 'A-2', reason: 'amount_unshowable' });
    expect(screen.shown.slice(shownBefore).some((s) => s.name === 'charge' && s.orderId === 'A-2')).toBe(false);
    expect(device.saleState.pending?.orderId).toBe('A-1');
    await device.stop();
  });

  it('shows the same amount on a panel that can hold it (the 2.13" in landscape gives it a line of its own)', async () => {
    const screen = new PanelScreen('waveshare-2in13-v4', 90);
    const { device, link, charge } = await rig(screen);
    await charge('B-1', 9_999_999_999);
    expect(link.events.at(-1)).toMatchObject({ type: 'displayed', orderId: 'B-1' });
    expect(screen.current).toMatchObject({ name: 'charge', orderId: 'B-1' });
    await device.stop();
  });

  it('is a documented reason, and the contract bounds the amount by EMV tag 54 per currency', () => {
    expect(REJECT_REASONS.amount_unshowable).toMatch(/whole/);
    const base = { typ: 'charge', orderId: 'C-1', expiresAt: 2_000_000_000, aud: 'till-fit', iat: 1_900_000_000, exp: 1_900_000_300, jti: 'j-1' };
    const ok = (amount: number, currency: string): boolean => chargeSchema.safeParse({ ...base, amount, currency }).ok;
    expect([maxAmount('JPY'), maxAmount('USD'), maxAmount('KWD'), maxAmount('CLF')]).toEqual([
      9_999_999_999_999, 999_999_999_999, 999_999_999_999, 999_999_999_999,
    ]);
    expect(ok(9_999_999_999_999, 'JPY')).toBe(true);
    expect(ok(10_000_000_000_000, 'JPY')).toBe(false);
    expect(ok(999_999_999_999, 'USD')).toBe(true);
    expect(ok(1_000_000_000_000, 'USD')).toBe(false);
    expect(ok(1_000_000_000_000, 'KRW')).toBe(true);
    // A currency tillqr does not know gets the bound that fits whatever its decimals.
    expect(ok(1_000_000_000_000, 'XXZ')).toBe(false);
  });
});
