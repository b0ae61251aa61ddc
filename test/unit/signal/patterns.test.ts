import { describe, expect, it } from 'vitest';
import type { SignalEvent } from '../../../src/signal/indicator.js';
import { PATTERNS, patternSchema, type Pattern } from '../../../src/signal/patterns.js';

const EVENTS: readonly SignalEvent[] = ['waiting', 'paid', 'failed', 'expired', 'cancelled', 'offline', 'provisioning', 'updating', 'idle', 'test', 'fault'];

/** What an active buzzer (one pitch) makes of a pattern: alternating on/off durations. */
function activeRhythm(p: Pattern): number[] {
  const out: number[] = [];
  let on = false;
  let acc = 0;
  for (const st of p.steps) {
    const now = st.hz > 0;
    if (now !== on && acc > 0) {
      out.push(acc);
      acc = 0;
    }
    on = now;
    acc += st.ms;
  }
  if (on) out.push(acc);
  return out;
}

describe('built-in patterns', () => {
  it('one valid pattern per SignalEvent', () => {
    expect(Object.keys(PATTERNS).sort()).toEqual([...EVENTS].sort());
    for (const e of EVENTS) {
      const r = patternSchema.safeParse(PATTERNS[e]);
      expect(r.ok, `${e}: ${r.ok ? '' : r.issues.map((i) => i.message).join('; ')}`).toBe(true);
    }
  });

  it('paid is the only pattern with three rising notes and the only one sounding three times', () => {
    const notes = (p: Pattern) => p.steps.filter((s) => s.hz > 0).map((s) => s.hz);
    const paid = notes(PATTERNS.paid);
    expect(paid).toHaveLength(3);
    expect(paid[0]! < paid[1]! && paid[1]! < paid[2]!).toBe(true);
    for (const e of EVENTS.filter((x) => x !== 'paid' && x !== 'test')) {
      expect(notes(PATTERNS[e]).length, e).toBeLessThan(3);
    }
  });

  it('on an active buzzer, paid still sounds different from every other event', () => {
    const paid = JSON.stringify(activeRhythm(PATTERNS.paid));
    for (const e of EVENTS.filter((x) => x !== 'paid')) expect(JSON.stringify(activeRhythm(PATTERNS[e])), e).not.toBe(paid);
  });

  it('fault (the panel cannot be opened) loops silently, never lights green and looks like no other pattern', () => {
    const f = PATTERNS.fault;
    expect(f.loopFrom).toBe(0);
    expect(f.steps.every((st) => st.hz === 0 && st.led !== 'green')).toBe(true);
    const leds = (p: Pattern) => JSON.stringify(p.steps.map((st) => [st.led, st.ms]));
    for (const e of EVENTS.filter((x) => x !== 'fault')) expect(leds(PATTERNS[e]), e).not.toBe(leds(f));
    // The only loop with both red and amber in it.
    for (const e of EVENTS.filter((x) => x !== 'fault')) {
      const colours = new Set(PATTERNS[e].steps.slice(PATTERNS[e].loopFrom ?? PATTERNS[e].steps.length).map((st) => st.led));
      expect(colours.has('red') && colours.has('amber'), e).toBe(false);
    }
  });

  it('looping patterns are silent after their first pass (no nagging while nothing happens)', () => {
    for (const e of EVENTS) {
      const p = PATTERNS[e];
      if (p.loopFrom === undefined) continue;
      expect(
        p.steps.slice(p.loopFrom).every((s) => s.hz === 0),
        e,
      ).toBe(true);
    }
  });

  it('the schema refuses a broken pattern with the reason', () => {
    const bad = patternSchema.safeParse({ steps: [{ led: 'green', hz: 5, ms: 0 }], loopFrom: 3 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.map((i) => i.path)).toEqual(['steps[0].hz', 'steps[0].ms']);
    const tight = patternSchema.safeParse({ steps: [{ led: 'green', hz: 0, ms: 10 }], loopFrom: 0 });
    expect(tight.ok).toBe(false);
    if (!tight.ok) expect(tight.issues[0]!.message).toContain('a loop lasting at least 100 ms');
    const outOfRange = patternSchema.safeParse({ steps: [{ led: 'blue', hz: 0, ms: 10 }] });
    expect(outOfRange.ok).toBe(false);
  });
});
