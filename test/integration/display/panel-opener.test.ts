/**
 * realPanelOpener, the opener main.ts gives the PanelSupervisor on a Pi: every way opening the
 * real panel fails is a rejection with a clear error (to be retried), never a crash, and nothing
 * it opened is left open. E-paper runs against the simulated HAT (SimEpaperDevice on SimGpio) or
 * sysfs GPIO under a directory that has none; the LCD against a fake sysfs tree in a temp dir.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { EpaperPanel } from '../../../src/display/drivers/epaper-base.js';
import { FramebufferPanel } from '../../../src/display/drivers/framebuffer.js';
import { panelDriver, realPanelOpener, type RealPanelConfig } from '../../../src/display/drivers/panel-drivers.js';
import { SimEpaperDevice } from '../../../src/display/drivers/sim-epaper-device.js';
import { openSpidev } from '../../../src/display/drivers/spidev-bus.js';
import { PANELS } from '../../../src/display/panels.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { SysfsGpio } from '../../../src/signal/drivers/sysfs-gpio.js';
import { runOnClock } from '../../helpers/drive-clock.js';
import { noiseFrame } from '../../helpers/epaper-rig.js';

const PINS = { rst: 17, dc: 25, busy: 24 };
const config = (panel: string): RealPanelConfig => ({
  panel,
  spi: { bus: 0, device: 0, speedHz: 4_000_000 },
  pins: PINS,
  busyTimeoutMs: 30_000,
  framebuffer: 'auto',
});

function simHat(clock: FakeClock) {
  const gpio = new SimGpio({ clock });
  const d = panelDriver('waveshare-2in9-v2');
  if (d.kind !== 'epaper') throw new Error('not e-paper');
  const info = PANELS['waveshare-2in9-v2'];
  const device = new SimEpaperDevice({
    gpio,
    clock,
    pins: PINS,
    controller: d.sim.controller,
    otpPartialWaveform: d.sim.otpPartialWaveform,
    width: info.width,
    height: info.height,
  });
  return { gpio, device };
}

describe('realPanelOpener', () => {
  it('opens an e-paper panel on its SPI bus and control lines; the panel then draws', async () => {
    const clock = new FakeClock();
    const { gpio, device } = simHat(clock);
    const open = realPanelOpener({ config: config('waveshare-2in9-v2'), gpio, clock, logger: silentLogger, openSpi: () => Promise.resolve(device) });
    const panel = await open();
    expect(panel).toBeInstanceOf(EpaperPanel);
    const info = PANELS['waveshare-2in9-v2'];
    await runOnClock(clock, panel.show(noiseFrame(info.width, info.height, 7), 'full'));
    expect(device.screen.some((b) => b !== 0)).toBe(true);
    await runOnClock(clock, panel.close());
  });

  it('rejects with PANEL_IO naming the device when spi-device does not load or spidev is missing', async () => {
    const clock = new FakeClock();
    const noModule = realPanelOpener({
      config: config('waveshare-2in9-v2'),
      gpio: new SimGpio({ clock }),
      clock,
      logger: silentLogger,
      openSpi: (o) => openSpidev(o, () => Promise.reject(new Error('Cannot find module spi-device'))),
    });
    const e1 = await noModule().catch((e: unknown) => e);
    expect(isTillqrError(e1, 'PANEL_IO')).toBe(true);
    expect((e1 as Error).message).toMatch(/cannot load the spi-device package for \/dev\/spidev0\.0: Cannot find module/);
    // An addon built for another Node ABI fails with a message over several lines: the fault is one line.
    const otherAbi = realPanelOpener({
      config: config('waveshare-2in9-v2'),
      gpio: new SimGpio({ clock }),
      clock,
      logger: silentLogger,
      openSpi: (o) =>
        openSpidev(o, () =>
          Promise.reject(new Error("The module 'spi.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115.")),
        ),
    });
    const e3 = await otherAbi().catch((e: unknown) => e);
    expect((e3 as Error).message).toMatch(/: The module 'spi\.node' was compiled against a different Node\.js version using NODE_MODULE_VERSION 115\.$/);
    // The real package on this machine, with no /dev/spidev0.0.
    const real = realPanelOpener({ config: config('waveshare-2in9-v2'), gpio: new SimGpio({ clock }), clock, logger: silentLogger });
    const e2 = await real().catch((e: unknown) => e);
    expect(isTillqrError(e2, 'PANEL_IO')).toBe(true);
    expect((e2 as Error).message).toContain('/dev/spidev0.0');
  });

  it('rejects with the GPIO error, and closes the SPI bus it opened, when the control lines cannot be had', async () => {
    const clock = new FakeClock();
    const { device } = simHat(clock);
    const root = await mkdtemp(join(tmpdir(), 'tillqr-nogpio-'));
    const gpio = new SysfsGpio({ clock, logger: silentLogger, root: join(root, 'class', 'gpio'), edges: 'poll' });
    const open = realPanelOpener({ config: config('waveshare-2in9-v2'), gpio, clock, logger: silentLogger, openSpi: () => Promise.resolve(device) });
    const err = await open().catch((e: unknown) => e);
    expect(isTillqrError(err, 'GPIO_UNAVAILABLE')).toBe(true);
    await expect(device.transfer(new Uint8Array([0x12]))).rejects.toThrow('simulated SPI bus is closed');
  });

  it('finds the LCD framebuffer at open time: PANEL_NOT_FOUND while there is none, the panel once it appears', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tillqr-nofb-'));
    const sys = join(root, 'sys');
    const dev = join(root, 'dev');
    await mkdir(join(sys, 'class', 'graphics'), { recursive: true });
    await mkdir(dev, { recursive: true });
    const clock = new FakeClock();
    const open = realPanelOpener({
      config: config('lcd-320x240'),
      gpio: new SimGpio({ clock }),
      clock,
      logger: silentLogger,
      fbRoots: { sysfsRoot: sys, devRoot: dev },
    });
    const err = await open().catch((e: unknown) => e);
    expect(isTillqrError(err, 'PANEL_NOT_FOUND')).toBe(true);
    expect((err as Error).message).toContain('lcd-320x240');

    const fb = join(sys, 'class', 'graphics', 'fb0');
    await mkdir(fb, { recursive: true });
    for (const [name, value] of [
      ['name', 'fb_ili9341'],
      ['virtual_size', '320,240'],
      ['bits_per_pixel', '16'],
      ['stride', '640'],
      ['blank', '1'],
    ] as const)
      await writeFile(join(fb, name), `${value}\n`);
    await writeFile(join(dev, 'fb0'), Buffer.alloc(640 * 240));
    const panel = await open();
    expect(panel).toBeInstanceOf(FramebufferPanel);
    expect((panel as FramebufferPanel).device?.devPath).toBe(join(dev, 'fb0'));
    await panel.close();
  });
});
