import type { PanelId } from '../src/display/config.js';
import type { Rotation } from '../src/display/render/to-frame.js';

/** Each panel as mounted at a till in the benchmarks: the small e-paper panels turned to landscape. */
export const MOUNT: Record<PanelId, Rotation> = {
  'waveshare-2in13-v4': 90,
  'waveshare-2in9-v2': 90,
  'waveshare-4in2-v2': 0,
  'waveshare-7in5-v2': 0,
  'lcd-240x240': 0,
  'lcd-320x240': 0,
  'lcd-480x320': 0,
};
