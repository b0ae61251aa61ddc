import { afterEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/tillqr.js';
import { FakeSysfs, PI4_CHIPS, PI5_PWM } from './fake-sysfs.js';

const fakes: FakeSysfs[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.cleanup()));
});

describe('tillqr gpio', () => {
  it('shows the Pi 5 header chip, the sysfs number of a pin and the buzzer PWM chip', async () => {
    const fake = await FakeSysfs.create({ pwm: PI5_PWM });
    fakes.push(fake);
    const io = captureIo();
    const code = await main(['gpio', '--pin', '17', '--root', fake.gpioRoot, '--pwm-root', fake.pwmRoot], io);
    const out = io.out.join('');
    expect(code).toBe(0);
    expect(out).toContain('header GPIO chip: gpiochip571 "pinctrl-rp1", base 571, 54 lines');
    expect(out).toContain('BCM 17 = sysfs GPIO 588');
    expect(out).toMatch(/PWM chip: pwmchip2, 4 channels, 1f00098000\.pwm {2}<- passive buzzer \(channel 1\)/);
    expect(out).not.toMatch(/pwmchip6.*<-/);
  });

  it('prints JSON for scripts', async () => {
    const fake = await FakeSysfs.create({ chips: PI4_CHIPS });
    fakes.push(fake);
    const io = captureIo();
    expect(await main(['gpio', '--json', '--pin', '5', '--root', fake.gpioRoot, '--pwm-root', fake.pwmRoot], io)).toBe(0);
    const j = JSON.parse(io.out.join('')) as { header: { base: number }; pins: { pin: number; sysfs: number }[]; pwm: { buzzerChip: number | null } };
    expect(j.header.base).toBe(512);
    expect(j.pins).toEqual([{ pin: 5, sysfs: 517 }]);
    expect(j.pwm.buzzerChip).toBeNull();
  });

  it('no sysfs GPIO: a clear error and a non-zero exit', async () => {
    const fake = await FakeSysfs.create({ noGpio: true });
    fakes.push(fake);
    const io = captureIo();
    const code = await main(['gpio', '--root', fake.gpioRoot, '--pwm-root', fake.pwmRoot], io);
    expect(code).not.toBe(0);
    expect(io.err.join('')).toContain('CONFIG_GPIO_SYSFS');
  });
});
