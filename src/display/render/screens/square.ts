/**
 * The QR screens on a square panel (the 240x240 LCD): the QR takes most of the square, with the
 * essential text (the amount and time left, or the store name) on its own lines above it and
 * the hints below, instead of a third of the width beside a text column. Used when stacking
 * gives a larger QR than the side-by-side arrangement and the amount fits across the panel at
 * its smallest size; otherwise the caller's arrangement applies.
 */
import type { Item } from '../column.js';
import { drawQr, planQr } from '../qr.js';
import type { Ctx } from './ctx.js';

/** Draws `above`, the QR, `below` stacked; false (nothing drawn) when that would not help. */
export function stackedSquare(ctx: Ctx, payload: string, above: readonly Item[], below: readonly Item[]): boolean {
  const { w, h, pad } = ctx;
  if (ctx.shape !== 'square') return false;
  const tw = w - 2 * pad;
  const amount = above.find((i) => i.kind === 'amount');
  // Only when the amount fits across the panel whole (its ink, at a size it allows).
  if (amount !== undefined && !ctx.col.fits({ x: pad, y: pad, w: tw, h }, [{ ...amount, align: 'center' }])) return false;
  const center = (items: readonly Item[]): Item[] => items.map((i) => (i.kind === 'text' || i.kind === 'amount' ? { ...i, align: 'center' as const } : i));
  const top = center(above);
  const bottom = center(below);
  const minTop = ctx.col.minHeight(top, tw);
  const minBottom = ctx.col.minHeight(bottom, tw);
  const beside = planQr(payload, Math.min(h, Math.floor(w * 0.62)), ctx.qr);
  const room = Math.min(w, h - minTop - minBottom - 2 * pad);
  if (room <= beside.side) return false;
  const plan = planQr(payload, room, ctx.qr);
  if (plan.side <= beside.side) return false;
  const extra = Math.max(0, h - 2 * pad - minTop - minBottom - plan.side);
  const topH = minTop + Math.ceil(extra / 2);
  ctx.col.draw(ctx.s, { x: pad, y: pad, w: tw, h: topH }, top);
  const y = pad + topH;
  drawQr(ctx.s, plan, Math.floor((w - plan.side) / 2), y);
  ctx.col.draw(ctx.s, { x: pad, y: y + plan.side, w: tw, h: h - pad - y - plan.side }, bottom);
  return true;
}
