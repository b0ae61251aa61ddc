import type { PanelId } from './config.js';
import type { Frame } from './frame.js';

export interface PanelInfo {
  readonly id: PanelId;
  /** Native pixel size (before rotation). */
  readonly width: number;
  readonly height: number;
  readonly kind: 'epaper' | 'lcd';
  /** E-paper: can the controller do partial refresh. */
  readonly partial: boolean;
}

export type RefreshMode = 'full' | 'partial';

/**
 * A display panel. `show` resolves when the panel has finished drawing; it may take seconds on
 * e-paper and must never block the event loop while it waits. Callers never call `show` twice at
 * once (the refresh scheduler serialises and coalesces frames).
 */
export interface Panel {
  readonly info: PanelInfo;
  show(frame: Frame, mode: RefreshMode): Promise<void>;
  /** Low-power state between updates (e-paper deep sleep); the next `show` wakes the panel. */
  sleep(): Promise<void>;
  close(): Promise<void>;
}
