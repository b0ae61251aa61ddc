/**
 * The device's own screens: `unprovisioned`, `connecting`, `offline` (no QR: nothing payable is
 * shown while no confirmation could arrive), `updating`, `error` and `status`. Messages carry the
 * second language under the main one (see inSecond); the unprovisioned screen names the port the
 * console really is on: the header UART pins, the USB data port, or the adapter's path.
 */
import type { Screen } from '../../../core/screen.js';
import { cableHint, t } from '../../i18n.js';
import type { Item } from '../column.js';
import { clockTime, styles, type Ctx } from './ctx.js';
import { iconScreen, inSecond } from './result.js';

type System = Extract<Screen, { name: 'unprovisioned' | 'connecting' | 'offline' | 'updating' | 'error' | 'status' }>;

export function systemScreen(ctx: Ctx, sc: System): void {
  const c = 'center' as const;
  const text = (s: string, kind: Parameters<typeof styles>[1], extra: Partial<Extract<Item, { kind: 'text' }>> = {}): Item => ({
    kind: 'text',
    text: s,
    styles: styles(ctx, kind),
    align: c,
    ...extra,
  });
  switch (sc.name) {
    case 'unprovisioned': {
      const hint = cableHint(sc.consolePort);
      const vars = { port: sc.consolePort };
      iconScreen(ctx, 'plug', [
        text(t(ctx.lang, 'notSetUp'), 'heading', { lines: 2 }),
        ...inSecond(ctx, 'notSetUp', { kind: 'body', drop: 4 }),
        text(t(ctx.lang, hint, vars), 'body', { lines: 3, drop: 2 }),
        ...inSecond(ctx, hint, { kind: 'small', drop: 5, lines: 3, vars }),
        text(t(ctx.lang, 'deviceId', { id: sc.deviceId }), 'emphasis', { drop: 1 }),
      ]);
      return;
    }
    case 'connecting':
      iconScreen(ctx, 'dots', [
        text(t(ctx.lang, 'connecting'), 'heading'),
        ...inSecond(ctx, 'connecting', { kind: 'body', drop: 3 }),
        text(sc.broker, 'small', { drop: 2 }),
      ]);
      return;
    case 'offline':
      iconScreen(ctx, 'offline', [
        text(t(ctx.lang, 'offline'), 'heading'),
        ...inSecond(ctx, 'offline', { kind: 'body', drop: 4 }),
        text(sc.storeName, 'small', { drop: 3 }),
        text(t(ctx.lang, 'doNotScan'), 'body', { lines: 3 }),
        ...inSecond(ctx, 'doNotScan', { kind: 'small', drop: 5, lines: 3 }),
        text(t(ctx.lang, 'since', { t: clockTime(ctx, sc.since) }), 'small', { drop: 2 }),
      ]);
      return;
    case 'updating': {
      const bar: Item[] =
        sc.percent === undefined
          ? []
          : [
              { kind: 'gap', px: ctx.pad, drop: 4 },
              { kind: 'bar', percent: sc.percent, height: Math.max(10, Math.round(ctx.h * 0.06)), drop: 1 },
            ];
      const pct = sc.percent === undefined ? '' : ` ${Math.round(sc.percent)}%`;
      iconScreen(ctx, 'download', [
        text(t(ctx.lang, ctx.size === 'xs' ? 'updatingShort' : 'updating'), 'heading', { lines: 2 }),
        ...inSecond(ctx, ctx.size === 'xs' ? 'updatingShort' : 'updating', { kind: 'body', drop: 6 }),
        text(`${sc.version}${pct}`, 'emphasis', { drop: 2 }),
        text(sc.step, 'small', { drop: 5 }),
        ...bar,
        text(t(ctx.lang, 'keepPower'), 'body', { drop: 3 }),
        ...inSecond(ctx, 'keepPower', { kind: 'small', drop: 7 }),
      ]);
      return;
    }
    case 'error':
      iconScreen(ctx, 'warning', [
        text(`${t(ctx.lang, 'error')} ${sc.code}`, 'emphasis', { lines: 2 }),
        ...inSecond(ctx, 'error', { kind: 'body', drop: 3 }),
        text(t(ctx.lang, 'forTechnician'), 'small', { drop: 2 }),
        text(sc.action, 'body', { lines: 4, drop: 1 }),
      ]);
      return;
    case 'status': {
      const { w, h, pad } = ctx;
      // Rows carry amounts (the day's takings): wrapped onto a second line, or left out, never shortened.
      const rows: Item[] = sc.lines.map((l, i) => text(l, 'small', { align: 'left', drop: 10 + i, lines: 2, overflow: 'hide' }));
      ctx.col.draw(
        ctx.s,
        { x: pad, y: pad, w: w - 2 * pad, h: h - 2 * pad },
        [text(t(ctx.lang, 'status'), 'body', { inverse: true, align: 'left' }), { kind: 'gap', px: 2 }, ...rows],
        'top',
      );
      return;
    }
  }
}
