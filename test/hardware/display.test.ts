/**
 * Panel contract on real hardware, and the same contract on the simulators (always).
 * Real part: a Raspberry Pi with TILLQR_HARDWARE_TESTS=1 and the panel named by TILLQR_HW_PANEL
 * (default waveshare-2in9-v2): an e-paper panel on a Waveshare HAT (SPI0 CE0 with dtparam=spi=on,
 * RST BCM 17, DC BCM 25, BUSY BCM 24, PWR BCM 18; the user in the spi and gpio groups), or an LCD
 * panel id (lcd-240x240, lcd-320x240, lcd-480x320) whose framebuffer overlay is loaded (user in
 * the video group). Watch the panel: each test draws a test card.
 */
import { describe } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createLogger, silentLogger } from '../../src/core/logger.js';
import { displayConfigSchema } from '../../src/display/config.js';
import { panelDriver } from '../../src/display/drivers/panel-drivers.js';
import { SimEpaperDevice } from '../../src/display/drivers/sim-epaper-device.js';
import { SimPanel } from '../../src/display/drivers/sim-panel.js';
import { openSpidev } from '../../src/display/drivers/spidev-bus.js';
import { PANELS, panelInfo } from '../../src/display/panels.js';
import { SimGpio } from '../../src/signal/drivers/sim-gpio.js';
import { SysfsGpio } from '../../src/signal/drivers/sysfs-gpio.js';
import { panelContract } from '../integration/display/panel-contract.js';

const onPi = process.env.TILLQR_HARDWARE_TESTS === '1';
const hwPanel = process.env.TILLQR_HW_PANEL ?? 'waveshare-2in9-v2';
const FAST = { resetMs: 2, swResetMs: 5, fullMs: 40, partialMs: 15, powerMs: 5 };

describe('Panel contract: SimPanel (e-paper and LCD)', () => {
  for (const id of ['waveshare-2in9-v2', 'lcd-320x240'] as const) {
    describe(id, () => {
      panelContract(() => {
        const panel = new SimPanel(PANELS[id], { clock: systemClock(), timing: { fullMs: 20, partialMs: 5 } });
        return Promise.resolve({ panel, shown: () => panel.last?.frame.data ?? new Uint8Array(0) });
      });
    });
  }
});

describe('Panel contract: real e-paper drivers on the simulated HAT', () => {
  for (const id of ['waveshare-2in13-v4', 'waveshare-2in9-v2', 'waveshare-4in2-v2', 'waveshare-7in5-v2'] as const) {
    describe(id, () => {
      panelContract(() => {
        const d = panelDriver(id);
        if (d.kind !== 'epaper') throw new Error('not e-paper');
        const clock = systemClock();
        const gpio = new SimGpio({ clock });
        const pins = { rst: 17, dc: 25, busy: 24, pwr: 18 };
        const info = PANELS[id];
        const device = new SimEpaperDevice({
          gpio,
          clock,
          pins,
          controller: d.sim.controller,
          otpPartialWaveform: d.sim.otpPartialWaveform,
          width: info.width,
          height: info.height,
          timing: FAST,
        });
        const panel = new d.driver({ spi: device, gpio, clock, logger: silentLogger, pins, busyTimeoutMs: 5000, busyPollMs: 5 });
        return Promise.resolve({
          panel,
          shown: () => {
            if (device.violations.length > 0) throw new Error(`protocol violations: ${device.violations.join('; ')}`);
            return device.screen;
          },
          cleanup: () => {
            device.detach();
            return Promise.resolve();
          },
        });
      });
    });
  }
});

describe.skipIf(!onPi)(
  `Panel contract on real hardware: needs a Raspberry Pi with TILLQR_HARDWARE_TESTS=1 and the panel ${hwPanel} fitted (Waveshare e-paper HAT on SPI0 CE0 with RST 17, DC 25, BUSY 24, PWR 18; or an LCD with its framebuffer overlay loaded)`,
  () => {
    panelContract(async () => {
      const info = panelInfo(hwPanel);
      const d = panelDriver(info.id);
      const logger = createLogger('hw-display', { level: 'debug' });
      const parsed = displayConfigSchema.safeParse({ panel: info.id });
      if (!parsed.ok) throw new Error(parsed.issues[0]?.message);
      const config = parsed.value;
      if (d.kind === 'lcd') return { panel: new d.driver(info, { logger, device: config.framebuffer }) };
      const clock = systemClock();
      const gpio = new SysfsGpio({ clock, logger });
      const spi = await openSpidev(config.spi);
      const panel = new d.driver({ spi, gpio, clock, logger, pins: config.pins, busyTimeoutMs: config.busyTimeoutMs });
      return { panel, cleanup: () => gpio.close() };
    }, 180_000);
  },
);
