/**
 * A vertical stack layout: items (text, the amount, icons, bars, gaps) are measured against a
 * box; when they do not fit, the least important items are dropped first (higher `drop` number
 * goes first; 0 never goes), text tries its smaller candidate styles, and the amount shrinks its
 * font rather than being cut. Then the survivors are drawn, centred vertically in the box.
 */
import type { Lang } from '../../core/screen.js';
import { amountWidth, type FontBook, type TextRole } from './fonts/font-book.js';
import { fillRect, strokeRect, withClip, type Surface } from './surface.js';
import { drawText, ellipsize, measure, packParts, wrapText, type TextStyle } from './text.js';
import { drawIcon, type IconCache, type IconName } from './icons.js';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export type Align = 'left' | 'center';

export interface TextCandidate {
  readonly role: TextRole;
  readonly scale?: number;
}

export type Item =
  | {
      readonly kind: 'text';
      readonly text: string;
      /** Styles to try, largest first; the first whose lines fit the width wins, else the last one cut. */
      readonly styles: readonly TextCandidate[];
      readonly lines?: number;
      /** Wrap these whole parts joined by " · " instead of wrapping `text` (lists of names). */
      readonly parts?: readonly string[];
      readonly drop?: number;
      readonly align?: Align;
      /** Draw as paper on an ink band (a banner). */
      readonly inverse?: boolean;
      readonly lang?: Lang;
    }
  | { readonly kind: 'amount'; readonly text: string; readonly max: number; readonly min?: number; readonly drop?: number; readonly align?: Align }
  | { readonly kind: 'icon'; readonly icon: IconName; readonly size: number; readonly drop?: number; readonly align?: Align }
  | { readonly kind: 'bar'; readonly percent: number; readonly height: number; readonly drop?: number }
  | { readonly kind: 'gap'; readonly px: number; readonly drop?: number };

interface Placed {
  readonly item: Item;
  readonly height: number;
  readonly draw: (s: Surface, x: number, y: number, w: number) => void;
}

const AMOUNT_SIZES = [160, 136, 112, 96, 84, 72, 64, 56, 48, 42, 36, 32, 28, 24, 21, 18, 16, 14, 12];

export class Column {
  constructor(
    private readonly book: FontBook,
    private readonly lang: Lang,
    private readonly icons: IconCache,
  ) {}

  /** Lays out and draws `items` in `box`; returns the items that were kept (for tests). */
  draw(s: Surface, box: Box, items: readonly Item[], valign: 'center' | 'top' = 'center'): Item[] {
    let kept = items.slice();
    for (;;) {
      const placed = this.place(kept, box);
      const total = placed.reduce((n, p) => n + p.height, 0);
      const victim = leastImportant(kept);
      if (total <= box.h || victim === undefined) {
        const spare = Math.max(0, box.h - total);
        let y = box.y + (valign === 'center' ? Math.floor(spare / 2) : 0);
        // Nothing drawn by a column ever leaves its box (it must not touch a QR's quiet zone).
        withClip(s, box.x, box.y, box.w, box.h, () => {
          for (const p of placed) {
            p.draw(s, box.x, y, box.w);
            y += p.height;
          }
        });
        return kept;
      }
      kept = kept.filter((i) => i !== victim);
    }
  }

  /** Height of the items that are never dropped, with the amount at its smallest size. */
  minHeight(items: readonly Item[], width: number): number {
    const essential = items.filter((i) => (i.drop ?? 0) === 0);
    return this.place(essential, { x: 0, y: 0, w: width, h: 0 }).reduce((n, p) => n + p.height, 0);
  }

  private place(items: readonly Item[], box: Box): Placed[] {
    const fixed = items.filter((i) => i.kind !== 'amount').map((i) => this.placeFixed(i, box.w));
    const used = fixed.reduce((n, p) => n + p.height, 0);
    const out: Placed[] = [];
    let f = 0;
    for (const i of items) out.push(i.kind === 'amount' ? this.placeAmount(i, box.w, box.h - used) : (fixed[f++] as Placed));
    return out;
  }

  private placeFixed(item: Exclude<Item, { kind: 'amount' }>, width: number): Placed {
    switch (item.kind) {
      case 'gap':
        return { item, height: item.px, draw: () => undefined };
      case 'bar':
        return {
          item,
          height: item.height,
          draw: (s, x, y, w) => {
            strokeRect(s, x, y, w, item.height, 2);
            const inner = Math.round(((w - 8) * Math.max(0, Math.min(100, item.percent))) / 100);
            fillRect(s, x + 4, y + 4, inner, item.height - 8);
          },
        };
      case 'icon':
        return { item, height: item.size, draw: (s, x, y, w) => drawIcon(s, this.icons, item.icon, alignX(x, w, item.size, item.align), y, item.size) };
      case 'text':
        return this.placeText(item, width);
    }
  }

  private placeText(item: Extract<Item, { kind: 'text' }>, width: number): Placed {
    const lang = item.lang ?? this.lang;
    const maxLines = item.lines ?? 1;
    // First choice: the largest style whose lines fit without cutting and without leaving a
    // stub last line (a lone character); then the largest that fits at all; else the last, cut.
    let chosen: { style: TextStyle; lines: string[] } | undefined;
    let fallback: { style: TextStyle; lines: string[] } | undefined;
    let last: { style: TextStyle; lines: string[] } | undefined;
    for (const c of item.styles) {
      const style = this.book.text(c.role, lang, c.scale ?? 1);
      let lines: string[];
      if (item.parts !== undefined) lines = packParts(style, item.parts, ' · ', width, maxLines);
      else lines = maxLines === 1 ? [item.text] : wrapText(style, item.text, width, maxLines);
      last = { style, lines };
      const fits = lines.every((l) => measure(style, l).width <= width) && !lines.some((l) => l.endsWith('…') && !item.text.endsWith('…'));
      if (!fits) continue;
      fallback ??= last;
      const tail = lines[lines.length - 1] ?? '';
      if (lines.length === 1 || measure(style, tail).width >= width * 0.3) {
        chosen = last;
        break;
      }
    }
    const pick = chosen ?? fallback ?? last;
    const style = pick?.style;
    let lines = pick?.lines ?? [item.text];
    const st = style ?? this.book.text('body', lang);
    lines = lines.map((l) => ellipsize(st, l, width));
    const metrics = lines.map((l) => measure(st, l));
    const lineH = Math.max(...metrics.map((m) => m.ascent + m.descent), 1);
    const ascent = Math.max(...metrics.map((m) => m.ascent), 0);
    const pad = item.inverse === true ? 2 * st.scale : 0;
    return {
      item,
      height: lineH * lines.length + 2 * pad,
      draw: (s, x, y, w) => {
        if (item.inverse === true) fillRect(s, x, y, w, lineH * lines.length + 2 * pad, 1);
        lines.forEach((l, n) => {
          const lw = metrics[n]?.width ?? 0;
          drawText(s, st, l, alignX(x, w, lw, item.align), y + pad + n * lineH + ascent, item.inverse === true ? 0 : 1);
        });
      },
    };
  }

  private placeAmount(item: Extract<Item, { kind: 'amount' }>, width: number, height: number): Placed {
    const min = item.min ?? 12;
    let size = min;
    for (const candidate of AMOUNT_SIZES) {
      if (candidate > item.max || candidate < min) continue;
      // Digits fill about 0.75 em above the baseline, separators reach about 0.15 em below.
      if (amountWidth(this.book, item.text, candidate, this.lang) <= width && Math.ceil(candidate * 0.9) <= height) {
        size = candidate;
        break;
      }
    }
    const style = this.book.amount(size, this.lang);
    const m = measure(style, item.text);
    return {
      item,
      height: m.ascent + m.descent,
      draw: (s, x, y, w) => void drawText(s, style, item.text, alignX(x, w, m.width, item.align), y + m.ascent),
    };
  }
}

/** The item to drop first: the highest `drop` number (later items lose ties); 0 is never dropped. */
function leastImportant(items: readonly Item[]): Item | undefined {
  let worst: Item | undefined;
  for (const i of items) if ((i.drop ?? 0) > 0 && (worst === undefined || (i.drop ?? 0) >= (worst.drop ?? 0))) worst = i;
  return worst;
}

function alignX(x: number, w: number, contentW: number, align: Align | undefined): number {
  return align === 'left' ? x : x + Math.max(0, Math.floor((w - contentW) / 2));
}
