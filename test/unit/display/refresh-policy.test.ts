import { describe, expect, it } from 'vitest';
import { createFrame, type Frame } from '../../../src/display/frame.js';
import { PANELS } from '../../../src/display/panels.js';
import { decideRefresh, type RefreshHistory } from '../../../src/display/refresh-policy.js';
import { noiseFrame, withBox } from '../../helpers/epaper-rig.js';

const epaper = PANELS['waveshare-2in9-v2'];
const lcd = PANELS['lcd-320x240'];
const opts = { partialRefreshLimit: 10, largeChangeRatio: 0.5 };
const base = noiseFrame(epaper.width, epaper.height, 1);
const small = withBox(base, 0, 0, 40, 16);
const shown = (f: Frame, partials = 0, failed = false): RefreshHistory => ({ lastFrame: f, partialsSinceFull: partials, lastFailed: failed });

describe('decideRefresh', () => {
  it('draws the first frame in full', () => {
    expect(decideRefresh(epaper, { lastFrame: undefined, partialsSinceFull: 0, lastFailed: false }, base, false, opts)).toEqual({
      mode: 'full',
      reason: 'first-frame',
    });
  });

  it('draws a small change (countdown, status line) partially', () => {
    expect(decideRefresh(epaper, shown(base), small, false, opts)).toEqual({ mode: 'partial', reason: 'small-change' });
  });

  it('draws a screen change in full even when little changed', () => {
    expect(decideRefresh(epaper, shown(base), small, true, opts)).toEqual({ mode: 'full', reason: 'screen-changed' });
  });

  it('draws in full after N partials to clear ghosting, and N = 0 means always full', () => {
    expect(decideRefresh(epaper, shown(base, 9), small, false, opts).mode).toBe('partial');
    expect(decideRefresh(epaper, shown(base, 10), small, false, opts)).toEqual({ mode: 'full', reason: 'partial-limit' });
    expect(decideRefresh(epaper, shown(base, 0), small, false, { ...opts, partialRefreshLimit: 0 })).toEqual({ mode: 'full', reason: 'partial-limit' });
  });

  it('draws a change over more than half the panel in full', () => {
    const big = withBox(base, 0, 0, epaper.width, Math.ceil(epaper.height * 0.6));
    expect(decideRefresh(epaper, shown(base), big, false, opts)).toEqual({ mode: 'full', reason: 'large-change' });
  });

  it('skips a frame identical to the one shown, unless the screen changed', () => {
    const same = { ...base, data: base.data.slice() };
    expect(decideRefresh(epaper, shown(base), same, false, opts)).toEqual({ mode: 'skip', reason: 'unchanged' });
    expect(decideRefresh(epaper, shown(base), same, true, opts).mode).toBe('full');
  });

  it('draws in full after a failed refresh (the panel content is unknown)', () => {
    expect(decideRefresh(epaper, shown(base, 0, true), small, false, opts)).toEqual({ mode: 'full', reason: 'after-error' });
  });

  it('always draws full on a panel without partial refresh', () => {
    const a = createFrame(lcd.width, lcd.height);
    const b = withBox(a, 0, 0, 8, 8);
    expect(decideRefresh(lcd, shown(a), b, false, opts)).toEqual({ mode: 'full', reason: 'no-partial' });
  });
});
