/**
 * The text-rendering candidates of docs/decisions/0002, measured on the same strings at 12, 14
 * and 16 px: (A) Skia through @napi-rs/canvas drawing Noto Sans CJK, thresholded to 1 bit, and
 * (B) the renderer's own bitmap fonts (Galmuri + GNU Unifont) in pure TypeScript. Prints time per
 * line, the process's peak memory and writes a side-by-side picture for judging legibility.
 *
 * @napi-rs/canvas is not a project dependency; to run this:
 *   npm install --no-save @napi-rs/canvas && npx tsx bench/render-text-candidates.ts [out.png]
 */
import { writeFileSync } from 'node:fs';
import { createFrame, setPixel } from '../src/display/frame.js';
import { FontBook } from '../src/display/render/fonts/font-book.js';
import { defaultFontFiles } from '../src/display/render/fonts/font-files.js';
import { encodePng } from '../src/display/render/png.js';
import { createSurface } from '../src/display/render/surface.js';
import { drawText, measure } from '../src/display/render/text.js';
import type { Lang } from '../src/core/screen.js';
import { procMiB, summary } from './render-stats.js';

const LINES: readonly [Lang, string][] = [
  ['ja', '対応アプリで読み取ってください 残り4:32'],
  ['zh', '请使用支持的应用扫码 臺灣珍珠奶茶'],
  ['ko', '지원되는 앱으로 스캔하세요'],
  ['en', 'Scan with any supported app'],
];

interface Canvas2D {
  font: string;
  fillStyle: string;
  textBaseline: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  fillText(t: string, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}

async function skiaLines(size: number, width: number, n: number): Promise<{ ms: number[]; bits: Uint8Array[] } | undefined> {
  let mod: { createCanvas(w: number, h: number): { getContext(k: '2d'): Canvas2D } };
  try {
    const name = '@napi-rs/canvas';
    mod = (await import(name)) as typeof mod;
  } catch {
    return undefined;
  }
  const h = size + 6;
  const canvas = mod.createCanvas(width, h);
  const ctx = canvas.getContext('2d');
  const ms: number[] = [];
  const bits: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    for (const [, text] of LINES) {
      const t0 = performance.now();
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, width, h);
      ctx.fillStyle = '#000';
      ctx.font = `${size}px "Noto Sans CJK JP"`;
      ctx.textBaseline = 'top';
      ctx.fillText(text, 0, 2);
      const data = ctx.getImageData(0, 0, width, h).data;
      const out = new Uint8Array(width * h);
      for (let p = 0; p < out.length; p++) out[p] = (data[p * 4] ?? 255) < 128 ? 1 : 0;
      ms.push(performance.now() - t0);
      if (i === 0) bits.push(out);
    }
  }
  return { ms, bits };
}

function bitmapLines(book: FontBook, size: 12 | 14 | 16, width: number, n: number): { ms: number[]; bits: Uint8Array[] } {
  const role = size === 12 ? 'small' : size === 14 ? 'body' : 'title';
  const h = size + 10;
  const ms: number[] = [];
  const bits: Uint8Array[] = [];
  const s = createSurface(width, h);
  for (let i = 0; i < n; i++) {
    for (const [lang, text] of LINES) {
      const style = book.text(role, lang);
      const t0 = performance.now();
      s.px.fill(0);
      drawText(s, style, text, 0, measure(style, text).ascent + 2);
      ms.push(performance.now() - t0);
      if (i === 0) bits.push(s.px.slice());
    }
  }
  return { ms, bits };
}

const width = 340;
const out = process.argv[2] ?? 'text-candidates.png';
const book = new FontBook(defaultFontFiles());
const rows: Uint8Array[][] = [];
const heights: number[] = [];
for (const size of [12, 14, 16] as const) {
  const before = procMiB('self', 'status', 'VmHWM');
  const b = bitmapLines(book, size, width, 200);
  const afterBitmap = procMiB('self', 'status', 'VmHWM');
  const k = await skiaLines(size, width, 200);
  const afterSkia = procMiB('self', 'status', 'VmHWM');
  const bs = summary(b.ms);
  console.log(
    `${size}px bitmap (Galmuri/Unifont): median ${bs.median.toFixed(4)} ms/line, p99 ${bs.p99.toFixed(4)}; peak RSS ${afterBitmap.toFixed(1)} MiB (+${(afterBitmap - before).toFixed(1)})`,
  );
  if (k === undefined) console.log(`${size}px Skia: @napi-rs/canvas not installed`);
  else {
    const ks = summary(k.ms);
    console.log(
      `${size}px Skia + Noto Sans CJK, thresholded: median ${ks.median.toFixed(4)} ms/line, p99 ${ks.p99.toFixed(4)}; peak RSS ${afterSkia.toFixed(1)} MiB (+${(afterSkia - afterBitmap).toFixed(1)})`,
    );
    rows.push(k.bits);
    heights.push(size + 6);
  }
  rows.push(b.bits);
  heights.push(size + 10);
}
// Picture: per size, the Skia lines (if any) above the bitmap lines.
const total = heights.reduce((n, h, i) => n + h * (rows[i]?.length ?? 0), 0);
const frame = createFrame(width, total);
let y0 = 0;
rows.forEach((lines, i) => {
  const h = heights[i] ?? 0;
  for (const line of lines) {
    for (let y = 0; y < h; y++) for (let x = 0; x < width; x++) if (line[y * width + x] === 1) setPixel(frame, x, y0 + y, 1);
    y0 += h;
  }
});
writeFileSync(out, encodePng(frame));
console.log(`picture: ${out}`);
