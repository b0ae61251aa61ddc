/**
 * The two colours of each screen on an LCD (e-paper frames carry none: they stay black and
 * white). A screen is still drawn as 1-bit ink and paper; the palette says which colours those
 * are, so an outcome is told by its colour from across the counter: paid on green, failed (and a
 * device error) on red, expired on amber, offline grey. Screens with a QR keep near-black ink on
 * white paper, the contrast cameras read best. `mono` (display.lcdColour false) gives every
 * screen black on white.
 *
 * Invariant (tested): every palette's contrast ratio (WCAG 2) is at least 4.5, and at least 7
 * with the ink darker than the paper on the screens that carry a QR.
 */
import type { Screen } from '../../core/screen.js';
import type { Rgb } from '../frame.js';

export interface Palette {
  readonly ink: Rgb;
  readonly paper: Rgb;
}

const rgb = (hex: number): Rgb => Object.freeze({ r: (hex >> 16) & 0xff, g: (hex >> 8) & 0xff, b: hex & 0xff });
const pal = (ink: number, paper: number): Palette => Object.freeze({ ink: rgb(ink), paper: rgb(paper) });

export const LCD_PALETTES = Object.freeze({
  /** QR screens: near-black on white. */
  scan: pal(0x101828, 0xffffff),
  /** Device screens: navy on white. */
  normal: pal(0x14213d, 0xffffff),
  paid: pal(0xffffff, 0x17753a),
  failed: pal(0xffffff, 0xb3261e),
  expired: pal(0x1f1600, 0xf2b01e),
  cancelled: pal(0x1d1d1f, 0xe4e0d8),
  offline: pal(0x1f2328, 0xc9ced4),
  mono: pal(0x000000, 0xffffff),
});

export type LcdColours = 'screen' | 'mono';

export function lcdPalette(screen: Screen, colours: LcdColours = 'screen'): Palette {
  if (colours === 'mono') return LCD_PALETTES.mono;
  switch (screen.name) {
    case 'charge':
    case 'idle':
    case 'test-pattern':
      return LCD_PALETTES.scan;
    case 'paid':
      return LCD_PALETTES.paid;
    case 'failed':
    case 'error':
      return LCD_PALETTES.failed;
    case 'expired':
      return LCD_PALETTES.expired;
    case 'cancelled':
      return LCD_PALETTES.cancelled;
    case 'offline':
      return LCD_PALETTES.offline;
    case 'unprovisioned':
    case 'connecting':
    case 'updating':
    case 'status':
      return LCD_PALETTES.normal;
  }
}

/** Relative luminance (WCAG 2). */
function luminance(c: Rgb): number {
  const lin = (v: number): number => {
    const s = v / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG 2 contrast ratio of a palette's ink against its paper (1 to 21). */
export function contrast(p: Palette): number {
  const a = luminance(p.ink);
  const b = luminance(p.paper);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
