import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RefreshMode } from '../../../../src/display/panel.js';
import { PANELS } from '../../../../src/display/panels.js';
import { EPAPER_IDS, makeRig, noiseFrame, withBox } from '../../../helpers/epaper-rig.js';

/**
 * Whatever sequence of frames and modes the scheduler sends, the simulated panel ends up showing
 * exactly the last frame, the driver never breaks the protocol, and no SPI transfer exceeds 4096.
 */
describe.each(EPAPER_IDS)('%s: any sequence of updates', (id) => {
  const info = PANELS[id];
  const change = fc.record({
    x: fc.integer({ min: 0, max: info.width - 1 }),
    y: fc.integer({ min: 0, max: info.height - 1 }),
    w: fc.integer({ min: 1, max: 64 }),
    h: fc.integer({ min: 1, max: 64 }),
    mode: fc.constantFrom<RefreshMode>('partial', 'partial', 'full'),
  });

  it('shows the last frame, keeps the protocol, chunks to <= 4096', async () => {
    const base = noiseFrame(info.width, info.height, 41);
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 5 }), async (changes) => {
        const rig = makeRig(id, { timing: { fullMs: 30, partialMs: 10, powerMs: 5 } });
        let frame = base;
        await rig.show(frame, 'full');
        for (const c of changes) {
          frame = withBox(frame, c.x, c.y, Math.min(c.w, info.width - c.x), Math.min(c.h, info.height - c.y));
          await rig.show(frame, c.mode);
          // Buffer comparison: a deep toEqual over 48 kB per step is what would make this test slow.
          expect(Buffer.from(rig.device.screen).equals(Buffer.from(frame.data))).toBe(true);
        }
        expect(rig.device.violations).toEqual([]);
        expect(Math.max(...rig.device.transfers)).toBeLessThanOrEqual(4096);
      }),
      { numRuns: 12 },
    );
  });
});
