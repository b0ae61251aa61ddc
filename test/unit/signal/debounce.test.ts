import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { EdgeDebouncer } from '../../../src/signal/debounce.js';
import type { Level } from '../../../src/signal/gpio.js';

describe('EdgeDebouncer', () => {
  it('reports one edge for a bouncing contact, debounceMs after the last bounce', () => {
    const clock = new FakeClock(0);
    const d = new EdgeDebouncer({ clock, debounceMs: 30, initial: 0 });
    const seen: [number, Level][] = [];
    d.add('both', (v) => seen.push([clock.now(), v]));
    for (const [t, v] of [
      [0, 1],
      [2, 0],
      [3, 1],
      [7, 0],
      [9, 1],
    ] as const) {
      clock.advance(t - clock.now());
      d.raw(v);
    }
    clock.advance(100);
    expect(seen).toEqual([[39, 1]]);
  });

  it('filters by edge and reports every change at once with debounce 0', () => {
    const clock = new FakeClock(0);
    const d = new EdgeDebouncer({ clock, debounceMs: 0, initial: 1 });
    const falling: Level[] = [];
    const rising: Level[] = [];
    d.add('falling', (v) => falling.push(v));
    d.add('rising', (v) => rising.push(v));
    d.raw(1); // no change
    d.raw(0);
    d.raw(1);
    d.raw(0);
    expect(falling).toEqual([0, 0]);
    expect(rising).toEqual([1]);
  });

  it('a bounce that returns to the stable level reports nothing', () => {
    const clock = new FakeClock(0);
    const d = new EdgeDebouncer({ clock, debounceMs: 20, initial: 0 });
    const seen: Level[] = [];
    d.add('both', (v) => seen.push(v));
    d.raw(1);
    clock.advance(5);
    d.raw(0);
    clock.advance(100);
    expect(seen).toEqual([]);
  });

  it('samples the line when the bounce settles, when a sampler is given', async () => {
    const clock = new FakeClock(0);
    let line: Level = 1;
    const d = new EdgeDebouncer({ clock, debounceMs: 10, initial: 0, sample: () => Promise.resolve(line) });
    const seen: Level[] = [];
    d.add('both', (v) => seen.push(v));
    d.raw(0); // the interrupt saw 0, but the line is at 1 when it settles
    clock.advance(10);
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual([1]);
    line = 0;
    d.raw(1);
    clock.advance(10);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([1, 0]);
  });

  it('property: settled edges alternate, never outnumber raw changes, and end at the last raw level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom<Level>(0, 1)), { maxLength: 60 }),
        fc.integer({ min: 0, max: 50 }),
        (events, debounceMs) => {
          const clock = new FakeClock(0);
          const d = new EdgeDebouncer({ clock, debounceMs, initial: 0 });
          const seen: Level[] = [];
          d.add('both', (v) => seen.push(v));
          let changes = 0;
          let last: Level = 0;
          for (const [gap, v] of events) {
            clock.advance(gap);
            if (v !== last) changes++;
            last = v;
            d.raw(v);
          }
          clock.advance(debounceMs + 1);
          for (let i = 0; i < seen.length; i++) if (seen[i] === (i === 0 ? 0 : seen[i - 1])) return false;
          return seen.length <= changes && d.stable === last;
        },
      ),
    );
  });

  it('stops reporting after close and after a listener is removed', () => {
    const clock = new FakeClock(0);
    const d = new EdgeDebouncer({ clock, debounceMs: 0, initial: 0 });
    const a: Level[] = [];
    const b: Level[] = [];
    const offA = d.add('both', (v) => a.push(v));
    d.add('both', (v) => b.push(v));
    d.raw(1);
    offA();
    d.raw(0);
    d.close();
    d.raw(1);
    expect(a).toEqual([1]);
    expect(b).toEqual([1, 0]);
  });
});
