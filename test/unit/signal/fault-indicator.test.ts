import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { ActiveBuzzer } from '../../../src/signal/buzzer.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';
import { FaultIndicator } from '../../../src/signal/fault-indicator.js';
import { LineLed } from '../../../src/signal/led.js';
import { PatternIndicator } from '../../../src/signal/pattern-indicator.js';
import { PATTERNS, patternDurationMs } from '../../../src/signal/patterns.js';
import { localMinutes } from '../../../src/signal/quiet-hours.js';

const GREEN = 5;
const RED = 6;
const BUZZ = 13;

async function rig() {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
  const gpio = new SimGpio({ clock });
  const led = new LineLed({ green: await gpio.output(GREEN), red: await gpio.output(RED) });
  const inner = new PatternIndicator({
    led,
    buzzer: new ActiveBuzzer(await gpio.output(BUZZ)),
    clock,
    logger: silentLogger,
    config: { volume: 'on', ledOnly: false },
    localMinutes: localMinutes('UTC'),
  });
  const indicator = new FaultIndicator({ inner, clock });
  const level = (pin: number): number => gpio.writes.filter((w) => w.pin === pin).at(-1)?.value ?? 0;
  return { clock, gpio, inner, indicator, level };
}

describe('FaultIndicator', () => {
  it('shows the fault pattern instead of the ambient ones while the fault lasts, then the last ambient one', async () => {
    const { clock, inner, indicator, level } = await rig();
    indicator.play('offline');
    expect(inner.status().event).toBe('offline');
    indicator.setFault(true);
    expect(inner.status().event).toBe('fault');
    // The device keeps asking for its ambient patterns: the fault stays.
    indicator.play('idle');
    indicator.play('provisioning');
    expect(inner.status().event).toBe('fault');
    // Red, then amber (red and green together on a two-colour LED): never green alone.
    clock.advance(100);
    expect([level(RED), level(GREEN)]).toEqual([1, 0]);
    clock.advance(250);
    expect([level(RED), level(GREEN)]).toEqual([1, 1]);
    indicator.setFault(false);
    expect(inner.status().event).toBe('provisioning');
  });

  it('lets a one-shot pattern (a real payment confirmed meanwhile) play whole, then shows the fault again', async () => {
    const { clock, inner, indicator, level } = await rig();
    indicator.setFault(true);
    indicator.play('paid');
    expect(inner.status().event).toBe('paid');
    // The screen going idle right after must not cut the melody.
    indicator.play('idle');
    clock.advance(patternDurationMs(PATTERNS.paid) - 10);
    expect(inner.status().event).toBe('paid');
    expect(level(GREEN)).toBe(1);
    clock.advance(200);
    expect(inner.status().event).toBe('fault');
    expect(level(BUZZ)).toBe(0);
  });

  it('is transparent while there is no fault', async () => {
    const { clock, inner, indicator } = await rig();
    indicator.play('waiting');
    expect(inner.status().event).toBe('waiting');
    indicator.play('paid');
    clock.advance(patternDurationMs(PATTERNS.paid) + 1000);
    expect(inner.status().event).toBeUndefined();
  });
});
