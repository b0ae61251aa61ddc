/**
 * Takes docs/sim.png, the README's picture: the simulator page in headless Chromium with a sale
 * on the panel (its QR read back from the screenshot to be sure it is the real one) after a
 * forged confirmation was refused. Run: npx tsx test/e2e/screenshot.ts [out.png]
 */
import { fileURLToPath } from 'node:url';
import { decodeQr, launchChromium, startTestSim, until } from './browser.js';

const out = process.argv[2] ?? fileURLToPath(new URL('../../docs/sim.png', import.meta.url));

const t = await startTestSim();
const b = await launchChromium({ width: 1280, height: 800 });
try {
  const page = b.page;
  await page.goto(t.sim.pageUrl);
  await page.locator('#conn[data-state="online"]').waitFor();
  await page.fill('#amount', '1480');
  await page.fill('#reference', 'table 4');
  await page.click('#start-sale');
  await page.locator('#log li[data-type="displayed"]').waitFor();
  const qr = (await page.locator('#sale').getAttribute('data-qr')) ?? '';
  await until(
    () => decodeQr(page.locator('#panel')),
    (d) => d === qr,
    'the sale QR on the panel',
  );
  await page.selectOption('#forge-kind', 'untrusted-key');
  await page.click('#forge');
  await page.locator('#log li[data-type="rejected"]').waitFor();
  await page.screenshot({ path: out, fullPage: false, animations: 'disabled' });
  console.log(`wrote ${out}`);
} finally {
  await b.close();
  await t.close();
}
