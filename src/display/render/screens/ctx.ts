/**
 * What every screen layout gets: the surface in upright (logical) coordinates, the language,
 * fonts, QR cache and a few size-dependent choices shared by all screens.
 */
import type { Lang, Money } from '../../../core/screen.js';
import { formatMoney } from '../../../payment/money.js';
import type { PanelInfo } from '../../panel.js';
import type { Column, TextCandidate } from '../column.js';
import type { FontBook } from '../fonts/font-book.js';
import type { IconCache } from '../icons.js';
import type { QrCache } from '../qr.js';
import type { Surface } from '../surface.js';
import type { Rotation } from '../to-frame.js';

/** Panel size class by its shorter side: xs 122–128 (2.13", 2.9"), s 240, m 300–320, l 480. */
export type SizeClass = 'xs' | 's' | 'm' | 'l';

export interface Ctx {
  readonly s: Surface;
  readonly w: number;
  readonly h: number;
  readonly panel: PanelInfo;
  readonly rotation: Rotation;
  readonly lang: Lang;
  /** The language shown under the main one on result, idle, error and system screens (none: undefined). */
  readonly second: Lang | undefined;
  readonly locale: string;
  readonly timeZone: string;
  readonly book: FontBook;
  readonly qr: QrCache;
  readonly icons: IconCache;
  readonly col: Column;
  readonly size: SizeClass;
  /** Outer margin in pixels. */
  readonly pad: number;
  readonly shape: 'landscape' | 'portrait' | 'square';
  /** Formatted amounts and times by input (Intl formatters are slow to create). */
  readonly formatted: Map<string, string>;
}

function remember(ctx: Ctx, key: string, make: () => string): string {
  let v = ctx.formatted.get(key);
  if (v === undefined) {
    if (ctx.formatted.size >= 256) ctx.formatted.clear();
    v = make();
    ctx.formatted.set(key, v);
  }
  return v;
}

export function sizeClass(w: number, h: number): SizeClass {
  const m = Math.min(w, h);
  if (m <= 160) return 'xs';
  if (m <= 240) return 's';
  if (m <= 320) return 'm';
  return 'l';
}

export function shapeOf(w: number, h: number): Ctx['shape'] {
  if (w >= h * 1.25) return 'landscape';
  if (h >= w * 1.25) return 'portrait';
  return 'square';
}

/** Text style candidates, largest first, for a role of text on this panel size. */
export function styles(ctx: Ctx, kind: 'heading' | 'body' | 'small' | 'emphasis'): TextCandidate[] {
  const table: Record<SizeClass, Record<typeof kind, TextCandidate[]>> = {
    xs: {
      heading: [{ role: 'title' }, { role: 'body' }, { role: 'small' }],
      emphasis: [{ role: 'bold' }, { role: 'small' }],
      body: [{ role: 'body' }, { role: 'small' }],
      small: [{ role: 'small' }],
    },
    s: {
      heading: [{ role: 'title', scale: 2 }, { role: 'title' }, { role: 'body' }],
      emphasis: [{ role: 'title' }, { role: 'bold' }],
      body: [{ role: 'body' }, { role: 'small' }],
      small: [{ role: 'small' }],
    },
    m: {
      heading: [{ role: 'title', scale: 2 }, { role: 'title' }, { role: 'body' }],
      emphasis: [{ role: 'title' }, { role: 'bold' }],
      body: [{ role: 'title' }, { role: 'body' }, { role: 'small' }],
      small: [{ role: 'body' }, { role: 'small' }],
    },
    l: {
      heading: [{ role: 'title', scale: 3 }, { role: 'title', scale: 2 }, { role: 'title' }],
      emphasis: [{ role: 'title', scale: 2 }, { role: 'title' }],
      body: [{ role: 'body', scale: 2 }, { role: 'title' }, { role: 'body' }],
      small: [{ role: 'title' }, { role: 'body' }, { role: 'small' }],
    },
  };
  return table[ctx.size][kind];
}

/** Largest amount font size per panel class (pixels of em). */
export function amountMax(ctx: Ctx): number {
  return { xs: 42, s: 56, m: 72, l: 136 }[ctx.size];
}

/** Smallest amount font size the layout settles for before it drops other text. */
export function amountMin(ctx: Ctx): number {
  return { xs: 16, s: 20, m: 24, l: 32 }[ctx.size];
}

/** The amount for display; an unknown currency shows the raw minor units and code rather than failing. */
export function money(ctx: Ctx, m: Money): string {
  return remember(ctx, `m/${m.amount}/${m.currency}/${ctx.locale}`, () => {
    try {
      return formatMoney(m.amount, m.currency, ctx.locale);
    } catch {
      return `${m.amount} ${m.currency}`;
    }
  });
}

/** A wall-clock time (HH:MM) in the configured zone. */
export function clockTime(ctx: Ctx, unixMs: number): string {
  return remember(ctx, `t/${unixMs}/${ctx.locale}/${ctx.timeZone}`, () => formatClock(ctx, unixMs));
}

function formatClock(ctx: Ctx, unixMs: number): string {
  const opts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  try {
    return new Intl.DateTimeFormat(ctx.locale, { ...opts, timeZone: ctx.timeZone }).format(unixMs);
  } catch {
    return new Intl.DateTimeFormat(ctx.locale, { ...opts, timeZone: 'UTC' }).format(unixMs);
  }
}

/** m:ss of what is left until `expiresAt` (never negative; rounded up to the second). */
export function timeLeft(expiresAt: number, now: number): string {
  const sec = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return `${Math.floor(sec / 60)}:${String(sec % 60).padStart(2, '0')}`;
}
