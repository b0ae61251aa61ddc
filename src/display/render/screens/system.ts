/**
 * The device's own screens: `unprovisioned`, `connecting`, `offline` (no QR: nothing payable is
 * shown while no confirmation could arrive), `updating`, `error` and `status`.
 */
import type { Screen } from '../../../core/screen.js';
import { t } from '../../i18n.js';
import type { Item } from '../column.js';
import { clockTime, styles, type Ctx } from './ctx.js';
import { iconScreen } from './result.js';

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
    case 'unprovisioned':
      iconScreen(ctx, 'plug', [
        text(t(ctx.lang, 'notSetUp'), 'heading', { lines: 2 }),
        text(t(ctx.lang, 'connectCable', { port: sc.consolePort }), 'body', { lines: 3, drop: 2 }),
        text(t(ctx.lang, 'deviceId', { id: sc.deviceId }), 'emphasis', { drop: 1 }),
      ]);
      return;
    case 'connecting':
      iconScreen(ctx, 'dots', [text(t(ctx.lang, 'connecting'), 'heading'), text(sc.broker, 'small', { drop: 2 })]);
      return;
    case 'offline':
      iconScreen(ctx, 'offline', [
        text(t(ctx.lang, 'offline'), 'heading'),
        text(sc.storeName, 'small', { drop: 3 }),
        text(t(ctx.lang, 'doNotScan'), 'body', { lines: 3 }),
        text(t(ctx.lang, 'since', { t: clockTime(ctx, sc.since) }), 'small', { drop: 2 }),
      ]);
      return;
    case 'updating': {
      const bar: Item[] = sc.percent === undefined ? [] : [{ kind: 'gap', px: ctx.pad, drop: 4 }, { kind: 'bar', percent: sc.percent, height: Math.max(10, Math.round(ctx.h * 0.06)), drop: 1 }];
      const pct = sc.percent === undefined ? '' : ` ${Math.round(sc.percent)}%`;
      iconScreen(ctx, 'download', [
        text(t(ctx.lang, ctx.size === 'xs' ? 'updatingShort' : 'updating'), 'heading', { lines: 2 }),
        text(`${sc.version}${pct}`, 'emphasis', { drop: 2 }),
        text(sc.step, 'small', { drop: 5 }),
        ...bar,
        text(t(ctx.lang, 'keepPower'), 'body', { drop: 3 }),
      ]);
      return;
    }
    case 'error':
      iconScreen(ctx, 'warning', [
        text(`${t(ctx.lang, 'error')} ${sc.code}`, 'emphasis', { lines: 2 }),
        text(t(ctx.lang, 'forTechnician'), 'small', { drop: 2 }),
        text(sc.action, 'body', { lines: 4, drop: 1 }),
      ]);
      return;
    case 'status': {
      const { w, h, pad } = ctx;
      const rows: Item[] = sc.lines.map((l, i) => text(l, 'small', { align: 'left', drop: 10 + i }));
      ctx.col.draw(ctx.s, { x: pad, y: pad, w: w - 2 * pad, h: h - 2 * pad }, [text(t(ctx.lang, 'status'), 'body', { inverse: true, align: 'left' }), { kind: 'gap', px: 2 }, ...rows], 'top');
      return;
    }
  }
}
