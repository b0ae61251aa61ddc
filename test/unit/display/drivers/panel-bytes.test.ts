import { describe, expect, it } from 'vitest';
import { measurePanelBytes } from '../../../../bench/panel-bytes.js';

describe('bench: bytes per panel update', () => {
  it('counts two RAM planes per full update and two window copies per partial one, plus a small command overhead', async () => {
    const rows = new Map((await measurePanelBytes()).map((r) => [r.metric, r.value]));
    const get = (m: string): number => {
      const v = rows.get(m);
      if (v === undefined) throw new Error(`no row ${m}`);
      return v;
    };
    // 2.9" V2: planes of 16 x 296 bytes; the 64x24 px change at x = 16 is 8 bytes x 24 rows; partial also loads a 153-byte LUT.
    const full = get('bytes per full update, waveshare-2in9-v2');
    const partial = get('bytes per partial update (64x24 px change), waveshare-2in9-v2');
    expect(full - 2 * 16 * 296).toBeGreaterThan(0);
    expect(full - 2 * 16 * 296).toBeLessThan(100);
    expect(partial - 2 * 8 * 24 - 154).toBeGreaterThan(0);
    expect(partial - 2 * 8 * 24 - 154).toBeLessThan(100);
    // 7.5" V2: old and new planes of 100 x 480 bytes.
    expect(get('bytes per full update, waveshare-7in5-v2') - 2 * 100 * 480).toBeLessThan(100);
    expect(get('bytes per frame (RGB565, one write), lcd-320x240')).toBe(320 * 240 * 2);
  });
});
