/**
 * End to end: the simulator page keeps up with sales it did not start. Another backend (a second
 * MQTT client signing with the trusted dev key, as the CLI does) charges and pays; the page's
 * "Current sale" card follows the device's sale and its outcome and disables the pay buttons once
 * it ended, the log shows every message that client sent, the LED label says what the pattern
 * is, the e-paper refresh is announced with a badge, and nothing the page loads is a 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, signMessage, type MessageBody } from '../../src/link/backend-client.js';
import { launchChromium, startTestSim, until, type Browser, type TestSim } from './browser.js';

let t: TestSim;
let b: Browser;
let other: BackendClient;
const failedLoads: string[] = [];

beforeAll(async () => {
  t = await startTestSim();
  b = await launchChromium();
  b.page.on('response', (r) => {
    if (r.status() >= 400) failedLoads.push(`${r.status()} ${r.url()}`);
  });
  await b.page.goto(t.sim.pageUrl);
  await b.page.locator('#conn[data-state="online"]').waitFor();
  other = await BackendClient.connect({
    url: t.sim.brokerUrl,
    topicPrefix: t.sim.daemon.config.mqtt.topicPrefix,
    protocolVersion: 4,
    clientId: 'e2e-other-backend',
  });
  await other.watch(deviceId());
}, 60_000);

afterAll(async () => {
  await other?.close();
  await b?.close();
  await t?.close();
});

const deviceId = (): string => t.sim.daemon.config.deviceId ?? '';
const send = (topic: 'charge' | 'cancel' | 'payment', body: MessageBody): Promise<void> =>
  other.publish(deviceId(), topic, signMessage(body, { deviceId: deviceId(), key: t.sim.devKey.key, kid: t.sim.devKey.kid }));
const logItem = (sel: string) => b.page.locator(`#log li${sel}`);
const now = (): number => Math.floor(Date.now() / 1000);

/** Record every state an element's attribute takes from now on (a MutationObserver in the page). */
async function watchAttr(id: string, attr: string): Promise<() => Promise<string[]>> {
  await b.page.evaluate(
    ([id, attr]) => {
      const el = document.getElementById(id) as HTMLElement;
      const seen: string[] = [String(el.getAttribute(attr))];
      (window as unknown as Record<string, string[]>)[`seen-${id}-${attr}`] = seen;
      new MutationObserver(() => seen.push(String(el.getAttribute(attr)))).observe(el, { attributes: true, attributeFilter: [attr] });
    },
    [id, attr] as const,
  );
  return () => b.page.evaluate(([id, attr]) => (window as unknown as Record<string, string[]>)[`seen-${id}-${attr}`] ?? [], [id, attr] as const);
}

describe('the simulator page follows sales it did not start', () => {
  it('loads without a 404, the favicon included', async () => {
    const res = await b.page.request.get(new URL('/favicon.ico', t.sim.pageUrl).toString());
    expect(res.status()).toBe(200);
    expect(await b.page.locator('link[rel="icon"]').count()).toBe(1);
    expect(failedLoads).toEqual([]);
  });

  it('a charge from another client: the card follows it, the log shows it, the LED says waiting, the e-paper refresh is announced', async () => {
    const badge = await watchAttr('refreshing', 'hidden');
    const orderId = `OTHER-${Date.now().toString(36)}`;
    await send('charge', { typ: 'charge', orderId, amount: 4321, currency: 'JPY', expiresAt: now() + 300, reference: 'from the CLI' });
    await logItem(`.sent[data-from="other"][data-topic="charge"][data-order="${orderId}"]`).waitFor();
    expect(await logItem(`[data-from="other"][data-order="${orderId}"]`).first().textContent()).toContain('charge 4321 JPY');
    await b.page.locator(`#sale[data-order="${orderId}"]`).waitFor();
    expect(await b.page.locator('#sale-card').getAttribute('data-outcome')).toBe('open');
    expect(await b.page.locator('#sale').textContent()).toContain('started by another client');
    expect(await b.page.locator('button.wallet').first().isDisabled()).toBe(false);
    await b.page.locator('#led[data-pattern="waiting"]').waitFor();
    expect(await b.page.locator('#led-text').textContent()).toBe('waiting (blinking)');
    // The 4.2" e-paper took the sale's frame: the badge was shown while it refreshed, then hidden.
    await logItem(`[data-type="displayed"][data-order="${orderId}"]`).waitFor();
    await until(badge, (s) => s.includes('null') && s.at(-1) === '', 'the refreshing badge to come and go');
  });

  it('its payment from the other client: the card shows paid and the pay buttons are disabled', async () => {
    const orderId = (await b.page.locator('#sale').getAttribute('data-order')) ?? '';
    await send('payment', {
      typ: 'payment',
      orderId,
      amount: 4321,
      currency: 'JPY',
      status: 'succeeded',
      wallet: 'au PAY',
      providerTxnId: 'other-1',
      paidAt: now(),
    });
    await logItem(`.sent[data-from="other"][data-topic="payment"][data-order="${orderId}"]`).waitFor();
    await b.page.locator('#sale-card[data-outcome="paid"]').waitFor();
    expect(await b.page.locator('#sale-outcome').textContent()).toBe('paid');
    await b.page.locator('#led[data-pattern="paid"]').waitFor();
    for (const sel of ['button.wallet[data-wallet="d払い"]', '#fail', '#cancel']) expect(await b.page.locator(sel).isDisabled()).toBe(true);
  });

  it("a cancel from the other client ends the next sale as cancelled; the page's own sale enables the buttons again", async () => {
    await b.page.fill('#amount', '990');
    await b.page.click('#start-sale');
    const own = await until(
      () => b.page.locator('#sale-card').getAttribute('data-outcome'),
      (o) => o === 'open',
      "the page's own sale",
    );
    expect(own).toBe('open');
    expect(await b.page.locator('button.wallet').first().isDisabled()).toBe(false);
    const orderId = (await b.page.locator('#sale').getAttribute('data-order')) ?? '';
    // Sent by this page, so logged once, as the page's own.
    await logItem(`[data-type="displayed"][data-order="${orderId}"]`).waitFor();
    expect(await logItem(`.sent[data-order="${orderId}"]`).count()).toBe(1);
    expect(await logItem(`.sent[data-order="${orderId}"]`).getAttribute('data-from')).toBe('page');
    await send('cancel', { typ: 'cancel', orderId });
    await logItem(`.sent[data-from="other"][data-topic="cancel"][data-order="${orderId}"]`).waitFor();
    await b.page.locator('#sale-card[data-outcome="cancelled"]').waitFor();
    expect(await b.page.locator('#cancel').isDisabled()).toBe(true);
    expect(failedLoads).toEqual([]);
  });
});
