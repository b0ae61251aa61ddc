/**
 * End to end: the simulator (`npm start`'s code: embedded broker, the real daemon with simulated
 * hardware, the page) driven in real headless Chromium. A sale's QR is read back from a
 * screenshot of the page with jsQR and must be the charge's payload; paying lights the LED green
 * and brings the `paid` event; forged confirmations are refused without a signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEmv } from '../../src/payment/emv-decode.js';
import { decodeQr, launchChromium, startTestSim, until, type Browser, type TestSim } from './browser.js';

let t: TestSim;
let b: Browser;

beforeAll(async () => {
  t = await startTestSim();
  b = await launchChromium();
  await b.page.goto(t.sim.pageUrl);
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
});

const led = (): Promise<string | null> => b.page.locator('#led').getAttribute('data-state');
const logItem = (sel: string) => b.page.locator(`#log li${sel}`);

/** Record every LED and buzzer state the page shows from now on (MutationObservers in the page). */
async function recordSignals(): Promise<() => Promise<{ led: string[]; buzzer: string[] }>> {
  await b.page.evaluate(() => {
    const w = window as unknown as { seen: { led: string[]; buzzer: string[] }; observers?: MutationObserver[] };
    const led = document.getElementById('led') as HTMLElement;
    const bz = document.getElementById('buzzer') as HTMLElement;
    w.seen = { led: [led.dataset.state ?? '?'], buzzer: [bz.dataset.on ?? '?'] };
    for (const o of w.observers ?? []) o.disconnect();
    const watch = (el: HTMLElement, attr: string, into: string[]): MutationObserver => {
      const o = new MutationObserver(() => into.push(el.getAttribute(attr) ?? '?'));
      o.observe(el, { attributes: true, attributeFilter: [attr] });
      return o;
    };
    w.observers = [watch(led, 'data-state', w.seen.led), watch(bz, 'data-on', w.seen.buzzer)];
  });
  return () => b.page.evaluate(() => (window as unknown as { seen: { led: string[]; buzzer: string[] } }).seen);
}

async function startSale(amount: string): Promise<{ orderId: string; qr: string }> {
  const sale = b.page.locator('#sale');
  const before = await sale.getAttribute('data-order');
  await b.page.fill('#amount', amount);
  await b.page.selectOption('#currency', 'JPY');
  await b.page.click('#start-sale');
  const orderId = await until(
    () => sale.getAttribute('data-order'),
    (v) => v !== null && v !== '' && v !== before,
    'the sale to start',
  );
  await logItem(`[data-type="displayed"][data-order="${orderId}"]`).waitFor();
  const qr = (await sale.getAttribute('data-qr')) ?? '';
  return { orderId: orderId ?? '', qr };
}

describe('the simulator page in headless Chromium', () => {
  let first: { orderId: string; qr: string };

  it('shows the device idle, online, with the panel at its native resolution', async () => {
    await b.page.locator('#conn[data-state="online"]').waitFor();
    await until(
      () => b.page.locator('#panel').getAttribute('data-seq'),
      (s) => Number(s) >= 1,
      'the first frame',
    );
    const size = await b.page.locator('#panel').evaluate((c: HTMLCanvasElement) => ({ w: c.width, h: c.height }));
    const panel = t.sim.daemon.config.display.panel;
    expect(panel).toBe('waveshare-4in2-v2');
    expect(size).toEqual({ w: 400, h: 300 });
  });

  it('starts a sale whose QR, read from a screenshot, is the charge payload', async () => {
    first = await startSale('1200');
    expect(first.orderId).toMatch(/^SIM-/);
    // The payload is what the device itself builds from its merchant profile: a dynamic EMV code
    // for this amount and order.
    const emv = decodeEmv(first.qr).content;
    expect(emv.amount).toBe(1200);
    expect(emv.referenceLabel).toBe(first.orderId);
    expect(emv.initiation).toBe('dynamic');
    // The panel shows the idle (static) QR until the e-paper refresh with the sale completes.
    const decoded = await until(
      () => decodeQr(b.page.locator('#panel')),
      (d) => d === first.qr,
      'the sale QR on the panel',
    );
    expect(decoded).toBe(first.qr);
  });

  it('pays with a chosen wallet: the LED turns green and the paid event arrives', async () => {
    // While the charge is open the LED plays the waiting heartbeat, which blinks green: what
    // matters is the pattern (the sampled colour may be either), and that it is not `paid`.
    await b.page.locator('#led[data-pattern="waiting"]').waitFor();
    expect(await b.page.locator('#led-text').textContent()).toBe('waiting (blinking)');
    await b.page.click('button.wallet[data-wallet="d払い"]');
    await b.page.locator('#led[data-pattern="paid"][data-state="green"]').waitFor();
    expect(await b.page.locator('#led-text').textContent()).toBe('green (paid)');
    await logItem(`[data-type="paid"][data-order="${first.orderId}"]`).waitFor();
    expect(t.sim.log.some((e) => e.kind === 'sent' && e.topic === 'payment' && e.summary.includes('d払い'))).toBe(true);
  });

  it('refuses a forged confirmation after the payment: rejected, the LED does not turn green again', async () => {
    // The paid signal holds green for a few seconds, then the LED goes dark.
    await until(
      () => b.page.locator('#led').getAttribute('data-pattern'),
      (p) => p !== 'paid',
      'the paid signal to end',
    );
    expect(await led()).not.toBe('green');
    const seen = await recordSignals();
    const before = await logItem('[data-type="rejected"]').count();
    await b.page.selectOption('#forge-kind', 'untrusted-key');
    await b.page.click('#forge');
    const rejected = logItem('[data-type="rejected"]').first();
    await until(
      () => logItem('[data-type="rejected"]').count(),
      (n) => n > before,
      'the rejected event',
    );
    expect(await rejected.getAttribute('data-reason')).toBe('bad_signature');
    // The signature did not verify, so the device names no order in its answer.
    expect(await rejected.getAttribute('data-order')).toBeNull();
    await t.sim.daemon.device!.idle();
    const s = await seen();
    expect(s.led).not.toContain('green');
    expect(s.buzzer).not.toContain('true');
    expect(t.sim.daemon.device!.history().filter((h) => h.orderId === first.orderId)).toHaveLength(1);
  });

  it('refuses forged confirmations for a pending sale, which stays pending until the genuine one', async () => {
    const second = await startSale('880');
    // The charge's own signal (one short beep, then a slow silent blink) has begun; wait out the beep.
    await until(
      () => b.page.locator('#buzzer').getAttribute('data-on'),
      (v) => v === 'false',
      'the charge beep to end',
    );
    const seen = await recordSignals();
    for (const kind of ['untrusted-key', 'tampered', 'unknown-kid'] as const) {
      const before = await logItem('[data-type="rejected"]').count();
      await b.page.selectOption('#forge-kind', kind);
      await b.page.click('#forge');
      await until(
        () => logItem('[data-type="rejected"]').count(),
        (n) => n > before,
        `the rejection of ${kind}`,
      );
      expect(await logItem('[data-type="rejected"]').first().getAttribute('data-reason')).toBe(kind === 'unknown-kid' ? 'unknown_kid' : 'bad_signature');
    }
    await t.sim.daemon.device!.idle();
    expect(t.sim.daemon.device!.saleState.phase.name).toBe('charge');
    expect((await seen()).buzzer).not.toContain('true');
    expect(await logItem(`[data-type="paid"][data-order="${second.orderId}"]`).count()).toBe(0);

    // The recorder does see the paid signal when the genuine confirmation comes: the checks above can fail.
    await b.page.click('button.wallet[data-wallet="LINE Pay"]');
    await logItem(`[data-type="paid"][data-order="${second.orderId}"]`).waitFor();
    await until(seen, (s) => s.buzzer.includes('true') && s.led.includes('green'), 'the paid signal after the genuine payment');
  });

  it('replays are refused and the page reports bad input clearly', async () => {
    await b.page.selectOption('#forge-kind', 'replayed');
    await b.page.click('#forge');
    await until(
      () => logItem('[data-reason="replayed"]').count(),
      (n) => n >= 1,
      'the replayed rejection',
    );
    await b.page.fill('#amount', '12.5');
    await b.page.click('#start-sale');
    const err = b.page.locator('#error');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/too many decimals/);
  });

  it('turns the picture live when the mounting changes, and restarts the daemon for a new panel', async () => {
    const canvas = b.page.locator('#panel');
    const dims = () => canvas.evaluate((c: HTMLCanvasElement) => `${c.dataset.panel} ${c.width}x${c.height} @${c.dataset.rotation}`);
    await b.page.selectOption('#rotation-select', '90');
    await until(dims, (d) => d === 'waveshare-4in2-v2 300x400 @90', 'the rotated frame');
    expect(t.sim.daemon.configStore.current.display.rotation).toBe(90);

    const daemonBefore = t.sim.daemon;
    await b.page.selectOption('#panel-select', 'lcd-240x240');
    await until(dims, (d) => d === 'lcd-240x240 240x240 @90', 'a frame from the new panel');
    expect(t.sim.daemon).not.toBe(daemonBefore);
    expect(t.sim.daemon.config.display.panel).toBe('lcd-240x240');
    await b.page.locator('#conn[data-state="online"]').waitFor();

    // The restarted daemon takes sales, and its QR reads back from the LCD picture.
    const sale = await startSale('2500');
    expect(
      await until(
        () => decodeQr(canvas),
        (d) => d === sale.qr,
        'the sale QR on the LCD',
      ),
    ).toBe(sale.qr);
  });
});
