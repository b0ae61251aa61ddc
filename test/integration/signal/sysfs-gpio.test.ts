import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { SysfsGpio, type SysfsGpioOptions } from '../../../src/signal/drivers/sysfs-gpio.js';
import { FakeSysfs, PI3_OLD_CHIPS, PI4_CHIPS, PI5_CHIPS, type FakeGpioChip } from './fake-sysfs.js';

const fakes: FakeSysfs[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.cleanup()));
});

async function rig(chips: readonly FakeGpioChip[] = PI5_CHIPS, opts: Partial<SysfsGpioOptions> = {}, noGpio = false) {
  const fake = await FakeSysfs.create({ chips, noGpio });
  fakes.push(fake);
  const sink = memorySink();
  const gpio = new SysfsGpio({ clock: systemClock(), logger: createLogger('gpio', { sink }), root: fake.gpioRoot, fs: fake, pollMs: 5, ...opts });
  return { fake, gpio, sink };
}

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isTillqrError(e)) return e;
    throw e;
  }
  throw new Error('expected a TillqrError');
}

describe('sysfs numbering and chip discovery', () => {
  it.each([
    ['Pi 5, kernel 6.6+', PI5_CHIPS, 571],
    ['Pi 4, kernel 6.6+', PI4_CHIPS, 512],
    ['Pi 3, old kernel', PI3_OLD_CHIPS, 0],
  ] as const)('%s: BCM n is sysfs base + n', async (_name, chips, base) => {
    const { fake, gpio } = await rig(chips);
    expect((await gpio.chip()).base).toBe(base);
    const line = await gpio.output(5);
    expect(fake.log).toEqual([
      ['class/gpio/export', String(base + 5)],
      [`class/gpio/gpio${base + 5}/active_low`, '0'],
      [`class/gpio/gpio${base + 5}/direction`, 'low'],
    ]);
    await line.write(1);
    expect(await fake.attr(`class/gpio/gpio${base + 5}/value`)).toBe('1');
    await line.close();
    expect(fake.log.at(-1)).toEqual(['class/gpio/unexport', String(base + 5)]);
    expect(await fake.exists(`${fake.gpioRoot}/gpio${base + 5}`)).toBe(false);
  });

  it('a chip label can be named explicitly', async () => {
    const { gpio } = await rig(PI4_CHIPS, { chipLabel: 'raspberrypi-exp-gpio' });
    expect((await gpio.chip()).base).toBe(570);
    expect((await errorOf(gpio.output(8))).code).toBe('GPIO_NO_LINE');
  });

  it('no header chip: GPIO_UNAVAILABLE naming the chips it saw', async () => {
    const { gpio } = await rig([{ base: 512, ngpio: 32, label: 'gpio-brcmstb@107d508500' }]);
    const e = await errorOf(gpio.output(5));
    expect(e.code).toBe('GPIO_UNAVAILABLE');
    expect(e.message).toContain('gpiochip512 "gpio-brcmstb@107d508500"');
    expect(e.message).toContain('pinctrl-rp1');
  });

  it('no sysfs GPIO at all: GPIO_UNAVAILABLE saying what the kernel needs', async () => {
    const { gpio } = await rig(PI5_CHIPS, {}, true);
    const e = await errorOf(gpio.input(24));
    expect(e.code).toBe('GPIO_UNAVAILABLE');
    expect(e.message).toContain('CONFIG_GPIO_SYSFS');
  });

  it('a pin beyond the chip: GPIO_NO_LINE, nothing exported', async () => {
    const { gpio, fake } = await rig(PI5_CHIPS);
    const e = await errorOf(gpio.output(54));
    expect(e.code).toBe('GPIO_NO_LINE');
    expect(e.message).toContain('BCM pin numbers');
    expect(fake.log).toEqual([]);
  });
});

describe('busy and permission errors', () => {
  it('a pin held by a kernel driver (EBUSY on export): GPIO_BUSY pointing at config.txt', async () => {
    const { gpio, fake } = await rig();
    fake.kernelClaimed.add(571 + 8);
    const e = await errorOf(gpio.output(8));
    expect(e.code).toBe('GPIO_BUSY');
    expect(e.message).toMatch(/kernel driver.*config\.txt/);
    // The failed open does not leave the pin reserved in this process.
    fake.kernelClaimed.delete(571 + 8);
    await expect(gpio.output(8)).resolves.toBeDefined();
  });

  it('the same pin twice in one process: GPIO_BUSY naming the config keys', async () => {
    const { gpio } = await rig();
    await gpio.output(5);
    const [a, b] = await Promise.allSettled([gpio.input(6), gpio.input(6)]);
    expect(a.status).toBe('fulfilled');
    expect(b.status === 'rejected' && isTillqrError(b.reason, 'GPIO_BUSY')).toBe(true);
    const e = await errorOf(gpio.output(5));
    expect(e.code).toBe('GPIO_BUSY');
    expect(e.message).toContain('signal.led');
  });

  it('a line exported by someone else: taken over (active_low reset), or GPIO_BUSY when told not to', async () => {
    const { gpio, fake, sink } = await rig();
    await fake.exportByOther(571 + 17, 'out', '1');
    const line = await gpio.output(17, { initial: 1 });
    expect(await fake.attr('class/gpio/gpio588/active_low')).toBe('0');
    expect(await fake.attr('class/gpio/gpio588/value')).toBe('1');
    expect(sink.lines.join('\n')).toContain('already exported');
    await line.close();

    const strict = await rig(PI5_CHIPS, { reuseExported: false });
    await strict.fake.exportByOther(571 + 17);
    const e = await errorOf(strict.gpio.output(17));
    expect(e.code).toBe('GPIO_BUSY');
    expect(e.message).toContain(`echo 588 | sudo tee ${strict.fake.gpioRoot}/unexport`);
  });

  it('not in the gpio group (EACCES on export): GPIO_PERMISSION with the usermod command', async () => {
    const { gpio, fake } = await rig();
    fake.denyExport = true;
    const e = await errorOf(gpio.output(5));
    expect(e.code).toBe('GPIO_PERMISSION');
    expect(e.message).toContain('sudo usermod -aG gpio tillqr');
  });

  it('waits for udev to hand over a new line, then works', async () => {
    const { gpio, fake } = await rig();
    fake.udevPending = 3;
    const line = await gpio.output(5);
    await line.write(1);
    expect(await fake.attr('class/gpio/gpio576/value')).toBe('1');
    expect(fake.log.filter(([p]) => p.endsWith('active_low'))).toHaveLength(4);
  });

  it('gives up after udevWaitMs with GPIO_PERMISSION and unexports the line', async () => {
    const { gpio, fake } = await rig(PI5_CHIPS, { udevWaitMs: 60 });
    fake.udevPending = 1_000_000;
    const e = await errorOf(gpio.output(5));
    expect(e.code).toBe('GPIO_PERMISSION');
    expect(fake.log.at(-1)).toEqual(['class/gpio/unexport', '576']);
    expect(await fake.exists(`${fake.gpioRoot}/gpio576`)).toBe(false);
  });
});

describe('lines', () => {
  it('active-low output: logical 0 is physical 1 from the first moment', async () => {
    const { gpio, fake } = await rig();
    const line = await gpio.output(6, { activeLow: true });
    expect(fake.log.at(-1)).toEqual(['class/gpio/gpio577/direction', 'high']);
    await line.write(1);
    expect(await fake.attr('class/gpio/gpio577/value')).toBe('0');
  });

  it('writes reach the kernel in call order without awaiting each', async () => {
    const { gpio, fake } = await rig();
    const line = await gpio.output(5);
    const levels = [1, 0, 1, 1, 0, 1, 0, 0, 1] as const;
    await Promise.all(levels.map((v) => line.write(v)));
    expect(fake.log.filter(([p]) => p.endsWith('gpio576/value')).map(([, v]) => Number(v))).toEqual(levels);
    expect(await fake.attr('class/gpio/gpio576/value')).toBe('1');
  });

  it('a write the kernel refuses is a GPIO_IO error and the next write still works', async () => {
    const { gpio, fake } = await rig();
    const line = await gpio.output(5);
    await fake.writeFile(`${fake.gpioRoot}/gpio576/direction`, 'in'); // someone turned it into an input
    const e = await errorOf(line.write(1));
    expect(e.code).toBe('GPIO_PERMISSION'); // the kernel says EPERM for a value write on an input
    await fake.writeFile(`${fake.gpioRoot}/gpio576/direction`, 'out');
    await line.write(1);
    expect(await fake.attr('class/gpio/gpio576/value')).toBe('1');
  });

  it('input: reads, and reports debounced edges from the polled value file', async () => {
    const { gpio, fake } = await rig();
    const busy = await gpio.input(24, { debounceMs: 0 });
    expect(fake.log).toContainEqual(['class/gpio/gpio595/edge', 'both']);
    expect(await busy.read()).toBe(0);
    const seen: number[] = [];
    busy.watch('both', (v) => seen.push(v));
    await fake.setValue(595, 1);
    await vi.waitFor(() => expect(seen).toEqual([1]), { timeout: 5000, interval: 5 });
    await fake.setValue(595, 0);
    await vi.waitFor(() => expect(seen).toEqual([1, 0]), { timeout: 5000, interval: 5 });
    expect(await busy.read()).toBe(0);
  });

  it('active-low input with debounce: a press is one rising logical edge', async () => {
    const { gpio, fake } = await rig();
    await fake.exportByOther(571 + 26, 'in');
    await fake.setValue(597, 1); // pulled up: released
    const button = await gpio.input(26, { activeLow: true, debounceMs: 20 });
    expect(await button.read()).toBe(0);
    const rising: number[] = [];
    button.watch('rising', (v) => rising.push(v));
    await fake.setValue(597, 0);
    await vi.waitFor(() => expect(rising).toEqual([1]), { timeout: 5000, interval: 5 });
  });

  it('a line without an edge file is polled (with a warning), not refused', async () => {
    const { gpio, fake, sink } = await rig();
    fake.noEdge.add(571 + 23);
    const line = await gpio.input(23);
    const seen: number[] = [];
    line.watch('rising', (v) => seen.push(v));
    await fake.setValue(594, 1);
    await vi.waitFor(() => expect(seen).toEqual([1]), { timeout: 5000, interval: 5 });
    expect(sink.lines.join('\n')).toContain('no edge interrupt');
  });

  it('edges from onoff (loaded on demand) fall back to polling when onoff cannot use the line', async () => {
    // onoff always works on /sys/class/gpio, which this machine does not have: it fails, the line polls.
    const { gpio, fake, sink } = await rig(PI5_CHIPS, { edges: 'onoff' });
    const line = await gpio.input(22);
    expect(sink.lines.join('\n')).toContain('edge interrupts unavailable; polling instead');
    const seen: number[] = [];
    line.watch('rising', (v) => seen.push(v));
    await fake.setValue(593, 1);
    await vi.waitFor(() => expect(seen).toEqual([1]), { timeout: 5000, interval: 5 });
  });

  it('close releases every line; closed lines refuse work; pins can be opened again', async () => {
    const { gpio, fake } = await rig();
    const out = await gpio.output(5);
    const inp = await gpio.input(24);
    await gpio.close();
    expect(await fake.exists(`${fake.gpioRoot}/gpio576`)).toBe(false);
    expect(await fake.exists(`${fake.gpioRoot}/gpio595`)).toBe(false);
    expect((await errorOf(out.write(1))).code).toBe('GPIO_IO');
    expect((await errorOf(inp.read())).code).toBe('GPIO_IO');
    const again = await gpio.output(5);
    await again.write(1);
    expect(await fake.attr('class/gpio/gpio576/value')).toBe('1');
  });
});
