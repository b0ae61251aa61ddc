/**
 * SpiBus over Linux spidev with the `spi-device` package. The package is a native addon that only
 * makes sense on a Pi, so it is imported lazily, when a bus is opened: nothing else in the daemon
 * (and no x86 test) loads it. Transfers run on libuv's thread pool and never block the event loop.
 */
import type { SpiDevice, SpiOptions } from 'spi-device';
import { TillqrError } from '../../core/errors.js';
import { SPI_MAX_TRANSFER, chunks, type SpiBus } from './spi.js';

export interface SpidevOptions {
  bus: number;
  device: number;
  speedHz: number;
}

/** The part of the `spi-device` module this file uses. */
export interface SpiDeviceModule {
  open(bus: number, device: number, options: SpiOptions, cb: (err: Error | null | undefined) => void): SpiDevice;
}

const MODULE_NAME = 'spi-device';

/** Import `spi-device` at run time; the name is a variable so bundlers and tsc leave it alone. */
export async function loadSpiDevice(): Promise<SpiDeviceModule> {
  const mod = (await import(MODULE_NAME)) as Partial<SpiDeviceModule> & { default?: Partial<SpiDeviceModule> };
  const api = typeof mod.open === 'function' ? mod : mod.default;
  if (api === undefined || typeof api.open !== 'function') throw new TillqrError('PANEL_IO', 'the spi-device package has no open()');
  return api as SpiDeviceModule;
}

export function spidevPath(o: SpidevOptions): string {
  return `/dev/spidev${o.bus}.${o.device}`;
}

/** Open `/dev/spidevB.D` in SPI mode 0 at `speedHz`. */
export async function openSpidev(opts: SpidevOptions, load: () => Promise<SpiDeviceModule> = loadSpiDevice): Promise<SpiBus> {
  const path = spidevPath(opts);
  let api: SpiDeviceModule;
  try {
    api = await load();
  } catch (e) {
    // Node's message for an addon of another ABI runs over several lines; a fault is one line.
    throw new TillqrError('PANEL_IO', `cannot load the spi-device package for ${path}: ${(e as Error).message.replace(/\s+/g, ' ')}`, { path }, { cause: e });
  }
  const openFailed = (err: Error): TillqrError => {
    const hint = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ' (enable SPI: dtparam=spi=on in config.txt)' : '';
    return new TillqrError('PANEL_IO', `cannot open ${path}: ${err.message}${hint}`, { path }, { cause: err });
  };
  const device = await new Promise<SpiDevice>((resolve, reject) => {
    try {
      const dev = api.open(opts.bus, opts.device, { mode: 0, maxSpeedHz: opts.speedHz }, (err) => {
        if (err) reject(openFailed(err));
        else resolve(dev);
      });
    } catch (e) {
      // The native addon may throw instead of calling back (bad arguments, a binding that did not load whole).
      reject(openFailed(e instanceof Error ? e : new Error(String(e))));
    }
  });
  return new SpidevBus(device, path, opts.speedHz);
}

class SpidevBus implements SpiBus {
  readonly #device: SpiDevice;
  readonly #path: string;
  readonly #speedHz: number;
  #closed = false;

  constructor(device: SpiDevice, path: string, speedHz: number) {
    this.#device = device;
    this.#path = path;
    this.#speedHz = speedHz;
  }

  async transfer(bytes: Uint8Array): Promise<void> {
    if (this.#closed) throw new TillqrError('PANEL_IO', `${this.#path} is closed`, { path: this.#path });
    // The drivers already send at most SPI_MAX_TRANSFER bytes; split anyway so the kernel never refuses one.
    for (const part of chunks(bytes, SPI_MAX_TRANSFER)) await this.#one(part);
  }

  #one(part: Uint8Array): Promise<void> {
    const sendBuffer = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    return new Promise((resolve, reject) => {
      this.#device.transfer([{ sendBuffer, byteLength: part.byteLength, speedHz: this.#speedHz }], (err) => {
        if (err)
          reject(
            new TillqrError('PANEL_IO', `SPI write to ${this.#path} failed: ${err.message}`, { path: this.#path, bytes: part.byteLength }, { cause: err }),
          );
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#device.close(() => resolve()));
  }
}
