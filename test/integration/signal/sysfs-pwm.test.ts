import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { PassiveBuzzer } from '../../../src/signal/buzzer.js';
import { SysfsPwm } from '../../../src/signal/drivers/sysfs-pwm.js';
import { FakeSysfs, PI5_PWM, type FakePwmChip } from './fake-sysfs.js';

const fakes: FakeSysfs[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.cleanup()));
});

async function rig(pwm: readonly FakePwmChip[] = PI5_PWM, udevWaitMs = 2000) {
  const fake = await FakeSysfs.create({ pwm });
  fakes.push(fake);
  const sink = memorySink();
  const driver = new SysfsPwm({ clock: systemClock(), logger: createLogger('pwm', { sink }), root: fake.pwmRoot, fs: fake, udevWaitMs });
  return { fake, driver, sink };
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

describe('sysfs PWM', () => {
  it('Pi 5: finds the header PWM (pwmchip2, 1f00098000.pwm), not the fan or SoC chip', async () => {
    const { driver, fake } = await rig();
    const ch = await driver.open({ channel: 1 });
    expect(ch.chip).toBe(2);
    expect(fake.log[0]).toEqual(['class/pwm/pwmchip2/export', '1']);
  });

  it('a chip number from config wins', async () => {
    const { driver } = await rig();
    expect((await driver.open({ chip: 0, channel: 1 })).chip).toBe(0);
  });

  it('an unknown board: the lowest chip with enough channels that is not known as something else', async () => {
    const { driver } = await rig([
      { chip: 0, npwm: 4, device: '1f0009c000.pwm' },
      { chip: 3, npwm: 1, device: 'abc.pwm' },
      { chip: 4, npwm: 2, device: 'def.pwm' },
    ]);
    expect((await driver.open({ channel: 1 })).chip).toBe(4);
  });

  it('tones: period/duty in ns, writes ordered so the kernel never sees duty > period', async () => {
    const { driver, fake } = await rig();
    const buzzer = new PassiveBuzzer(await driver.open({ channel: 1 }));
    const dir = 'class/pwm/pwmchip2/pwm1';
    await buzzer.sound(1000, 'normal'); // period 1,000,000 ns
    expect(await fake.attr(`${dir}/period`)).toBe('1000000');
    expect(await fake.attr(`${dir}/duty_cycle`)).toBe('500000');
    expect(await fake.attr(`${dir}/enable`)).toBe('1');
    await buzzer.sound(4000, 'normal'); // period shrinks below the current duty: duty first
    expect(await fake.attr(`${dir}/period`)).toBe('250000');
    expect(await fake.attr(`${dir}/duty_cycle`)).toBe('125000');
    await buzzer.sound(262, 'low'); // period grows: period first
    expect(await fake.attr(`${dir}/period`)).toBe('3816794');
    expect(await fake.attr(`${dir}/duty_cycle`)).toBe('190840');
    await buzzer.sound(0, 'normal');
    expect(await fake.attr(`${dir}/enable`)).toBe('0');
    expect(fake.log.filter(([p]) => p.startsWith(dir)).map(([p, v]) => `${p.slice(dir.length + 1)}=${v}`)).toEqual([
      'enable=0',
      'period=1000000',
      'duty_cycle=500000',
      'enable=1',
      'duty_cycle=125000',
      'period=250000',
      'period=3816794',
      'duty_cycle=190840',
      'enable=0',
    ]);
  });

  it('refuses a bad duty cycle itself with PWM_IO', async () => {
    const { driver } = await rig();
    const ch = await driver.open({ channel: 0 });
    expect((await errorOf(ch.configure(1000, 2000))).code).toBe('PWM_IO');
  });

  it('no chip with the channel: PWM_UNAVAILABLE with the config.txt line to add', async () => {
    const { driver } = await rig([]);
    const e = await errorOf(driver.open({ channel: 1 }));
    expect(e.code).toBe('PWM_UNAVAILABLE');
    expect(e.message).toContain('dtoverlay=pwm,pin=13,func=4');
    expect(e.message).toContain('chips found: none');
  });

  it('permission denied on export: GPIO_PERMISSION with the usermod command', async () => {
    const { driver, fake } = await rig();
    fake.denyExport = true;
    const e = await errorOf(driver.open({ channel: 1 }));
    expect(e.code).toBe('GPIO_PERMISSION');
    expect(e.message).toContain('usermod -aG gpio');
  });

  it('waits for udev on a new channel; gives up with GPIO_PERMISSION after udevWaitMs', async () => {
    const ok = await rig();
    ok.fake.udevPending = 2;
    await expect(ok.driver.open({ channel: 1 })).resolves.toBeDefined();
    const slow = await rig(PI5_PWM, 60);
    slow.fake.udevPending = 1_000_000;
    expect((await errorOf(slow.driver.open({ channel: 1 }))).code).toBe('GPIO_PERMISSION');
  });

  it('a channel already exported is taken over; twice in one process is refused', async () => {
    const { driver, fake, sink } = await rig();
    await fake.writeFile(`${fake.pwmRoot}/pwmchip2/export`, '1');
    const ch = await driver.open({ channel: 1 });
    expect(sink.lines.join('\n')).toContain('taking it over');
    expect((await errorOf(driver.open({ channel: 1 }))).code).toBe('PWM_UNAVAILABLE');
    await ch.close();
    expect(await fake.exists(`${fake.pwmRoot}/pwmchip2/pwm1`)).toBe(false);
    await expect(driver.open({ channel: 1 })).resolves.toBeDefined();
  });

  it('close disables and unexports every channel', async () => {
    const { driver, fake } = await rig();
    const ch = await driver.open({ channel: 0 });
    await ch.configure(1_000_000, 500_000);
    await ch.enable(true);
    await driver.close();
    expect(fake.log.slice(-2)).toEqual([
      ['class/pwm/pwmchip2/pwm0/enable', '0'],
      ['class/pwm/pwmchip2/unexport', '0'],
    ]);
    expect((await errorOf(ch.enable(true))).code).toBe('PWM_IO');
  });
});
