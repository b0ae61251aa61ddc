/**
 * End to end: the simulator page's layout holds for every panel, on a 1280×800 laptop screen
 * (the device never covers the backend controls, nothing sticks out of the window) and at phone
 * width, 390 px (no horizontal scroll, the whole panel visible). A screenshot of each is saved
 * under TILLQR_E2E_SHOTS (default: a fresh temp dir, printed), not committed.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_IDS } from '../../src/display/config.js';
import { launchChromium, startTestSim, until, type Browser, type TestSim } from './browser.js';

let t: TestSim;
let b: Browser;
let shots: string;

beforeAll(async () => {
  shots = process.env.TILLQR_E2E_SHOTS ?? (await mkdtemp(join(tmpdir(), 'tillqr-sim-layout-')));
  await mkdir(shots, { recursive: true });
  t = await startTestSim();
  b = await launchChromium({ width: 1280, height: 800 });
  await b.page.goto(t.sim.pageUrl);
  await b.page.locator('#conn[data-state="online"]').waitFor();
}, 60_000);

afterAll(async () => {
  await b?.close();
  await t?.close();
  console.log(`simulator page screenshots: ${shots}`);
});

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const overlap = (a: Box, c: Box): boolean => a.x < c.x + c.width && c.x < a.x + a.width && a.y < c.y + c.height && c.y < a.y + a.height;

async function box(sel: string): Promise<Box> {
  const bb = await b.page.locator(sel).boundingBox();
  if (bb === null) throw new Error(`${sel} is not visible`);
  return bb;
}

async function layoutFacts(): Promise<{ scrollWidth: number; innerWidth: number }> {
  return b.page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

async function showPanel(panel: string): Promise<void> {
  const canvas = b.page.locator('#panel');
  if ((await canvas.getAttribute('data-panel')) !== panel) await b.page.selectOption('#panel-select', panel);
  await until(
    () => canvas.getAttribute('data-panel'),
    (p) => p === panel,
    `a frame from ${panel}`,
  );
  await b.page.locator('#conn[data-state="online"]').waitFor();
}

describe('the simulator page layout, for every panel', () => {
  for (const panel of PANEL_IDS) {
    it(`${panel}: at 1280×800 the device leaves the backend controls free; at 390 px there is no horizontal scroll`, async () => {
      await b.page.setViewportSize({ width: 1280, height: 800 });
      await showPanel(panel);
      const wide = await layoutFacts();
      expect(wide.scrollWidth).toBeLessThanOrEqual(wide.innerWidth);
      const device = await box('.device');
      for (const sel of ['.backend', '#sale-form', '#wallets', '.forge'])
        expect(overlap(device, await box(sel)), `${panel}: .device covers ${sel}`).toBe(false);
      const canvas = await box('#panel');
      expect(canvas.x + canvas.width).toBeLessThanOrEqual(wide.innerWidth);
      expect(canvas.width).toBeGreaterThan(0);
      await b.page.screenshot({ path: join(shots, `${panel}-1280.png`), animations: 'disabled' });

      await b.page.setViewportSize({ width: 390, height: 844 });
      // The page re-zooms on its resize event: wait for the panel to be drawn at the new size.
      await until(
        () => box('#panel'),
        (c) => c.x + c.width <= 390,
        `${panel}: the panel zoomed to the phone width`,
        5_000,
      ).catch(() => undefined);
      const phone = await layoutFacts();
      expect(phone.scrollWidth, `${panel}: horizontal scroll at 390 px`).toBeLessThanOrEqual(390);
      const small = await box('#panel');
      expect(small.x).toBeGreaterThanOrEqual(0);
      expect(small.x + small.width).toBeLessThanOrEqual(390);
      for (const sel of ['#start-sale', '#forge', '#cancel']) {
        const c = await box(sel);
        expect(c.x + c.width, `${panel}: ${sel} off the phone screen`).toBeLessThanOrEqual(390);
      }
      await b.page.screenshot({ path: join(shots, `${panel}-390.png`), fullPage: true, animations: 'disabled' });
    }, 60_000);
  }
});
