/**
 * When to refresh a panel fully and when partially (pure). A full refresh clears e-paper ghosting
 * but flashes the panel for seconds; a partial one is quick and quiet but leaves ghosts that add up.
 * So: full for the first frame, after an error, on a screen change, after `partialRefreshLimit`
 * partials in a row, and when the change covers more than `largeChangeRatio` of the panel;
 * partial for small changes (the countdown, a status line); nothing when nothing changed.
 */
import { diffBox, type Frame } from './frame.js';
import type { PanelInfo, RefreshMode } from './panel.js';

export interface RefreshPolicyOptions {
  /** Partials in a row before a full refresh (config `display.partialRefreshLimit`; 0 = always full). */
  readonly partialRefreshLimit: number;
  /** Fraction of the panel area above which a change is drawn with a full refresh. */
  readonly largeChangeRatio: number;
}

export interface RefreshHistory {
  /** The frame on the panel, or undefined before the first successful refresh. */
  readonly lastFrame: Frame | undefined;
  readonly partialsSinceFull: number;
  /** The last refresh failed: what the panel shows is unknown. */
  readonly lastFailed: boolean;
}

export type RefreshReason = 'first-frame' | 'after-error' | 'screen-changed' | 'unchanged' | 'no-partial' | 'partial-limit' | 'large-change' | 'small-change';

export interface RefreshDecision {
  readonly mode: RefreshMode | 'skip';
  readonly reason: RefreshReason;
}

export const DEFAULT_LARGE_CHANGE_RATIO = 0.5;

export function decideRefresh(info: PanelInfo, history: RefreshHistory, frame: Frame, screenChanged: boolean, opts: RefreshPolicyOptions): RefreshDecision {
  const last = history.lastFrame;
  if (last === undefined) return { mode: 'full', reason: 'first-frame' };
  if (history.lastFailed) return { mode: 'full', reason: 'after-error' };
  if (screenChanged) return { mode: 'full', reason: 'screen-changed' };
  const box = diffBox(last, frame);
  if (box === undefined) return { mode: 'skip', reason: 'unchanged' };
  if (!info.partial) return { mode: 'full', reason: 'no-partial' };
  if (history.partialsSinceFull >= opts.partialRefreshLimit) return { mode: 'full', reason: 'partial-limit' };
  if (box.width * box.height > opts.largeChangeRatio * frame.width * frame.height) return { mode: 'full', reason: 'large-change' };
  return { mode: 'partial', reason: 'small-change' };
}
