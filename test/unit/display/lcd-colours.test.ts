/**
 * LCD colours: each screen's ink and paper come from its palette (paid on green, failed and
 * errors on red, expired amber, offline grey, QR screens near-black on white), with enough
 * contrast to read and to scan; e-paper frames stay 1-bit with no palette; display.lcdColour
 * false gives black on white. Checked on rendered frames and on the framebuffer bytes.
 */
import jsQRModule from 'jsqr';
import { describe, expect, it } from 'vitest';
import { SCREEN_NAMES, type Screen } from '../../../src/core/screen.js';
import { displayConfigSchema } from '../../../src/display/config.js';
import { encodeFrame, pixelBytes } from '../../../src/display/drivers/fb-pixels.js';
import { getPixel, type Frame, type Rgb } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { contrast, lcdPalette, LCD_PALETTES } from '../../../src/display/render/lcd-palette.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';

const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as typeof jsQRModule.default;
const renderer = new Renderer();
const lcd = PANELS['lcd-240x240'];
const QR_SCREENS = new Set(['charge', 'idle', 'test-pattern']);
const lum = (c: Rgb): number => 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b;

/** What a camera sees: the frame in its palette's colours, decoded. */
function scanInColour(f: Frame): string | undefined {
  const p = f.palette ?? LCD_PALETTES.mono;
  const rgba = new Uint8ClampedArray(f.width * f.height * 4);
  for (let y = 0; y < f.height; y++)
    for (let x = 0; x < f.width; x++) {
      const c = getPixel(f, x, y) === 1 ? p.ink : p.paper;
      rgba.set([c.r, c.g, c.b, 255], (y * f.width + x) * 4);
    }
  return jsQR(rgba, f.width, f.height)?.data;
}

describe('LCD palettes', () => {
  it.each(SCREEN_NAMES.map((n) => [n]))('%s: readable contrast (>= 4.5; QR screens >= 7 with dark ink on light paper)', (name) => {
    const p = lcdPalette(sampleScreen(name));
    expect(contrast(p)).toBeGreaterThanOrEqual(4.5);
    if (QR_SCREENS.has(name)) {
      expect(contrast(p)).toBeGreaterThanOrEqual(7);
      expect(lum(p.ink)).toBeLessThan(lum(p.paper));
    }
  });

  it('tells the outcome by colour: paid on green, failed and errors on red, expired amber, offline grey', () => {
    const paper = (s: Screen): Rgb => lcdPalette(s).paper;
    const paid = paper(sampleScreen('paid'));
    expect(paid.g - Math.max(paid.r, paid.b)).toBeGreaterThan(40);
    for (const n of ['failed', 'error'] as const) {
      const red = paper(sampleScreen(n));
      expect(red.r - Math.max(red.g, red.b)).toBeGreaterThan(80);
    }
    const amber = paper(sampleScreen('expired'));
    expect(amber.r).toBeGreaterThan(200);
    expect(amber.b).toBeLessThan(80);
    const grey = paper(sampleScreen('offline'));
    expect(Math.max(grey.r, grey.g, grey.b) - Math.min(grey.r, grey.g, grey.b)).toBeLessThanOrEqual(16);
    expect(grey.r).toBeLessThan(240);
    expect(paper(sampleScreen('charge'))).toEqual({ r: 255, g: 255, b: 255 });
  });

  it('rendered LCD frames carry their screen palette, e-paper frames none, mono black on white', () => {
    for (const name of SCREEN_NAMES) {
      const s = sampleScreen(name);
      expect(renderer.render(s, lcd, 0, 'ja').palette).toEqual(lcdPalette(s));
      expect(renderer.render(s, PANELS['waveshare-2in9-v2'], 90, 'ja').palette).toBeUndefined();
      expect(renderer.render(s, lcd, 0, 'ja', { lcdColours: 'mono' }).palette).toEqual(LCD_PALETTES.mono);
    }
  });

  it('the framebuffer gets the colours: a paid screen is green paper with white ink', () => {
    const f = renderer.render(sampleScreen('paid'), lcd, 0, 'ja');
    const fmt = { xres: 240, yres: 240, bitsPerPixel: 32, stride: 240 * 4 };
    const bytes = encodeFrame(f, fmt);
    const at = (x: number, y: number): number[] => Array.from(bytes.subarray(y * fmt.stride + x * 4, y * fmt.stride + x * 4 + 4));
    expect(at(0, 0)).toEqual(Array.from(pixelBytes(LCD_PALETTES.paid.paper, 32)));
    let inkAt: [number, number] | undefined;
    for (let y = 0; y < 240 && inkAt === undefined; y++) for (let x = 0; x < 240; x++) if (getPixel(f, x, y) === 1) inkAt = [x, y];
    expect(inkAt).toBeDefined();
    expect(at(...(inkAt ?? [0, 0]))).toEqual([255, 255, 255, 255]);
  });

  it('the charge QR scans in its LCD colours on every LCD', () => {
    for (const id of ['lcd-240x240', 'lcd-320x240', 'lcd-480x320'] as const) {
      const s = sampleScreen('charge');
      expect(scanInColour(renderer.render(s, PANELS[id], 0, 'ja'))).toBe((s as { qr: string }).qr);
    }
  });

  it('display.lcdColour is a live key, on by default', () => {
    const d = displayConfigSchema.safeParse({});
    expect(d.ok && d.value.lcdColour).toBe(true);
    expect(displayConfigSchema.shape?.lcdColour?.meta.restart).toBe(false);
  });
});
