/**
 * A vertical stack layout: items (text, the amount, icons, bars, gaps) are measured against a
 * box; when they do not fit, the least important items are dropped first (higher `drop` number
 * goes first; 0 never goes), text tries its smaller candidate styles, and the amount shrinks its
 * font rather than being cut. Then the survivors are drawn, centred vertically in the box.
 *
 * Invariant: every glyph a Column draws is whole inside its box. Text too wide is ellipsized
 * (`overflow: 'ellipsis'`, the default) or left out (`'hide'`: order references, which must not
 * be read shortened); an amount that no allowed size fits is left out; an item that would
 * reach below the box is left out. Whatever is left out that way is reported in the trace as a
 * misfit, so a screen can choose another arrangement and the device can refuse a charge whose
 * amount it cannot show (see fit.ts).
 */
import type { Lang } from '../../core/screen.js';
import { amountWidth, type FontBook, type TextRole } from './fonts/font-book.js';
import { fillRect, strokeRect, withClip, type Surface } from './surface.js';
import { drawText, ellipsize, measure, packParts, wrapText, type TextStyle } from './text.js';
import { drawIcon, type IconCache, type IconName } from './icons.js';
import { footprint, footprintWidth, type Box, type LayoutTrace, type Misfit } from './ink.js';

export type { Box } from './ink.js';

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
      /** Too wide even in the last style: `ellipsis` (default) shortens it, `hide` leaves it out. */
      readonly overflow?: 'ellipsis' | 'hide';
    }
  | {
      readonly kind: 'amount';
      readonly text: string;
      /** Largest and smallest font size (px of em) to try; below `min` the amount is not drawn. */
      readonly max: number;
      readonly min?: number;
      readonly drop?: number;
      readonly align?: Align;
    }
  | { readonly kind: 'icon'; readonly icon: IconName; readonly size: number; readonly drop?: number; readonly align?: Align }
  | { readonly kind: 'bar'; readonly percent: number; readonly height: number; readonly drop?: number }
  | { readonly kind: 'gap'; readonly px: number; readonly drop?: number };

interface Placed {
  readonly item: Item;
  readonly height: number;
  /** Set when the item cannot be drawn whole at any allowed size (it is then not drawn). */
  readonly misfit?: Misfit;
  readonly draw: (s: Surface, x: number, y: number, w: number, box: Box) => void;
}

/** Amount font sizes, largest first; an amount takes the largest in its [min, max] that fits. */
export const AMOUNT_SIZES: readonly number[] = [160, 136, 112, 96, 84, 72, 64, 56, 48, 42, 36, 32, 28, 24, 21, 18, 16, 14, 12];

interface Plan {
  readonly kept: Item[];
  readonly placed: readonly Placed[];
  readonly total: number;
  readonly misfits: readonly Misfit[];
}

export class Column {
  /** Placements of fixed items by width: a layout re-places the same items while it drops some. */
  readonly #placed = new Map<Item, Map<number, Placed>>();

  constructor(
    private readonly book: FontBook,
    private readonly lang: Lang,
    private readonly icons: IconCache,
    private readonly trace?: LayoutTrace,
  ) {}

  /** Lays out and draws `items` in `box`; returns the items that were kept (for tests). */
  draw(s: Surface, box: Box, items: readonly Item[], valign: 'center' | 'top' = 'center'): Item[] {
    const plan = this.plan(box, items);
    this.trace?.misfits.push(...plan.misfits);
    const spare = Math.max(0, box.h - plan.total);
    let y = box.y + (valign === 'center' ? Math.floor(spare / 2) : 0);
    // Nothing drawn by a column ever leaves its box (it must not touch a QR's quiet zone).
    withClip(s, box.x, box.y, box.w, box.h, () => {
      for (const p of plan.placed) {
        if (y + p.height <= box.y + box.h) p.draw(s, box.x, y, box.w, box);
        y += p.height;
      }
    });
    return plan.kept;
  }

  /** Whether `items` fit `box` with nothing left out but what may be dropped (nothing is drawn). */
  fits(box: Box, items: readonly Item[]): boolean {
    return this.plan(box, items).misfits.length === 0;
  }

  /** The height the items take in `box` once the least important ones are dropped. */
  height(box: Box, items: readonly Item[]): number {
    return Math.min(box.h, this.plan(box, items).total);
  }

  /** Height of the items that are never dropped, with the amount at its smallest size. */
  minHeight(items: readonly Item[], width: number): number {
    const essential = items.filter((i) => (i.drop ?? 0) === 0);
    return this.place(essential, { x: 0, y: 0, w: width, h: 0 }).reduce((n, p) => n + p.height, 0);
  }

  /** Drops the least important items until the rest fit the height (or only essentials are left). */
  private plan(box: Box, items: readonly Item[]): Plan {
    let kept = items.slice();
    for (;;) {
      const placed = this.place(kept, box);
      const total = placed.reduce((n, p) => n + p.height, 0);
      const victim = leastImportant(kept);
      if (total <= box.h || victim === undefined) return { kept, placed, total, misfits: misfitsOf(placed, box.h) };
      kept = kept.filter((i) => i !== victim);
    }
  }

  private place(items: readonly Item[], box: Box): Placed[] {
    const fixed = items.filter((i) => i.kind !== 'amount').map((i) => this.placeFixedOnce(i, box.w));
    const used = fixed.reduce((n, p) => n + p.height, 0);
    const out: Placed[] = [];
    let f = 0;
    for (const i of items) out.push(i.kind === 'amount' ? this.placeAmount(i, box.w, box.h - used) : (fixed[f++] as Placed));
    return out;
  }

  private placeFixedOnce(item: Exclude<Item, { kind: 'amount' }>, width: number): Placed {
    let byWidth = this.#placed.get(item);
    if (byWidth === undefined) this.#placed.set(item, (byWidth = new Map<number, Placed>()));
    let p = byWidth.get(width);
    if (p === undefined) byWidth.set(width, (p = this.placeFixed(item, width)));
    return p;
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
    const st = pick?.style ?? this.book.text('body', lang);
    if (item.overflow === 'hide' && chosen === undefined && fallback === undefined) return { item, height: 0, draw: () => undefined };
    const lines = (pick?.lines ?? [item.text]).map((l) => fitInk(st, l, width));
    if (item.overflow === 'hide' && lines.some((l, n) => l !== pick?.lines[n])) return { item, height: 0, draw: () => undefined };
    const metrics = lines.map((l) => measure(st, l));
    const ascent = Math.max(...metrics.map((m) => m.ascent), 0);
    const lineH = Math.max(ascent + Math.max(...metrics.map((m) => m.descent), 0), 1);
    const pad = item.inverse === true ? 2 * st.scale : 0;
    const ink = item.inverse === true ? 0 : 1;
    return {
      item,
      height: lineH * lines.length + 2 * pad,
      draw: (s, x, y, w, box) => {
        if (item.inverse === true) fillRect(s, x, y, w, lineH * lines.length + 2 * pad, 1);
        lines.forEach((l, n) => {
          const f = footprint(st, l);
          const pen = alignX(x, w, f.right - f.left, item.align) - f.left;
          const baseline = y + pad + n * lineH + ascent;
          drawText(s, st, l, pen, baseline, ink);
          this.trace?.lines.push({ kind: 'text', text: l, style: st, x: pen, baseline, box, ink, align: item.align ?? 'center' });
        });
      },
    };
  }

  private placeAmount(item: Extract<Item, { kind: 'amount' }>, width: number, height: number): Placed {
    const min = item.min ?? 12;
    this.trace?.offers.push({ width, min, max: item.max });
    let pick: TextStyle | undefined;
    for (const size of AMOUNT_SIZES) {
      if (size > item.max || size < min) continue;
      // The advances first (cheap), then the ink itself (a glyph may reach past its advance).
      if (amountWidth(this.book, item.text, size, this.lang) > width) continue;
      const style = this.book.amount(size, this.lang);
      if (footprintWidth(style, item.text) > width) continue;
      pick = style;
      // Digits fill about 0.75 em above the baseline, separators reach about 0.15 em below.
      if (Math.ceil(size * 0.9) <= height) break;
    }
    if (pick === undefined) return { item, height: 0, misfit: { kind: 'amount', text: item.text, why: 'width' }, draw: () => undefined };
    const style = pick;
    const m = measure(style, item.text);
    const f = footprint(style, item.text);
    return {
      item,
      height: m.ascent + m.descent,
      draw: (s, x, y, w, box) => {
        const pen = alignX(x, w, f.right - f.left, item.align) - f.left;
        drawText(s, style, item.text, pen, y + m.ascent);
        this.trace?.lines.push({ kind: 'amount', text: item.text, style, x: pen, baseline: y + m.ascent, box, ink: 1, align: item.align ?? 'center' });
      },
    };
  }
}

/** What a plan leaves out: amounts no size fits, and text or amounts that reach below the box. */
function misfitsOf(placed: readonly Placed[], boxH: number): Misfit[] {
  const out: Misfit[] = [];
  let y = 0;
  for (const p of placed) {
    if (p.misfit !== undefined) out.push(p.misfit);
    else if (y + p.height > boxH && p.height > 0 && (p.item.kind === 'text' || p.item.kind === 'amount'))
      out.push({ kind: p.item.kind, text: p.item.text, why: 'height' });
    y += p.height;
  }
  return out;
}

/** The line, ellipsized if need be, so that its ink (not only its advances) fits `width`. */
function fitInk(style: TextStyle, line: string, width: number): string {
  let room = width;
  for (let i = 0; i < 4; i++) {
    const l = ellipsize(style, line, room);
    const over = footprintWidth(style, l) - width;
    if (over <= 0) return l;
    room -= over;
  }
  return '';
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
