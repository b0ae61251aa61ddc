import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { SimGpio } from '../../../src/signal/drivers/sim-gpio.js';

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isTillqrError(e) ? e.code : 'not a TillqrError';
  }
};

describe('SimGpio as a scriptable device', () => {
  it('records writes with clock times, logical and physical levels', async () => {
    const clock = new FakeClock(1000);
    const gpio = new SimGpio({ clock });
    const led = await gpio.output(5, { activeLow: true });
    expect(gpio.level(5)).toBe(1);
    expect(gpio.value(5)).toBe(0);
    await led.write(1);
    clock.advance(250);
    await led.write(0);
    expect(gpio.history(5)).toEqual([
      { at: 1000, pin: 5, value: 1, level: 0 },
      { at: 1250, pin: 5, value: 0, level: 1 },
    ]);
    expect(gpio.direction(5)).toBe('out');
  });

  it('emits write and level events for observers', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock });
    const writes: number[] = [];
    const levels: [number, number][] = [];
    gpio.onWrite((w) => writes.push(w.value));
    const off = gpio.onLevel((c) => levels.push([c.pin, c.level]));
    const line = await gpio.output(17);
    await line.write(1);
    await line.write(1); // same level: a write, not a level change
    off();
    await line.write(0);
    expect(writes).toEqual([1, 1, 0]);
    expect(levels).toEqual([
      [17, 0],
      [17, 1],
    ]);
  });

  it('inputs are driven by tests and watched with edges', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock });
    const busy = await gpio.input(24);
    const seen: number[] = [];
    const stop = busy.watch('falling', (v) => seen.push(v));
    gpio.setLevel(24, 1);
    expect(await busy.read()).toBe(1);
    gpio.setLevel(24, 0);
    stop();
    gpio.setLevel(24, 1);
    gpio.setLevel(24, 0);
    expect(seen).toEqual([0]);
    await expect(gpio.output(24)).rejects.toMatchObject({ code: 'GPIO_BUSY' });
    expect(() => gpio.setLevel(25, 1)).not.toThrow(); // a pin nothing opened can be driven too
  });

  it('a wire makes an input follow an output (e.g. a BUSY line scripted from RST), with a delay', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock });
    gpio.wire(17, 24, { invert: true, delayMs: 100 });
    const rst = await gpio.output(17, { initial: 1 });
    const busy = await gpio.input(24);
    const seen: [number, number][] = [];
    busy.watch('both', (v) => seen.push([clock.now(), v]));
    clock.advance(100);
    await rst.write(0);
    clock.advance(99);
    expect(await busy.read()).toBe(0);
    clock.advance(1);
    expect(await busy.read()).toBe(1);
    await rst.write(1);
    clock.advance(100);
    expect(seen).toEqual([
      [199 + 1, 1],
      [300, 0],
    ]);
  });

  it('fails like the real driver: no line, busy, kernel-held pin, permission, no sysfs, closed line', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock, lines: 54, kernelClaimed: { 8: 'spi0 CS0' } });
    expect(await codeOf(gpio.output(54))).toBe('GPIO_NO_LINE');
    expect(await codeOf(gpio.output(-1))).toBe('GPIO_NO_LINE');
    expect(await codeOf(gpio.output(8))).toBe('GPIO_BUSY');
    await expect(gpio.output(8)).rejects.toThrow(/spi0 CS0.*config\.txt/);
    const a = await gpio.output(5);
    expect(await codeOf(gpio.input(5))).toBe('GPIO_BUSY');
    await a.close();
    expect(await codeOf(a.write(1))).toBe('GPIO_IO');
    expect(await codeOf(gpio.input(5))).toBe('resolved');
    gpio.permissionDenied = true;
    await expect(gpio.output(6)).rejects.toThrow(/usermod -aG gpio tillqr/);
    gpio.unavailable = true;
    expect(await codeOf(gpio.output(6))).toBe('GPIO_UNAVAILABLE');
    gpio.claimByKernel(8, undefined);
    gpio.unavailable = false;
    gpio.permissionDenied = false;
    expect(await codeOf(gpio.output(8))).toBe('resolved');
  });

  it('scripted faults fail reads and writes until cleared', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock });
    const out = await gpio.output(5);
    const inp = await gpio.input(6);
    gpio.fault(5, 'broken wire');
    gpio.fault(6, 'broken wire');
    expect(await codeOf(out.write(1))).toBe('GPIO_IO');
    expect(await codeOf(inp.read())).toBe('GPIO_IO');
    gpio.fault(5, undefined);
    expect(await codeOf(out.write(1))).toBe('resolved');
  });

  it('keeps a bounded history', async () => {
    const clock = new FakeClock(0);
    const gpio = new SimGpio({ clock, historyLimit: 3 });
    const out = await gpio.output(5);
    for (let i = 0; i < 10; i++) await out.write(i % 2 === 0 ? 1 : 0);
    expect(gpio.writes).toHaveLength(3);
    expect(gpio.writes.at(-1)?.value).toBe(0);
  });
});
