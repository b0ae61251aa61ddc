/**
 * End to end: with "sound" ticked, the simulator page plays the till's announcement (the same WAV
 * the daemon's voice plays, decoded by Chromium) and shows the day's takings from the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startTestSim, until, type Browser, type TestSim } from './browser.js';

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

describe('the simulator page says the payment', () => {
  it('"sound" turns the voice on; a paid sale is said in the page and counted in the takings', async () => {
    await b.page.locator('#conn[data-state="online"]').waitFor();
    await b.page.check('#sound');
    await until(
      () => Promise.resolve(t.sim.daemon.configStore.current.voice.enabled),
      (on) => on,
      'voice.enabled after ticking sound',
    );
    await b.page.fill('#amount', '1280');
    await b.page.selectOption('#currency', 'JPY');
    await b.page.click('#start-sale');
    await b.page.locator('#wallets button:not([disabled])', { hasText: 'LINE Pay' }).click();
    const said = await until(
      () => b.page.locator('body').getAttribute('data-voice'),
      (v) => v !== null,
      'the announcement in the page',
    );
    // The simulator's till speaks its display language, Japanese (voice.language: display).
    expect(t.sim.daemon.configStore.current.display.language).toBe('ja');
    expect(said).toMatch(/千二百八十円、LINE Payで受け取りました/);
    const seconds = await until(
      () => b.page.locator('body').getAttribute('data-voice-seconds'),
      (v) => v !== null,
      'Chromium to decode the WAV',
    );
    expect(Number(seconds)).toBeGreaterThan(1);
    await until(
      () => b.page.locator('#conn').textContent(),
      (v) => (v ?? '').includes('today: 1 ×'),
      'the takings on the status line',
    );
  });
});
