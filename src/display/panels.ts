import { TillqrError } from '../core/errors.js';
import { PANEL_IDS, type PanelId } from './config.js';
import type { PanelInfo } from './panel.js';
import type { Rotation } from './render/to-frame.js';

/**
 * The catalogue of supported panels: native pixel size (before rotation), kind, and whether the
 * controller can do a partial refresh. Drivers and the renderer both read it from here.
 */
export const PANELS: Readonly<Record<PanelId, PanelInfo>> = Object.freeze({
  'waveshare-2in13-v4': { id: 'waveshare-2in13-v4', width: 122, height: 250, kind: 'epaper', partial: true },
  'waveshare-2in9-v2': { id: 'waveshare-2in9-v2', width: 128, height: 296, kind: 'epaper', partial: true },
  'waveshare-4in2-v2': { id: 'waveshare-4in2-v2', width: 400, height: 300, kind: 'epaper', partial: true },
  'waveshare-7in5-v2': { id: 'waveshare-7in5-v2', width: 800, height: 480, kind: 'epaper', partial: true },
  'lcd-240x240': { id: 'lcd-240x240', width: 240, height: 240, kind: 'lcd', partial: false },
  'lcd-320x240': { id: 'lcd-320x240', width: 320, height: 240, kind: 'lcd', partial: false },
  'lcd-480x320': { id: 'lcd-480x320', width: 480, height: 320, kind: 'lcd', partial: false },
});

export function isPanelId(id: string): id is PanelId {
  return (PANEL_IDS as readonly string[]).includes(id);
}

/** The catalogue entry for `id`; PANEL_UNKNOWN for anything else. */
export function panelInfo(id: string): PanelInfo {
  if (!isPanelId(id)) throw new TillqrError('PANEL_UNKNOWN', `no such panel id: ${id}`, { id, known: PANEL_IDS });
  return PANELS[id];
}

/**
 * How each panel is usually mounted at a till: the small e-paper panels (native portrait) turned
 * to landscape. The gallery and the benchmarks draw them this way; config `display.rotation` says
 * how a given device is really mounted.
 */
export const USUAL_MOUNT: Readonly<Record<PanelId, Rotation>> = Object.freeze({
  'waveshare-2in13-v4': 90,
  'waveshare-2in9-v2': 90,
  'waveshare-4in2-v2': 0,
  'waveshare-7in5-v2': 0,
  'lcd-240x240': 0,
  'lcd-320x240': 0,
  'lcd-480x320': 0,
});
