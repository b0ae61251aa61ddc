/**
 * The two screens with a payable QR: `charge` (dynamic QR, the amount large, time left, order
 * label, the scan hint in all four languages) and `idle` (the store's static QR when it has one).
 * Landscape panels put the QR on the left and the text beside it; portrait and square panels
 * stack text, QR, text. The QR always gets the largest square its integer module size allows.
 */
import { isTillqrError, TillqrError } from '../../../core/errors.js';
import type { Screen } from '../../../core/screen.js';
import { langsFrom, t } from '../../i18n.js';
import type { Item } from '../column.js';
import { drawQr, planQr, QR_MIN_MODULE_PX, QR_QUIET_MODULES } from '../qr.js';
import { amountMax, amountMin, money, styles, timeLeft, type Ctx } from './ctx.js';
import { inSecond } from './result.js';
import { stackedSquare } from './square.js';

type Charge = Extract<Screen, { name: 'charge' }>;
type Idle = Extract<Screen, { name: 'idle' }>;

function scanLines(ctx: Ctx, firstDrop: number): Item[] {
  return langsFrom(ctx.lang).map((lang, i): Item => {
    const short = ctx.size === 'xs' || i > 0 || ctx.shape === 'square';
    return {
      kind: 'text',
      text: t(lang, short ? 'scanShort' : 'scan'),
      styles: i === 0 ? styles(ctx, 'body') : styles(ctx, 'small'),
      lines: i === 0 && !short ? 2 : 1,
      lang,
      drop: i === 0 ? firstDrop : firstDrop + 4 - i,
    };
  });
}

/**
 * Draws the QR with text around it. Landscape and square panels: QR on the left, `beside` in a
 * column on the right; when `amount` does not fit there whole even at its smallest size, it gets
 * a line of its own across the top and the QR and the rest go below it. Portrait panels:
 * `above`, QR, `below`; the QR gets what the essential text leaves, and the text the rest. An
 * amount that fits none of these is AMOUNT_UNSHOWABLE: no payable QR is drawn without it.
 */
function withQr(ctx: Ctx, payload: string, beside: readonly Item[], above: readonly Item[], below: readonly Item[], amount?: Item): void {
  const { w, h, pad } = ctx;
  if (stackedSquare(ctx, payload, above, below)) return;
  if (ctx.shape !== 'portrait') {
    const plan = planQr(payload, Math.min(h, Math.floor(w * 0.62)), ctx.qr);
    const box = { x: plan.side, y: pad, w: w - plan.side - pad, h: h - 2 * pad };
    if (amount === undefined || ctx.col.fits(box, beside)) {
      drawQr(ctx.s, plan, 0, Math.floor((h - plan.side) / 2));
      ctx.col.draw(ctx.s, box, beside);
      return;
    }
    amountOnItsOwnLine(
      ctx,
      payload,
      amount,
      beside.filter((i) => i !== amount),
    );
    return;
  }
  const tw = w - 2 * pad;
  if (amount !== undefined && !ctx.col.fits({ x: pad, y: pad, w: tw, h }, [amount])) throw unshowable(amount);
  const minTop = ctx.col.minHeight(above, tw);
  // The QR leaves room for every line below it when it can; only a payload that would not fit
  // otherwise takes that room (the lines below are then dropped, least important first).
  const allBelow = ctx.col.minHeight(
    below.map((i) => ({ ...i, drop: 0 })),
    tw,
  );
  const minBottom = ctx.col.minHeight(below, tw);
  let plan;
  let reserve = allBelow;
  try {
    plan = planQr(payload, Math.min(w, h - minTop - allBelow - 2 * pad), ctx.qr);
  } catch (e) {
    if (!isTillqrError(e, 'QR_TOO_LARGE')) throw e;
    reserve = minBottom;
    plan = planQr(payload, Math.min(w, h - minTop - minBottom - 2 * pad), ctx.qr);
  }
  const extra = Math.max(0, h - plan.side - minTop - reserve - 2 * pad);
  const topH = minTop + Math.ceil(extra * 0.6);
  ctx.col.draw(ctx.s, { x: pad, y: pad, w: tw, h: topH }, above);
  drawQr(ctx.s, plan, Math.floor((w - plan.side) / 2), pad + topH);
  const y = pad + topH + plan.side;
  ctx.col.draw(ctx.s, { x: pad, y, w: tw, h: h - pad - y }, below);
}

/**
 * The amount across the whole width at the top, as large as its sizes allow while the QR below
 * keeps at least its smallest scannable size; the QR and the `rest` column share what is left.
 */
function amountOnItsOwnLine(ctx: Ctx, payload: string, amount: Item, rest: readonly Item[]): void {
  const { w, h, pad } = ctx;
  const tw = w - 2 * pad;
  const smallest = planQr(payload, Math.min(h, Math.floor(w * 0.62)), ctx.qr);
  const qrMin = (smallest.size + 2 * QR_QUIET_MODULES) * QR_MIN_MODULE_PX;
  const room = { x: pad, y: pad, w: tw, h: Math.max(0, h - pad - qrMin) };
  if (!ctx.col.fits(room, [amount])) throw unshowable(amount);
  const lineH = ctx.col.height(room, [amount]);
  ctx.col.draw(ctx.s, { ...room, h: lineH }, [amount]);
  const top = pad + lineH;
  const plan = planQr(payload, Math.min(h - top, Math.floor(w * 0.62)), ctx.qr);
  drawQr(ctx.s, plan, 0, top + Math.floor((h - top - plan.side) / 2));
  ctx.col.draw(ctx.s, { x: plan.side, y: top, w: w - plan.side - pad, h: h - top - pad }, rest);
}

function unshowable(amount: Item): TillqrError {
  const text = amount.kind === 'amount' ? amount.text : '';
  return new TillqrError('AMOUNT_UNSHOWABLE', `the amount ${text} does not fit this panel whole at its smallest size`, { amount: text });
}

export function chargeScreen(ctx: Ctx, sc: Charge): void {
  const align = ctx.shape === 'portrait' ? 'center' : 'left';
  const store: Item = { kind: 'text', text: sc.storeName, styles: styles(ctx, 'small'), drop: 8, align };
  const order: Item = {
    kind: 'text',
    text: t(ctx.lang, 'order', { id: sc.reference ?? sc.orderId }),
    styles: styles(ctx, 'small'),
    drop: 9,
    align,
    overflow: 'hide',
  };
  const amount: Item = { kind: 'amount', text: money(ctx, sc.money), max: amountMax(ctx), min: amountMin(ctx), align };
  const left: Item = { kind: 'text', text: t(ctx.lang, 'timeLeft', { t: timeLeft(sc.expiresAt, sc.now) }), styles: styles(ctx, 'emphasis'), align };
  const hints = scanLines(ctx, 1).map((i): Item => (i.kind === 'text' ? { ...i, align } : i));
  const gap: Item = { kind: 'gap', px: Math.max(2, ctx.pad), drop: 10 };
  withQr(ctx, sc.qr, [store, order, amount, left, gap, ...hints], [store, order, amount, left], hints, amount);
}

export function idleScreen(ctx: Ctx, sc: Idle): void {
  const c = 'center' as const;
  const store: Item = { kind: 'text', text: sc.storeName, styles: styles(ctx, 'heading'), align: c };
  const accept: Item = { kind: 'text', text: t(ctx.lang, 'weAccept'), styles: styles(ctx, 'small'), drop: 3, align: c };
  const wallets: Item[] =
    sc.wallets.length === 0
      ? []
      : [{ kind: 'text', text: sc.wallets.join(' · '), parts: sc.wallets, styles: styles(ctx, 'body'), lines: 3, drop: 2, align: c }];
  const gap: Item = { kind: 'gap', px: ctx.pad * 2, drop: 6 };
  if (sc.qr === undefined) {
    const welcome: Item = { kind: 'text', text: t(ctx.lang, 'welcome'), styles: styles(ctx, 'body'), drop: 4, align: c };
    const hint: Item = { kind: 'text', text: t(ctx.lang, 'qrAtCheckout'), styles: styles(ctx, 'small'), lines: 2, drop: 5, align: c };
    const { w, h, pad } = ctx;
    const welcome2 = inSecond(ctx, 'welcome', { kind: 'small', drop: 7 });
    const hint2 = inSecond(ctx, 'qrAtCheckout', { kind: 'small', drop: 8, lines: 2 });
    ctx.col.draw(ctx.s, { x: pad, y: pad, w: w - 2 * pad, h: h - 2 * pad }, [
      welcome,
      ...welcome2,
      store,
      gap,
      ...(wallets.length > 0 ? [accept] : []),
      ...wallets,
      gap,
      hint,
      ...hint2,
    ]);
    return;
  }
  const scan: Item = { kind: 'text', text: t(ctx.lang, ctx.size === 'xs' ? 'scanShort' : 'scan'), styles: styles(ctx, 'small'), lines: 2, drop: 1, align: c };
  const listed = wallets.length > 0 ? [accept, ...wallets] : [];
  // The scan hint in the second language too (display.secondLanguage), dropped before the main one.
  const scan2 = inSecond(ctx, ctx.size === 'xs' ? 'scanShort' : 'scan', { kind: 'small', drop: 5, lines: 2 });
  withQr(ctx, sc.qr, [store, ...listed, { kind: 'gap', px: ctx.pad, drop: 6 }, scan, ...scan2], [store], [...wallets, scan, ...scan2]);
}
