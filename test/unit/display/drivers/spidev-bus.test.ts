import { describe, expect, it } from 'vitest';
import { isTillqrError, type TillqrError } from '../../../../src/core/errors.js';
import { chunks } from '../../../../src/display/drivers/spi.js';
import { openSpidev, spidevPath } from '../../../../src/display/drivers/spidev-bus.js';

describe('spidev bus', () => {
  it('names the device node from bus and chip select', () => {
    expect(spidevPath({ bus: 0, device: 0, speedHz: 4_000_000 })).toBe('/dev/spidev0.0');
    expect(spidevPath({ bus: 1, device: 2, speedHz: 4_000_000 })).toBe('/dev/spidev1.2');
  });

  it('reports a missing spi-device package as PANEL_IO naming the device', async () => {
    const err = (await openSpidev({ bus: 0, device: 1, speedHz: 8_000_000 }, () => Promise.reject(new Error('Cannot find module'))).catch(
      (e: unknown) => e,
    )) as TillqrError;
    expect(isTillqrError(err, 'PANEL_IO')).toBe(true);
    expect(err.message).toContain('/dev/spidev0.1');
  });

  it('splits writes into views of at most 4096 bytes without copying', () => {
    const bytes = new Uint8Array(10_000).map((_, i) => i & 0xff);
    const parts = [...chunks(bytes)];
    expect(parts.map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(parts[1]!.buffer).toBe(bytes.buffer);
    expect(Buffer.concat(parts).equals(Buffer.from(bytes))).toBe(true);
    expect([...chunks(new Uint8Array(0))]).toEqual([]);
    expect(() => [...chunks(bytes, 0)]).toThrow(RangeError);
  });
});
