/**
 * Which driver runs which panel. Only src/main.ts builds drivers; it looks the panel id up here
 * and constructs the class with the real (or simulated) SPI bus and GPIO:
 *
 *   const d = panelDriver(config.display.panel);
 *   const panel = d.kind === 'epaper'
 *     ? new d.driver({ spi: await openSpidev(config.display.spi), gpio, clock, logger, pins, busyTimeoutMs })
 *     : new d.driver(panelInfo(id), { logger, device: config.display.framebuffer });
 *
 * `realPanelOpener` wraps exactly that into a PanelOpener for the PanelSupervisor, so a panel that
 * cannot be opened (no spidev, SPI off, spi-device not loading, no framebuffer) is a rejected
 * promise to retry, never a failed start.
 *
 * `sim` tells the simulator which controller model a SimEpaperDevice needs for the panel.
 */
import { TillqrError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Gpio } from '../../signal/gpio.js';
import type { PanelId } from '../config.js';
import type { PanelOpener } from '../panel-supervisor.js';
import type { Panel, PanelInfo } from '../panel.js';
import { isPanelId, panelInfo } from '../panels.js';
import type { EpaperDeps, EpaperPanel, EpaperPins } from './epaper-base.js';
import { FramebufferPanel, type FramebufferDeps } from './framebuffer.js';
import type { SimController } from './sim-epaper-device.js';
import type { SpiBus } from './spi.js';
import { openSpidev, type SpidevOptions } from './spidev-bus.js';
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

/** The part of config.display the real drivers need. */
export interface RealPanelConfig {
  readonly panel: string;
  readonly spi: SpidevOptions;
  readonly pins: EpaperPins;
  readonly busyTimeoutMs: number;
  readonly framebuffer: string;
  /** E-paper: the controller's fast partial waveform (config display.fastPartial; default true). */
  readonly fastPartial?: boolean;
}

export interface RealPanelDeps {
  readonly config: RealPanelConfig;
  readonly gpio: Gpio;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: spidev through the lazily loaded spi-device package. */
  readonly openSpi?: (o: SpidevOptions) => Promise<SpiBus>;
  /** Where the framebuffer is looked up (defaults /sys and /dev; tests pass temp dirs). */
  readonly fbRoots?: { readonly sysfsRoot: string; readonly devRoot: string };
}

/**
 * Opens the configured real panel: for e-paper the SPI bus, then a check that its control lines can
 * be had (BUSY claimed once and let go: sysfs GPIO present, permission, pin free; the driver claims
 * its lines on first use), then the driver; for an LCD the framebuffer, found and opened now.
 */
export function realPanelOpener(deps: RealPanelDeps): PanelOpener {
  const c = deps.config;
  const openSpi = deps.openSpi ?? ((o: SpidevOptions) => openSpidev(o));
  return async (): Promise<Panel> => {
    const d = panelDriver(c.panel);
    if (d.kind === 'epaper') {
      const spi = await openSpi(c.spi);
      try {
        const busy = await deps.gpio.input(c.pins.busy, { debounceMs: 0 });
        await busy.close();
        return new d.driver({
          spi,
          gpio: deps.gpio,
          clock: deps.clock,
          logger: deps.logger,
          pins: c.pins,
          busyTimeoutMs: c.busyTimeoutMs,
          fastPartial: c.fastPartial,
        });
      } catch (e) {
        await spi.close().catch(() => undefined);
        throw e;
      }
    }
    const lcd = new d.driver(panelInfo(c.panel), { logger: deps.logger, device: c.framebuffer, ...deps.fbRoots });
    try {
      await lcd.open();
    } catch (e) {
      await lcd.close().catch(() => undefined);
      throw e;
    }
    return lcd;
  };
}
