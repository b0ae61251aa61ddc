import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Button } from '../../../src/signal/button.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';

const PIN = 26;

async function rig(opts: { heldAtStart?: boolean } = {}) {
  const clock = new FakeClock(0);
  const gpio = new SimGpio({ clock });
  if (opts.heldAtStart === true) gpio.setLevel(PIN, 0); // active-low: pressed
  const line = await gpio.input(PIN, { activeLow: true, debounceMs: 30 });
  const button = new Button({ line, clock, logger: silentLogger, longPressMs: 1500 });
  await button.start();
  const events: [number, string][] = [];
  button.on('short', () => events.push([clock.now(), 'short']));
  button.on('long', () => events.push([clock.now(), 'long']));
  return { clock, gpio, button, events };
}

describe('Button', () => {
  it('a bouncy short press gives one short event, at release', async () => {
    const { clock, gpio, events } = await rig();
    expect(gpio.level(PIN)).toBe(1); // pulled up, not pressed
    gpio.bounce(PIN, 1, 5, 2); // press with 5 bounces
    clock.advance(300);
    gpio.bounce(PIN, 0, 3, 2); // release with 3 bounces
    clock.advance(300);
    expect(events).toEqual([[336, 'short']]);
  });

  it('a long press fires while still held, and its release gives nothing', async () => {
    const { clock, gpio, events, button } = await rig();
    gpio.press(PIN);
    clock.advance(1529);
    expect(events).toEqual([]);
    clock.advance(1);
    expect(events).toEqual([[1530, 'long']]); // 30 ms debounce + 1500 ms hold
    expect(button.pressed).toBe(true);
    clock.advance(5000);
    gpio.release(PIN);
    clock.advance(100);
    expect(events).toEqual([[1530, 'long']]);
  });

  it('a glitch shorter than the debounce time is no press', async () => {
    const { clock, gpio, events } = await rig();
    gpio.press(PIN);
    clock.advance(10);
    gpio.release(PIN);
    clock.advance(2000);
    expect(events).toEqual([]);
  });

  it('a button held when watching starts is ignored until released', async () => {
    const { clock, gpio, events } = await rig({ heldAtStart: true });
    clock.advance(5000);
    gpio.release(PIN);
    clock.advance(100);
    expect(events).toEqual([]);
    gpio.pressFor(PIN, 200);
    clock.advance(1000);
    expect(events).toEqual([[5330, 'short']]);
  });

  it('close stops events and releases the line', async () => {
    const { clock, gpio, events, button } = await rig();
    gpio.press(PIN);
    clock.advance(100);
    await button.close();
    clock.advance(5000);
    expect(events).toEqual([]);
    expect(gpio.isOpen(PIN)).toBe(false);
  });
});
