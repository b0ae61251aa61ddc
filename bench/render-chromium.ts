/**
 * The baseline: the approach of the `epaperjs` package. The same charge screen as an HTML page in
 * headless Chromium (playwright-core driving /usr/bin/chromium), a PNG screenshot, decoded and
 * thresholded to 1 bit and packed into a panel frame. Memory is the Chromium process tree's
 * proportional set size (PSS), sampled while it renders.
 */
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createFrame, type Frame } from '../src/display/frame.js';
import type { PanelInfo } from '../src/display/panel.js';
import { formatMoney } from '../src/payment/money.js';
import { sampleScreen } from '../src/display/render/samples.js';
import { logicalSize, type Rotation } from '../src/display/render/to-frame.js';
import { descendants, procMiB } from './render-stats.js';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The charge screen as a page: QR (SVG, whole modules) left, store, order, amount, time and hints right. */
export function chargeHtml(width: number, height: number, timeText: string): string {
  const sc = sampleScreen('charge', { lang: 'ja' });
  if (sc.name !== 'charge') throw new Error('sample is not a charge screen');
  const modules = QRCode.create(sc.qr, { errorCorrectionLevel: 'M' }).modules.size + 8;
  const side = Math.floor(Math.min(height, width * 0.62) / modules) * modules;
  const svg = QRCode.toString(sc.qr, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, width: side }) as unknown as string;
  const amount = formatMoney(sc.money.amount, sc.money.currency, 'ja-JP');
  const big = Math.round(Math.min(height * 0.3, (width - side) / 6));
  return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;width:${width}px;height:${height}px;overflow:hidden;background:#fff;color:#000;font-family:'Noto Sans CJK JP',sans-serif}
.s{display:flex;align-items:center;height:100%}.q{width:${side}px;height:${side}px}.t{padding:4px;min-width:0}
.sm{font-size:${Math.max(10, Math.round(big * 0.3))}px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.a{font-size:${big}px;font-weight:700;line-height:1.05}.l{font-size:${Math.max(11, Math.round(big * 0.4))}px;font-weight:700}
</style></head><body><div class="s"><div class="q">${svg}</div><div class="t">
<div class="sm">${esc(sc.storeName)}</div><div class="sm">注文 ${esc(sc.reference ?? sc.orderId)}</div>
<div class="a">${esc(amount)}</div><div class="l">残り ${esc(timeText)}</div>
<div class="sm">対応アプリで読み取ってください</div><div class="sm">Scan with any supported app</div><div class="sm">请使用支持的应用扫码</div><div class="sm">지원되는 앱으로 스캔하세요</div>
</div></div></body></html>`;
}

/** Screenshot PNG -> 1-bit frame in the panel's native orientation (threshold at half luminance). */
export function thresholdToFrame(png: Buffer, panel: PanelInfo, rotation: Rotation): Frame {
  const img = PNG.sync.read(png);
  const frame = createFrame(panel.width, panel.height);
  const lw = img.width;
  for (let ly = 0; ly < img.height; ly++) {
    for (let lx = 0; lx < lw; lx++) {
      const o = (ly * lw + lx) * 4;
      const luma = 0.299 * (img.data[o] ?? 255) + 0.587 * (img.data[o + 1] ?? 255) + 0.114 * (img.data[o + 2] ?? 255);
      if (luma >= 128) continue;
      const nx = rotation === 90 ? ly : rotation === 270 ? img.height - 1 - ly : rotation === 180 ? lw - 1 - lx : lx;
      const ny = rotation === 90 ? lw - 1 - lx : rotation === 270 ? lx : rotation === 180 ? img.height - 1 - ly : ly;
      const i = ny * frame.stride + (nx >> 3);
      frame.data[i] = (frame.data[i] ?? 0) | (0x80 >> (nx & 7));
    }
  }
  return frame;
}

export interface BaselineResult {
  readonly times: Map<string, number[]>;
  readonly peakPssMiB: number;
}

/** Renders the charge page `iterations` times per panel (after `warmup`), timing page -> frame. */
export async function runChromiumBaseline(
  panels: readonly { panel: PanelInfo; rotation: Rotation }[],
  iterations: number,
  warmup: number,
): Promise<BaselineResult> {
  let browser: Browser | undefined;
  let peak = 0;
  const sample = (): void => {
    const pss = descendants(process.pid).reduce((n, pid) => n + procMiB(pid, 'smaps_rollup', 'Pss'), 0);
    if (pss > peak) peak = pss;
  };
  const timer = setInterval(sample, 25);
  const times = new Map<string, number[]>();
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    for (const { panel, rotation } of panels) {
      const { width, height } = logicalSize(panel, rotation);
      const page: Page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: 1 });
      const list: number[] = [];
      for (let i = 0; i < warmup + iterations; i++) {
        const sec = 272 - i;
        const html = chargeHtml(width, height, `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`);
        const t0 = performance.now();
        await page.setContent(html, { waitUntil: 'load' });
        const png = await page.screenshot({ type: 'png' });
        thresholdToFrame(png, panel, rotation);
        const dt = performance.now() - t0;
        sample();
        if (i >= warmup) list.push(dt);
      }
      times.set(panel.id, list);
      await page.close();
    }
  } finally {
    clearInterval(timer);
    await browser?.close();
  }
  return { times, peakPssMiB: peak };
}
