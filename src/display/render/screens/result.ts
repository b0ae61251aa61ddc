/**
 * Screens with a large icon and a short message: the sale outcomes (`paid`, `failed`, `expired`,
 * `cancelled`) and, through `iconScreen`, most system screens. Wide panels put the icon beside
 * the text; narrow ones stack it above. Each message is in the display language with the
 * second language (display.secondLanguage) under it, smaller, dropped before the main text.
 */
import type { Screen } from '../../../core/screen.js';
import { t, type StringKey } from '../../i18n.js';
import type { Item } from '../column.js';
import { drawIcon, type IconName } from '../icons.js';
import { amountMax, amountMin, money, styles, type Ctx } from './ctx.js';

/**
 * Draws `icon` and the column of `items`, side by side on wide panels, stacked otherwise. On a
 * wide panel whose side column cannot hold the items whole (a long amount), the stacked
 * arrangement is used, which gives the text the whole width (the icon is dropped first).
 */
export function iconScreen(ctx: Ctx, icon: IconName, items: readonly Item[]): void {
  const { w, h, pad } = ctx;
  if (w >= h * 1.5) {
    const size = Math.round(Math.min(h * 0.55, w * 0.28));
    const iconW = size + 3 * pad;
    const box = { x: iconW, y: pad, w: w - iconW - pad, h: h - 2 * pad };
    const left = items.map((i) => (i.kind === 'text' || i.kind === 'amount' ? { ...i, align: 'left' as const } : i));
    if (!items.some((i) => i.kind === 'amount') || ctx.col.fits(box, left)) {
      drawIcon(ctx.s, ctx.icons, icon, 2 * pad, Math.floor((h - size) / 2), size);
      ctx.col.draw(ctx.s, box, left);
      return;
    }
  }
  const size = Math.round(Math.min(w * 0.32, h * 0.22));
  ctx.col.draw(ctx.s, { x: pad, y: pad, w: w - 2 * pad, h: h - 2 * pad }, [
    { kind: 'icon', icon, size, drop: 7, align: 'center' },
    { kind: 'gap', px: pad, drop: 8 },
    ...items,
  ]);
}

/**
 * The same message in the second language (none when there is none): `kind` styles, `drop` to
 * leave it out before the main-language lines it repeats.
 */
export function inSecond(
  ctx: Ctx,
  key: StringKey,
  o: { kind: Parameters<typeof styles>[1]; drop: number; lines?: number; vars?: Readonly<Record<string, string>>; align?: 'left' | 'center' },
): Item[] {
  const lang = ctx.second;
  if (lang === undefined) return [];
  return [
    {
      kind: 'text',
      text: t(lang, key, o.vars),
      styles: styles(ctx, o.kind),
      lang,
      drop: o.drop,
      align: o.align ?? 'center',
      ...(o.lines !== undefined ? { lines: o.lines } : {}),
    },
  ];
}

type Outcome = Extract<Screen, { name: 'paid' | 'failed' | 'expired' | 'cancelled' }>;

export function outcomeScreen(ctx: Ctx, sc: Outcome): void {
  const c = 'center' as const;
  const amountItem = (m: Outcome['money']): Item[] =>
    // The amount is never dropped: it is the one thing the customer checks (whole, or the charge is refused).
    m === undefined ? [] : [{ kind: 'amount', text: money(ctx, m), max: Math.round(amountMax(ctx) * 0.7), min: amountMin(ctx), align: c }];
  const order: Item = { kind: 'text', text: t(ctx.lang, 'order', { id: sc.orderId }), styles: styles(ctx, 'small'), align: c, drop: 6, overflow: 'hide' };
  const heading = (long: StringKey, short: StringKey): Item[] => [
    { kind: 'text', text: ctx.size === 'xs' ? t(ctx.lang, short) : t(ctx.lang, long), styles: styles(ctx, 'heading'), lines: 2, align: c },
    ...inSecond(ctx, ctx.size === 'xs' ? short : long, { kind: 'body', drop: 4 }),
  ];
  switch (sc.name) {
    case 'paid': {
      const via: Item[] =
        sc.wallet === undefined ? [] : [{ kind: 'text', text: t(ctx.lang, 'via', { w: sc.wallet }), styles: styles(ctx, 'body'), align: c, drop: 4 }];
      const late: Item[] = sc.late === true ? [{ kind: 'text', text: t(ctx.lang, 'paidLate'), styles: styles(ctx, 'small'), lines: 2, align: c, drop: 3 }] : [];
      const thanks: Item = { kind: 'text', text: t(ctx.lang, 'thanks'), styles: styles(ctx, 'body'), align: c, drop: 5 };
      iconScreen(ctx, 'check', [
        ...heading('paid', 'paid'),
        ...amountItem(sc.money),
        ...via,
        ...late,
        thanks,
        ...inSecond(ctx, 'thanks', { kind: 'small', drop: 7 }),
      ]);
      return;
    }
    case 'failed': {
      const reason: Item[] = sc.reason === undefined ? [] : [{ kind: 'text', text: sc.reason, styles: styles(ctx, 'small'), lines: 2, align: c, drop: 5 }];
      const again: Item = { kind: 'text', text: t(ctx.lang, 'tryAgain'), styles: styles(ctx, 'body'), lines: 2, align: c, drop: 3 };
      iconScreen(ctx, 'cross', [
        ...heading('failed', 'failedShort'),
        ...amountItem(sc.money),
        again,
        ...inSecond(ctx, 'tryAgain', { kind: 'small', drop: 7, lines: 2 }),
        ...reason,
        order,
      ]);
      return;
    }
    case 'expired': {
      const ask: Item = { kind: 'text', text: t(ctx.lang, 'askCashier'), styles: styles(ctx, 'body'), lines: 2, align: c, drop: 3 };
      iconScreen(ctx, 'clock', [
        ...heading('expired', 'expiredShort'),
        ...amountItem(sc.money),
        ask,
        ...inSecond(ctx, 'askCashier', { kind: 'small', drop: 7, lines: 2 }),
        order,
      ]);
      return;
    }
    case 'cancelled':
      iconScreen(ctx, 'forbidden', [...heading('cancelled', 'cancelledShort'), ...amountItem(sc.money), order]);
      return;
  }
}
