import { describe, expect, it } from 'vitest';
import { REFERENCE_TIMING, glassTime } from '../../../../bench/charge-to-glass.js';
import { PANELS } from '../../../../src/display/panels.js';
import { noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

describe('bench: charge → QR on the glass, timed from the reference figures', () => {
  it('a full refresh takes at least the waveform plus the SPI time of both planes at the configured clock', async () => {
    const info = PANELS['waveshare-2in9-v2'];
    const idle = noiseFrame(info.width, info.height, 61);
    const charge = withBox(idle, 0, 0, 128, 200);
    const slow = await glassTime('waveshare-2in9-v2', idle, charge, 'full', 4_000_000);
    const fast = await glassTime('waveshare-2in9-v2', idle, charge, 'full', 10_000_000);
    const planesMs = (2 * 16 * 296 * 8 * 1000) / 4_000_000; // 18.9 ms on the wire at 4 MHz
    expect(slow.mode).toBe('full');
    expect(slow.glassMs).toBeGreaterThanOrEqual(REFERENCE_TIMING['waveshare-2in9-v2'].timing.fullMs! + planesMs);
    expect(slow.glassMs - fast.glassMs).toBeCloseTo(planesMs * (1 - 4 / 10), 0);
  });

  it('the 7.5" partial runs the fast partial waveform: under a fifth of the full path', async () => {
    const info = PANELS['waveshare-7in5-v2'];
    const idle = noiseFrame(info.width, info.height, 62);
    const charge = withBox(idle, 200, 100, 400, 280);
    const full = await glassTime('waveshare-7in5-v2', idle, charge, 'full', 4_000_000);
    const partial = await glassTime('waveshare-7in5-v2', idle, charge, 'partial', 4_000_000);
    expect(partial.waveform).toBe('partial');
    expect(partial.glassMs).toBeLessThan(full.glassMs / 5);
  });
});
