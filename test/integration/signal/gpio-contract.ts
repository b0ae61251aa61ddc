/**
 * The contract every Gpio driver keeps, run against the simulated driver and the sysfs driver
 * on a fake tree always, and against the sysfs driver on a real Pi (test/hardware). It needs an
 * output pin wired to an input pin (a jumper wire on the Pi, a wire in the simulators).
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import type { Gpio, Level } from '../../../src/signal/gpio.js';

export interface ContractRig {
  gpio: Gpio;
  /** BCM pin driven as an output, wired to `loopIn`. */
  loopOut: number;
  loopIn: number;
  /** A BCM number the chip does not have. */
  noSuchPin: number;
  cleanup(): Promise<void>;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isTillqrError(e) ? e.code : `not a TillqrError: ${String(e)}`;
  }
}

const waitOpts = { timeout: 5000, interval: 5 };

export function gpioContract(makeRig: () => Promise<ContractRig>): void {
  let rig: ContractRig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.gpio.close();
    await rig.cleanup();
  });

  it('an output level reaches the input wired to it', async () => {
    const out = await rig.gpio.output(rig.loopOut);
    const inp = await rig.gpio.input(rig.loopIn);
    for (const v of [1, 0, 1, 0] as const) {
      await out.write(v);
      await vi.waitFor(async () => expect(await inp.read()).toBe(v), waitOpts);
    }
  });

  it('the initial level is set when the output opens', async () => {
    const inp = await rig.gpio.input(rig.loopIn);
    await rig.gpio.output(rig.loopOut, { initial: 1 });
    await vi.waitFor(async () => expect(await inp.read()).toBe(1), waitOpts);
  });

  it('active-low inverts an output', async () => {
    const out = await rig.gpio.output(rig.loopOut, { activeLow: true });
    const inp = await rig.gpio.input(rig.loopIn);
    await vi.waitFor(async () => expect(await inp.read()).toBe(1), waitOpts); // logical 0 = physical 1
    await out.write(1);
    await vi.waitFor(async () => expect(await inp.read()).toBe(0), waitOpts);
  });

  it('active-low inverts an input and its edges', async () => {
    const out = await rig.gpio.output(rig.loopOut);
    const inp = await rig.gpio.input(rig.loopIn, { activeLow: true });
    expect(await inp.read()).toBe(1);
    const falling: Level[] = [];
    inp.watch('falling', (v) => falling.push(v));
    await out.write(1);
    await vi.waitFor(() => expect(falling).toEqual([0]), waitOpts);
    expect(await inp.read()).toBe(0);
  });

  it('watch reports edges of the wanted direction, and nothing after unwatch', async () => {
    const out = await rig.gpio.output(rig.loopOut);
    const inp = await rig.gpio.input(rig.loopIn, { debounceMs: 0 });
    const rising: Level[] = [];
    const falling: Level[] = [];
    const stopRising = inp.watch('rising', (v) => rising.push(v));
    inp.watch('falling', (v) => falling.push(v));
    await out.write(1);
    await vi.waitFor(() => expect(rising).toEqual([1]), waitOpts);
    await out.write(0);
    await vi.waitFor(() => expect(falling).toEqual([0]), waitOpts);
    stopRising();
    await out.write(1);
    // Hold the pulse long enough for any edge source (a polling one included) to see it.
    await new Promise((r) => setTimeout(r, 60));
    await out.write(0);
    await vi.waitFor(() => expect(falling).toEqual([0, 0]), waitOpts);
    expect(rising).toEqual([1]);
  });

  it('debounce merges a burst of changes into one edge', async () => {
    const out = await rig.gpio.output(rig.loopOut);
    const inp = await rig.gpio.input(rig.loopIn, { debounceMs: 200 });
    const seen: Level[] = [];
    inp.watch('both', (v) => seen.push(v));
    for (const v of [1, 0, 1, 0, 1] as const) await out.write(v);
    await vi.waitFor(() => expect(seen).toEqual([1]), waitOpts);
  });

  it('a pin cannot be opened twice; after close it can', async () => {
    const a = await rig.gpio.output(rig.loopOut);
    expect(await codeOf(rig.gpio.output(rig.loopOut))).toBe('GPIO_BUSY');
    expect(await codeOf(rig.gpio.input(rig.loopOut))).toBe('GPIO_BUSY');
    await a.close();
    expect(await codeOf(a.write(1))).toBe('GPIO_IO');
    const b = await rig.gpio.output(rig.loopOut);
    await b.write(1);
  });

  it('a pin the chip does not have is GPIO_NO_LINE', async () => {
    expect(await codeOf(rig.gpio.output(rig.noSuchPin))).toBe('GPIO_NO_LINE');
  });

  it('Gpio.close releases every line', async () => {
    const out = await rig.gpio.output(rig.loopOut);
    const inp = await rig.gpio.input(rig.loopIn);
    await rig.gpio.close();
    expect(await codeOf(out.write(1))).toBe('GPIO_IO');
    expect(await codeOf(inp.read())).toBe('GPIO_IO');
    expect(await codeOf(rig.gpio.output(rig.loopIn))).toBe('resolved');
  });
}
