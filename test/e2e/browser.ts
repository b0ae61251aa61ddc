/**
 * Headless Debian Chromium driven by playwright-core, with a fresh profile each time, plus the
 * simulator started in-process on free ports in a temp state dir. Shared by the e2e test and the
 * README screenshot script.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import type { LogSink } from '../../src/core/logger.js';
import { Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';

// jsqr is CommonJS with a `default` export in its types; under NodeNext the default import is the module.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;

export const CHROMIUM = process.env.TILLQR_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

/** A fresh --user-data-dir each launch (playwright passes it from the first argument). */
export async function launchChromium(viewport = { width: 1360, height: 860 }): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'tillqr-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface TestSim {
  readonly sim: Simulator;
  readonly stateDir: string;
  readonly logs: string[];
  close(): Promise<void>;
}

/** The simulator on free ports in a temp state dir, its log lines kept instead of printed. */
export async function startTestSim(over: Partial<SimulatorOptions> = {}): Promise<TestSim> {
  const stateDir = await mkdtemp(join(tmpdir(), 'tillqr-sim-e2e-'));
  const logs: string[] = [];
  const logSink: LogSink = { write: (l) => void logs.push(l) };
  const sim = await Simulator.start({ stateDir, httpPort: 0, mqttPort: 0, env: {}, logSink, ...over });
  return {
    sim,
    stateDir,
    logs,
    async close() {
      await sim.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Screenshot an element and decode a QR code from it with jsQR (undefined when none is found). */
export async function decodeQr(el: Locator): Promise<string | undefined> {
  const shot = PNG.sync.read(await el.screenshot({ animations: 'disabled' }));
  const found = jsQR(new Uint8ClampedArray(shot.data.buffer, shot.data.byteOffset, shot.data.byteLength), shot.width, shot.height);
  return found?.data;
}

/** Poll until `fn` gives a value `ok` accepts (or the test times out); returns the last value. */
export async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 150));
    last = await fn();
  }
  return last;
}
