/**
 * `test-pattern`: a frame for checking a fitted panel: a 1 px border (every edge pixel), corner
 * marks showing which way is up, line gratings of 1, 2 and 4 px, the panel id and mounting, and a
 * QR code that must scan.
 */
import type { Screen } from '../../../core/screen.js';
import { t } from '../../i18n.js';
import { drawQr, planQr } from '../qr.js';
import { fillRect, strokeRect } from '../surface.js';
import { drawText, measure } from '../text.js';
import type { Ctx } from './ctx.js';

export function testPatternScreen(ctx: Ctx, sc: Extract<Screen, { name: 'test-pattern' }>): void {
  const { s, w, h } = ctx;
  strokeRect(s, 0, 0, w, h, 1);
  // Top-left corner is solid, the others hollow: shows the rotation at a glance.
  const c = Math.max(8, Math.round(Math.min(w, h) * 0.08));
  fillRect(s, 3, 3, c, c);
  strokeRect(s, w - 3 - c, 3, c, c, 2);
  strokeRect(s, 3, h - 3 - c, c, c, 2);
  strokeRect(s, w - 3 - c, h - 3 - c, c, c, 2);
  // Landscape: QR on the right, gratings and labels on the left. Portrait: QR at the bottom.
  const wide = w >= h;
  const side = wide ? Math.min(h - 2 * c - 12, Math.floor(w * 0.5)) : Math.min(w - 2 * c - 8, Math.floor(h * 0.5));
  const plan = planQr(sc.qr, side, ctx.qr);
  const qx = wide ? w - plan.side - c - 6 : Math.floor((w - plan.side) / 2);
  const qy = wide ? Math.floor((h - plan.side) / 2) : h - plan.side - c - 6;
  drawQr(s, plan, qx, qy);
  // Gratings left of the QR: vertical lines 1, 2 and 4 px wide with equal gaps.
  const gx = c + 6;
  const gw = Math.max(0, (wide ? qx : w - c - 6) - gx - 4);
  const gh = Math.max(6, Math.round(h * 0.08));
  let y = c + 6;
  for (const lw of [1, 2, 4]) {
    for (let x = gx; x + lw <= gx + gw; x += 2 * lw) fillRect(s, x, y, lw, gh);
    y += gh + 3;
  }
  const small = ctx.book.text('small', ctx.lang);
  const lines = [
    t(ctx.lang, 'testPattern'),
    ctx.panel.id,
    `${ctx.panel.width}x${ctx.panel.height} @${ctx.rotation}°`,
    `QR v${plan.version}-${plan.ecl} ${plan.module}px`,
  ];
  for (const line of lines) {
    const m = measure(small, line);
    if (y + m.ascent + m.descent > (wide ? h - c - 4 : qy)) break;
    drawText(s, small, line, gx, y + m.ascent, 1);
    y += m.ascent + m.descent + 1;
  }
}
