/**
 * Acceptance: on every panel, in every rotation, the rendered `charge` and `idle` frames decode
 * with jsQR to exactly the payload, for EMV and URL payloads up to the largest length that fits.
 * LIMITS states that length per panel (with the sample screens' text, English UI); one more
 * character must give QR_TOO_LARGE (which the daemon turns into an `error` screen).
 */
import { describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { PANEL_IDS, type PanelId } from '../../../src/display/config.js';
import { PANELS } from '../../../src/display/panels.js';
import { Renderer } from '../../../src/display/render/renderer.js';
import { sampleScreen } from '../../../src/display/render/samples.js';
import type { Rotation } from '../../../src/display/render/to-frame.js';
import { decodeFrame, emvPayload, urlPayload } from './payloads.js';

/**
 * Largest payload (characters) per panel: `upright` is rotation 0 and 180 (native orientation),
 * `turned` is 90 and 270. The e-paper 2.13" and 2.9" hold a version-9 code at 2 px per module;
 * the 7.5" reaches the QR standard's own maximum (version 40).
 */
const LIMITS: Record<PanelId, { upright: { emv: number; url: number }; turned: { emv: number; url: number } }> = {
  'waveshare-2in13-v4': { upright: { emv: 342, url: 230 }, turned: { emv: 342, url: 230 } },
  'waveshare-2in9-v2': { upright: { emv: 342, url: 230 }, turned: { emv: 342, url: 230 } },
  'waveshare-4in2-v2': { upright: { emv: 1709, url: 1171 }, turned: { emv: 2683, url: 1840 } },
  'waveshare-7in5-v2': { upright: { emv: 4299, url: 2953 }, turned: { emv: 4299, url: 2953 } },
  'lcd-240x240': { upright: { emv: 541, url: 367 }, turned: { emv: 541, url: 367 } },
  'lcd-320x240': { upright: { emv: 1050, url: 718 }, turned: { emv: 1464, url: 1003 } },
  'lcd-480x320': { upright: { emv: 2523, url: 1732 }, turned: { emv: 3013, url: 2068 } },
};

const ROTATIONS: readonly Rotation[] = [0, 90, 180, 270];
const KINDS = { emv: { make: emvPayload, shortest: 130 }, url: { make: urlPayload, shortest: 30 } } as const;

const renderer = new Renderer();

function render(screen: 'charge' | 'idle', panel: PanelId, rotation: Rotation, qr: string) {
  return renderer.render(sampleScreen(screen, { qr, lang: 'en' }), PANELS[panel], rotation, 'en');
}

describe.each(PANEL_IDS.map((id) => [id]))('QR on %s', (panel) => {
  for (const kind of ['emv', 'url'] as const) {
    const { make, shortest } = KINDS[kind];
    for (const rotation of ROTATIONS) {
      const limit = LIMITS[panel][rotation % 180 === 0 ? 'upright' : 'turned'][kind];
      for (const screen of ['charge', 'idle'] as const) {
        it(`${screen} @${rotation}°: ${kind} payloads of ${shortest} and ${limit} (the limit) decode exactly`, () => {
          for (const n of [shortest, limit]) {
            const payload = make(n);
            expect(payload).toHaveLength(n);
            expect(decodeFrame(render(screen, panel, rotation, payload))).toBe(payload);
          }
        });
        it(`${screen} @${rotation}°: a ${kind} payload of ${limit + 1} is QR_TOO_LARGE`, () => {
          let err: unknown;
          try {
            render(screen, panel, rotation, make(limit + 1));
          } catch (e) {
            err = e;
          }
          expect(isTillqrError(err, 'QR_TOO_LARGE')).toBe(true);
        });
      }
    }
    it(`${kind}: a payload halfway to the limit decodes (rotation 0)`, () => {
      const n = Math.round((shortest + LIMITS[panel].upright[kind]) / 2);
      expect(decodeFrame(render('charge', panel, 0, make(n)))).toBe(make(n));
    });
  }
});
