/**
 * Every screen on every panel in every rotation: a frame of the panel's native size; text that
 * does not fit is shortened with intent (store name ellipsized, amount never cut); offline shows
 * nothing scannable; LCD frames carry a palette, e-paper frames none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCREEN_NAMES, type Lang, type Screen } from '../../../src/core/screen.js';
import { PANEL_IDS } from '../../../src/display/config.js';
import { getPixel, type Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { viewOf } from '../../../src/display/render/png.js';
import { amountShowable } from '../../../src/display/render/fit.js';
import { renderOrError, Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';
import { decodeFrame } from './payloads.js';

const renderer = new Renderer();
const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];
const LANGS: readonly Lang[] = ['ja', 'en', 'zh', 'ko'];

function ink(f: Frame): number {
  let n = 0;
  for (const b of f.data) for (let v = b; v !== 0; v &= v - 1) n++;
  return n;
}

function sameBits(a: Frame, b: Frame): boolean {
  return a.width === b.width && a.height === b.height && Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;
}

describe.each(PANEL_IDS.map((id) => [id]))('%s', (id) => {
  const panel = PANELS[id];
  it('draws every screen in every rotation and language into a native-size frame with ink on it', () => {
    for (const rotation of ROTATIONS) {
      for (const lang of LANGS) {
        for (const name of SCREEN_NAMES) {
          const f = renderer.render(sampleScreen(name, { lang }), panel, rotation, lang);
          expect([f.width, f.height, f.stride]).toEqual([panel.width, panel.height, Math.ceil(panel.width / 8)]);
          expect(ink(f), `${name} ${lang} @${rotation}`).toBeGreaterThan(200);
          expect(f.palette !== undefined).toBe(panel.kind === 'lcd');
        }
      }
    }
  });

  it('rotation 180 shows the same picture as rotation 0, turned over on the panel', () => {
    // (test-pattern is left out: it prints its own rotation.)
    for (const name of SCREEN_NAMES.filter((n) => n !== 'test-pattern')) {
      const up = renderer.render(sampleScreen(name), panel, 0, 'ja');
      const over = renderer.render(sampleScreen(name), panel, 180, 'ja');
      expect(sameBits(viewOf(over, 180), up), name).toBe(true);
      expect(sameBits(over, up), name).toBe(false);
    }
  });

  it('never cuts the amount: amounts that differ only in the last digit draw differently', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999_999 }),
        fc.constantFrom('JPY', 'USD', 'KRW', 'CNY', 'EUR'),
        fc.constantFrom(...ROTATIONS),
        (amount, currency, rotation) => {
          const base = amount - (amount % 10);
          // An amount this panel cannot show whole is refused before it is drawn (amount-whole.test.ts).
          const longer = sampleScreen('charge', { amount: base + 7, currency, lang: 'en' }) as Extract<Screen, { name: 'charge' }>;
          if (!amountShowable(renderer, longer, panel, rotation, 'en')) return true;
          const a = renderer.render(sampleScreen('charge', { amount: base, currency, lang: 'en' }), panel, rotation, 'en');
          const b = renderer.render(sampleScreen('charge', { amount: base + 7, currency, lang: 'en' }), panel, rotation, 'en');
          return !sameBits(a, b);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('ellipsizes a long store name: names that differ only at the end draw the same charge screen', () => {
    const long = 'Sakura Coffee Roasters and Bakery, Shibuya Station East Exit Branch, Second Floor of the Station Building, Counter No.';
    for (const rotation of [0, 90] as const) {
      const a = renderer.render(sampleScreen('charge', { store: `${long} 1`, lang: 'en' }), panel, rotation, 'en');
      const b = renderer.render(sampleScreen('charge', { store: `${long} 2`, lang: 'en' }), panel, rotation, 'en');
      expect(sameBits(a, b)).toBe(true);
    }
  });

  it('offline shows nothing a camera can scan', () => {
    for (const rotation of ROTATIONS) {
      const f = renderer.render(sampleScreen('offline'), panel, rotation, 'ja');
      expect(decodeFrame(f)).toBeUndefined();
    }
  });

  it('is deterministic: the same screen renders the same bits after other screens', () => {
    const screen: Screen = sampleScreen('charge', { lang: 'ko' });
    const first = renderer.render(screen, panel, 90, 'ko');
    for (const name of SCREEN_NAMES) renderer.render(sampleScreen(name, { lang: 'zh' }), panel, 270, 'zh');
    expect(sameBits(renderer.render(screen, panel, 90, 'ko'), first)).toBe(true);
  });
});

describe('charge screen', () => {
  it('changes when the countdown ticks and only in a small area', () => {
    const panel = PANELS['waveshare-2in9-v2'];
    const s1 = sampleScreen('charge', { now: 1_000_000 }) as Extract<Screen, { name: 'charge' }>;
    const a = renderer.render(s1, panel, 90, 'ja');
    const b = renderer.render({ ...s1, now: s1.now + 15_000 }, panel, 90, 'ja');
    let differing = 0;
    for (let y = 0; y < a.height; y++) for (let x = 0; x < a.width; x++) if (getPixel(a, x, y) !== getPixel(b, x, y)) differing++;
    expect(differing).toBeGreaterThan(0);
    expect(differing).toBeLessThan(a.width * a.height * 0.05);
  });

  it('turns an unknown currency into a visible raw amount instead of failing', () => {
    const f = renderer.render(sampleScreen('charge', { currency: 'XXZ', amount: 5 }), PANELS['lcd-320x240'], 0, 'en');
    expect(ink(f)).toBeGreaterThan(200);
  });
});

describe('renderOrError', () => {
  it('shows the error screen with the code instead of an unscannable QR, and returns the error', () => {
    const panel = PANELS['waveshare-2in13-v4'];
    const { frame, error } = renderOrError(renderer, sampleScreen('charge', { qr: 'x'.repeat(2000) }), panel, 90, 'en');
    expect(error?.code).toBe('QR_TOO_LARGE');
    expect(decodeFrame(frame)).toBeUndefined();
    expect(
      sameBits(
        frame,
        renderer.render(
          { name: 'error', code: 'QR_TOO_LARGE', action: 'The payment QR is too long for this panel: use a shorter payload or a larger panel.' },
          panel,
          90,
          'en',
        ),
      ),
    ).toBe(true);
    const ok = renderOrError(renderer, sampleScreen('charge', { qr: 'https://pay.example/1' }), panel, 90, 'en');
    expect(ok.error).toBeUndefined();
    expect(decodeFrame(ok.frame)).toBe('https://pay.example/1');
  });
});
