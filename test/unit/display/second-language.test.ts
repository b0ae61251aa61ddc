/**
 * The result, idle, error and system screens carry the display language plus a second one
 * (display.secondLanguage, English by default; "none" for none), found in the rendered frame
 * itself: the line's exact pixels, drawn alone in one of the role's styles, must appear in the
 * frame. The unprovisioned screen names the port the console is on.
 */
import { describe, expect, it } from 'vitest';
import type { Lang, Screen, ScreenName } from '../../../src/core/screen.js';
import { displayConfigSchema } from '../../../src/display/config.js';
import { getPixel, type Frame } from '../../../src/display/frame.js';
import { cableHint, secondLang, t, type StringKey } from '../../../src/display/i18n.js';
import { PANELS } from '../../../src/display/panels.js';
import { FontBook, type TextRole } from '../../../src/display/render/fonts/font-book.js';
import { defaultFontFiles } from '../../../src/display/render/fonts/font-files.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import { createSurface } from '../../../src/display/render/surface.js';
import { drawText, measure } from '../../../src/display/render/text.js';

const renderer = new Renderer();
const book = new FontBook(defaultFontFiles());

interface Bitmap {
  readonly w: number;
  readonly h: number;
  readonly px: Uint8Array;
}

/** `text` drawn alone in a style, cropped to its ink. */
function textBitmap(text: string, lang: Lang, role: TextRole, scale: number): Bitmap {
  const st = book.text(role, lang, scale);
  const m = measure(st, text);
  const s = createSurface(m.width + 8, m.ascent + m.descent + 8);
  drawText(s, st, text, 4, 4 + m.ascent);
  let x0 = s.width;
  let y0 = s.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < s.height; y++)
    for (let x = 0; x < s.width; x++)
      if (s.px[y * s.width + x] === 1) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) px[y * w + x] = s.px[(y + y0) * s.width + x + x0] ?? 0;
  return { w, h, px };
}

/** Whether the bitmap appears, pixel for pixel, somewhere in the (unrotated) frame. */
function appearsIn(f: Frame, b: Bitmap): boolean {
  for (let oy = 0; oy + b.h <= f.height; oy++)
    for (let ox = 0; ox + b.w <= f.width; ox++) {
      let ok = true;
      for (let y = 0; y < b.h && ok; y++)
        for (let x = 0; x < b.w; x++)
          if (getPixel(f, ox + x, oy + y) !== b.px[y * b.w + x]) {
            ok = false;
            break;
          }
      if (ok) return true;
    }
  return false;
}

/** Whether `text` (one line) is drawn in the frame in any style a screen uses. */
function shows(f: Frame, text: string, lang: Lang): boolean {
  for (const role of ['small', 'body', 'bold', 'title'] as const)
    for (const scale of [1, 2, 3]) if (appearsIn(f, textBitmap(text, lang, role, scale))) return true;
  return false;
}

function frameOf(screen: Screen, lang: Lang, panel: keyof typeof PANELS, second?: Lang | 'none'): Frame {
  return renderer.render(screen, PANELS[panel], 0, lang, second !== undefined ? { secondLanguage: second } : {});
}

/** The message each screen repeats in the second language. */
const SECOND: ReadonlyArray<[ScreenName, StringKey, Partial<Screen>?]> = [
  ['paid', 'paid'],
  ['failed', 'failed'],
  ['expired', 'expired'],
  ['cancelled', 'cancelled'],
  ['idle', 'scan'],
  ['unprovisioned', 'notSetUp'],
  ['connecting', 'connecting'],
  ['offline', 'offline'],
  ['updating', 'updating'],
  ['error', 'error'],
];

describe('second language', () => {
  it('defaults to English, is a live display key, and falls back to the next language when it is the main one', () => {
    const d = displayConfigSchema.safeParse({});
    expect(d.ok && d.value.secondLanguage).toBe('en');
    expect(displayConfigSchema.shape?.secondLanguage?.meta.restart).toBe(false);
    expect(secondLang('ja', 'en')).toBe('en');
    expect(secondLang('en', 'en')).toBe('ja');
    expect(secondLang('ja', 'none')).toBeUndefined();
    expect(secondLang('zh', 'ko')).toBe('ko');
  });

  for (const panel of ['waveshare-4in2-v2', 'lcd-480x320'] as const) {
    it.each(SECOND)(`${panel}: %s shows the main language and, in its frame, the English line (none with "none")`, (name, key) => {
      const screen = sampleScreen(name, { lang: 'ja' });
      const en = t('en', key);
      expect(shows(frameOf(screen, 'ja', panel), en, 'en')).toBe(true);
      expect(shows(frameOf(screen, 'ja', panel, 'none'), en, 'en')).toBe(false);
    });
  }

  it('an English display gets Japanese as its second language by default; Korean when asked', () => {
    expect(shows(frameOf(sampleScreen('paid', { lang: 'en' }), 'en', 'waveshare-4in2-v2'), t('ja', 'paid'), 'ja')).toBe(true);
    expect(shows(frameOf(sampleScreen('paid', { lang: 'ja' }), 'ja', 'waveshare-4in2-v2', 'ko'), t('ko', 'paid'), 'ko')).toBe(true);
  });
});

describe('the unprovisioned screen names the real console port', () => {
  it('the GPIO UART: header pins 8 and 10, GPIO14/15; the USB gadget: the data port marked USB, not PWR; else the path', () => {
    expect(cableHint('/dev/serial0')).toBe('connectUart');
    expect(cableHint('/dev/ttyAMA0')).toBe('connectUart');
    expect(cableHint('/dev/ttyGS0')).toBe('connectUsb');
    expect(cableHint('/dev/ttyUSB0')).toBe('connectCable');
    expect(t('en', 'connectUart')).toMatch(/pins 8 \(TX\) and 10 \(RX\), GPIO14\/15/);
    expect(t('en', 'connectUsb')).toMatch(/data port marked USB \(not PWR\)/);
    for (const lang of ['ja', 'zh', 'ko'] as const) {
      expect(t(lang, 'connectUart')).toMatch(/8.*10.*GPIO14\/15/);
      expect(t(lang, 'connectUsb')).toMatch(/USB.*PWR/);
    }
  });

  it('draws the hint for the port it is given (the frames differ by port, and the UART one names no path)', () => {
    const shot = (port: string): Frame => frameOf({ name: 'unprovisioned', deviceId: 'tq-1', consolePort: port }, 'en', 'waveshare-7in5-v2', 'none');
    const uart = shot('/dev/serial0');
    expect(Buffer.from(uart.data).equals(Buffer.from(shot('/dev/ttyGS0').data))).toBe(false);
    expect(shows(uart, 'GPIO14/15,', 'en') || shows(uart, 'GPIO14/15, to', 'en') || shows(uart, '(RX), GPIO14/15,', 'en')).toBe(true);
    expect(shows(shot('/dev/ttyUSB0'), '/dev/ttyUSB0', 'en')).toBe(true);
  });
});
