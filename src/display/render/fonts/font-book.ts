/**
 * The font stacks per text role and language. Fonts are opened lazily on first use and glyphs
 * stay cached for the life of the book, so a long-running daemon pays for each glyph once.
 *
 * Roles: `small` Galmuri9 (12 px line), `body` Galmuri11 (16 px line), `bold` Galmuri11 Bold,
 * `title` Galmuri14 (21 px line); every stack falls back to Galmuri11 and then GNU Unifont
 * (Japanese-style Unifont first for ja). For Chinese, Han ideographs skip Galmuri (whose kanji
 * are Japanese forms) and come from Unifont. Amounts use an outline font at any pixel size.
 */
import type { Lang } from '../../../core/screen.js';
import { glyphOf, makeStyle, type TextStyle } from '../text.js';
import { BdfFont } from './bdf-font.js';
import type { FontFiles } from './font-files.js';
import { isHan, without, type GlyphSource } from './glyph.js';
import { HexFont } from './hex-font.js';
import { OutlineFont } from './outline-font.js';
import { scaledFont } from './scaled-font.js';
import { TrueTypeFont } from './truetype.js';

export type TextRole = 'small' | 'body' | 'bold' | 'title';

/** The Galmuri BDF file of each role (a release ships exactly these: tools/release). */
export const BDF_FILES: Record<TextRole, string> = {
  small: 'Galmuri9.bdf',
  body: 'Galmuri11.bdf',
  bold: 'Galmuri11-Bold.bdf',
  title: 'Galmuri14.bdf',
};

/**
 * Pixel size of Chinese Han per role: Unifont's 16 px resampled so its ink stands within a pixel
 * or two of the role's Galmuri kanji and capitals (9, 11, 11, 14 px); 11 px is the least at which
 * simplified Han stays legible.
 */
export const HAN_PX: Record<TextRole, number> = { small: 11, body: 12, bold: 12, title: 14 };

/** Fullwidth forms to their ASCII / symbol equivalents, for the outline amount font. */
function halfwidth(cp: number): number {
  if (cp === 0xffe5) return 0xa5;
  if (cp === 0xffe6) return 0x20a9;
  if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0;
  if (cp === 0x202f || cp === 0xa0) return 0x20;
  return cp;
}

export class FontBook {
  private readonly sources = new Map<string, GlyphSource | null>();
  private readonly styles = new Map<string, TextStyle>();
  private ttf: TrueTypeFont | null | undefined;

  constructor(readonly files: FontFiles) {}

  /** A text style for a role and language at an integer scale. */
  text(role: TextRole, lang: Lang, scale = 1): TextStyle {
    const key = `${role}/${lang}/${scale}`;
    let s = this.styles.get(key);
    if (s === undefined) {
      s = makeStyle(key, this.stack(role, lang), scale);
      this.styles.set(key, s);
    }
    return s;
  }

  /** The amount style at a pixel size (outline font; bitmap bold scaled when it is missing). */
  amount(size: number, lang: Lang): TextStyle {
    const key = `amount/${lang}/${size}`;
    let s = this.styles.get(key);
    if (s !== undefined) return s;
    const ttf = this.outline();
    if (ttf === undefined) {
      s = makeStyle(key, this.stack('bold', lang), Math.max(1, Math.round(size / 16)), true);
    } else {
      const outline = new OutlineFont(ttf, size, 'DejaVu Sans Bold');
      const mapped: GlyphSource = {
        name: outline.name,
        ascent: outline.ascent,
        descent: outline.descent,
        glyph: (cp) => outline.glyph(halfwidth(cp)),
        advanceOf: (cp) => outline.advanceOf(halfwidth(cp)),
      };
      s = makeStyle(key, [mapped, ...this.stack('bold', lang)], 1, true);
    }
    this.styles.set(key, s);
    return s;
  }

  get hasOutlineFont(): boolean {
    return this.outline() !== undefined;
  }

  private outline(): TrueTypeFont | undefined {
    if (this.ttf === undefined) {
      try {
        this.ttf = this.files.amountTtf === undefined ? null : TrueTypeFont.fromFile(this.files.amountTtf);
      } catch {
        this.ttf = null;
      }
    }
    return this.ttf ?? undefined;
  }

  private stack(role: TextRole, lang: Lang): GlyphSource[] {
    const out: GlyphSource[] = [];
    const add = (src: GlyphSource | undefined): void => {
      if (src === undefined || out.includes(src)) return;
      out.push(lang === 'zh' && src.name.startsWith('Galmuri') ? without(src, isHan, `${src.name} (no Han)`) : src);
    };
    add(this.bdf(role));
    if (role !== 'body') add(this.bdf('body'));
    if (lang === 'ja') add(this.hex('unifontJpHex'));
    // Chinese Han only Unifont has, at 16 px: resampled to the role's kanji size (one visual size across scripts).
    if (lang === 'zh') add(this.scaledHan(role));
    add(this.hex('unifontHex'));
    return out;
  }

  private scaledHan(role: TextRole): GlyphSource | undefined {
    const px = HAN_PX[role];
    return this.open(`han-${px}`, () => {
      const uni = this.hex('unifontHex');
      return uni === undefined ? undefined : scaledFont(uni, 16, px, isHan, `Unifont Han ${px}px`);
    });
  }

  private bdf(role: TextRole): GlyphSource | undefined {
    const file = BDF_FILES[role];
    return this.open(file, () => (this.files.galmuriDir === undefined ? undefined : new BdfFont(`${this.files.galmuriDir}/${file}`, file.replace('.bdf', ''))));
  }

  private hex(which: 'unifontHex' | 'unifontJpHex'): GlyphSource | undefined {
    const path = this.files[which];
    return this.open(which, () => (path === undefined ? undefined : new HexFont(path, which === 'unifontJpHex' ? 'Unifont JP' : 'Unifont')));
  }

  private open(key: string, make: () => GlyphSource | undefined): GlyphSource | undefined {
    if (!this.sources.has(key)) {
      let src: GlyphSource | undefined;
      try {
        src = make();
      } catch {
        src = undefined;
      }
      this.sources.set(key, src ?? null);
    }
    return this.sources.get(key) ?? undefined;
  }
}

/**
 * Width of `text` in the amount style at `size` px from the font's advances alone (no
 * rasterising), for choosing the size before drawing. Matches `measure` of `book.amount(size)`.
 */
export function amountWidth(book: FontBook, text: string, size: number, lang: Lang): number {
  return measureAdvance(book.amount(size, lang), text);
}

function measureAdvance(style: TextStyle, text: string): number {
  const primary = style.fonts[0];
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    w += primary?.advanceOf?.(cp) ?? glyphOf(style, cp).advance;
  }
  return w * style.scale;
}
