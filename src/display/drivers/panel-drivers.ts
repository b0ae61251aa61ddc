/**
 * Which driver runs which panel. Only src/main.ts builds drivers; it looks the panel id up here
 * and constructs the class with the real (or simulated) SPI bus and GPIO:
 *
 *   const d = panelDriver(config.display.panel);
 *   const panel = d.kind === 'epaper'
 *     ? new d.driver({ spi: await openSpidev(config.display.spi), gpio, clock, logger, pins, busyTimeoutMs })
 *     : new d.driver(panelInfo(id), { logger, device: config.display.framebuffer });
 *
 * `sim` tells the simulator which controller model a SimEpaperDevice needs for the panel.
 */
import { TillqrError } from '../../core/errors.js';
import type { PanelId } from '../config.js';
import type { PanelInfo } from '../panel.js';
import { isPanelId } from '../panels.js';
import type { EpaperDeps, EpaperPanel } from './epaper-base.js';
import { FramebufferPanel, type FramebufferDeps } from './framebuffer.js';
import type { SimController } from './sim-epaper-device.js';
import { Waveshare2in13V4, Waveshare2in9V2 } from './ssd1680.js';
import { Waveshare4in2V2 } from './ssd1683.js';
import { Waveshare7in5V2 } from './uc8179.js';

export type EpaperDriverClass = new (deps: EpaperDeps) => EpaperPanel;
export type LcdDriverClass = new (info: PanelInfo, deps: FramebufferDeps) => FramebufferPanel;

export type PanelDriver =
  | {
      readonly kind: 'epaper';
      readonly controller: 'SSD1680' | 'SSD1683' | 'UC8179';
      readonly driver: EpaperDriverClass;
      readonly sim: { readonly controller: SimController; readonly otpPartialWaveform: boolean };
    }
  | { readonly kind: 'lcd'; readonly driver: LcdDriverClass };

const LCD: PanelDriver = { kind: 'lcd', driver: FramebufferPanel };

export const PANEL_DRIVERS: Readonly<Record<PanelId, PanelDriver>> = Object.freeze({
  'waveshare-2in13-v4': { kind: 'epaper', controller: 'SSD1680', driver: Waveshare2in13V4, sim: { controller: 'ssd1680', otpPartialWaveform: true } },
  'waveshare-2in9-v2': { kind: 'epaper', controller: 'SSD1680', driver: Waveshare2in9V2, sim: { controller: 'ssd1680', otpPartialWaveform: false } },
  'waveshare-4in2-v2': { kind: 'epaper', controller: 'SSD1683', driver: Waveshare4in2V2, sim: { controller: 'ssd1683', otpPartialWaveform: true } },
  'waveshare-7in5-v2': { kind: 'epaper', controller: 'UC8179', driver: Waveshare7in5V2, sim: { controller: 'uc8179', otpPartialWaveform: false } },
  'lcd-240x240': LCD,
  'lcd-320x240': LCD,
  'lcd-480x320': LCD,
});

/** The driver for a panel id; PANEL_UNKNOWN for anything else. */
export function panelDriver(id: string): PanelDriver {
  if (!isPanelId(id)) throw new TillqrError('PANEL_UNKNOWN', `no driver for panel ${JSON.stringify(id)}`, { id });
  return PANEL_DRIVERS[id];
}
