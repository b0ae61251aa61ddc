/**
 * The SPI layer the e-paper drivers write through: write-only transfers of at most
 * SPI_MAX_TRANSFER bytes (the Linux spidev default `bufsiz`). The real bus is spidev
 * (`spidev-bus.ts`); the simulated controller (`sim-epaper-device.ts`) implements the same
 * interface.
 */
export const SPI_MAX_TRANSFER = 4096;

export interface SpiBus {
  /** Clock `bytes` out (MOSI) with chip select held for the transfer; at most SPI_MAX_TRANSFER bytes. */
  transfer(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Views of `bytes` no longer than `max` each, in order (no copies). */
export function* chunks(bytes: Uint8Array, max = SPI_MAX_TRANSFER): Generator<Uint8Array> {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`chunk size must be a positive integer, got ${max}`);
  for (let off = 0; off < bytes.length; off += max) yield bytes.subarray(off, Math.min(bytes.length, off + max));
}
