/**
 * The renderer: a Screen (data) for a panel, mounting rotation and language in, the panel's
 * native 1-bit Frame out. Deterministic for its inputs; it only keeps caches (glyphs, QR
 * matrices, icons) and a reusable drawing buffer, so one Renderer per device is cheap to call
 * on every countdown tick. Build one in the composition root and pass it in.
 */
import { isTillqrError, type TillqrError } from '../../core/errors.js';
import type { Lang, Screen } from '../../core/screen.js';
import { createFrame, type Frame } from '../frame.js';
import { LOCALES, secondLang } from '../i18n.js';
import type { PanelInfo } from '../panel.js';
import { Column } from './column.js';
import { newTrace, type LayoutTrace } from './ink.js';
import { FontBook } from './fonts/font-book.js';
import { defaultFontFiles, type FontFiles } from './fonts/font-files.js';
import type { IconCache } from './icons.js';
import { lcdPalette, type LcdColours, type Palette } from './lcd-palette.js';
import { QrCache } from './qr.js';
import { chargeScreen, idleScreen } from './screens/sale.js';
import { outcomeScreen } from './screens/result.js';
import { systemScreen } from './screens/system.js';
import { testPatternScreen } from './screens/test-pattern.js';
import { shapeOf, sizeClass, type Ctx } from './screens/ctx.js';
import { createSurface } from './surface.js';
import { logicalSize, surfaceToFrame, type Rotation } from './to-frame.js';

export { lcdPalette, type Palette } from './lcd-palette.js';

export interface RenderOptions {
  /** The second language of result, idle, error and system screens (display.secondLanguage); default English. */
  readonly secondLanguage?: Lang | 'none';
  /** IANA zone for wall-clock times (offline "since"); default UTC. */
  readonly timeZone?: string;
  /** LCD colours: this palette for every screen; default the screen's own (lcd-palette.ts). */
  readonly palette?: Palette;
  /** LCD colours by screen (paid on green, failed on red, offline grey) or black on white (display.lcdColour). */
  readonly lcdColours?: LcdColours;
  /** Filled with every line of text drawn and everything left out (tests, the layout check). */
  readonly trace?: LayoutTrace;
  /** Lay out only: nothing is drawn and the frame returned is blank (see layoutOf). */
  readonly dry?: boolean;
}

export class Renderer {
  readonly fonts: FontBook;
  private readonly qr: QrCache;
  private readonly icons: IconCache = new Map();
  private readonly formatted = new Map<string, string>();
  private buffer = new Uint8Array(0);

  constructor(opts: { fonts?: FontFiles; qrCacheSize?: number } = {}) {
    this.fonts = new FontBook(opts.fonts ?? defaultFontFiles());
    this.qr = new QrCache(opts.qrCacheSize ?? 16);
  }

  /** Draws `screen`; throws TillqrError QR_TOO_LARGE when its QR cannot be drawn scannably. */
  render(screen: Screen, panel: PanelInfo, rotation: Rotation, lang: Lang, options: RenderOptions = {}): Frame {
    const { width: w, height: h } = logicalSize(panel, rotation);
    if (this.buffer.length < w * h && options.dry !== true) this.buffer = new Uint8Array(w * h);
    // A dry run draws on a surface whose clip is empty: layout runs in full, no pixel is written.
    const s = options.dry === true ? { width: w, height: h, px: new Uint8Array(0), clip: { x0: 0, y0: 0, x1: 0, y1: 0 } } : createSurface(w, h, this.buffer);
    const size = sizeClass(w, h);
    const ctx: Ctx = {
      s,
      w,
      h,
      panel,
      rotation,
      lang,
      second: secondLang(lang, options.secondLanguage),
      locale: LOCALES[lang],
      timeZone: options.timeZone ?? 'UTC',
      book: this.fonts,
      qr: this.qr,
      icons: this.icons,
      col: new Column(this.fonts, lang, this.icons, options.trace),
      size,
      pad: { xs: 3, s: 6, m: 8, l: 14 }[size],
      shape: shapeOf(w, h),
      formatted: this.formatted,
    };
    draw(ctx, screen);
    if (options.dry === true) return createFrame(panel.width, panel.height);
    const frame = surfaceToFrame(s, panel.width, panel.height, rotation);
    return panel.kind === 'lcd' ? { ...frame, palette: options.palette ?? lcdPalette(screen, options.lcdColours) } : frame;
  }
}

/**
 * Lays `screen` out as `render` would, without drawing a pixel: the trace says which lines were
 * placed where and what was left out. Throws what `render` throws (QR_TOO_LARGE,
 * AMOUNT_UNSHOWABLE). Cheap enough to ask before accepting a charge (see fit.ts).
 */
export function layoutOf(renderer: Renderer, screen: Screen, panel: PanelInfo, rotation: Rotation, lang: Lang): LayoutTrace {
  const trace = newTrace();
  renderer.render(screen, panel, rotation, lang, { trace, dry: true });
  return trace;
}

/**
 * Renders `screen`, or, when its QR cannot be drawn scannably (QR_TOO_LARGE), the `error` screen
 * naming the problem, so a caller always has a frame to show; the error is returned for logging.
 */
/** What a technician should do when a payload cannot be drawn scannably. */
export const QR_TOO_LARGE_ACTION = 'The payment QR is too long for this panel: use a shorter payload or a larger panel.';
/** What a technician should do when a charge's amount cannot be drawn whole (normally refused before). */
export const AMOUNT_UNSHOWABLE_ACTION = 'The amount is too long for this panel in this mounting and language: use a larger panel or mount it in landscape.';

export function renderOrError(
  renderer: Renderer,
  screen: Screen,
  panel: PanelInfo,
  rotation: Rotation,
  lang: Lang,
  options: RenderOptions = {},
): { frame: Frame; error?: TillqrError } {
  try {
    return { frame: renderer.render(screen, panel, rotation, lang, options) };
  } catch (e) {
    if (!isTillqrError(e, 'QR_TOO_LARGE') && !isTillqrError(e, 'AMOUNT_UNSHOWABLE')) throw e;
    const shown: Screen = { name: 'error', code: e.code, action: e.code === 'QR_TOO_LARGE' ? QR_TOO_LARGE_ACTION : AMOUNT_UNSHOWABLE_ACTION };
    return { frame: renderer.render(shown, panel, rotation, lang, options), error: e };
  }
}

function draw(ctx: Ctx, screen: Screen): void {
  switch (screen.name) {
    case 'charge':
      return chargeScreen(ctx, screen);
    case 'idle':
      return idleScreen(ctx, screen);
    case 'paid':
    case 'failed':
    case 'expired':
    case 'cancelled':
      return outcomeScreen(ctx, screen);
    case 'unprovisioned':
    case 'connecting':
    case 'offline':
    case 'updating':
    case 'error':
    case 'status':
      return systemScreen(ctx, screen);
    case 'test-pattern':
      return testPatternScreen(ctx, screen);
  }
}
