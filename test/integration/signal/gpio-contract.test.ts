import { describe } from 'vitest';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { SysfsGpio } from '../../../src/signal/drivers/sysfs-gpio.js';
import { FakeSysfs, PI4_CHIPS } from './fake-sysfs.js';
import { gpioContract } from './gpio-contract.js';

describe('GPIO contract: sysfs driver on a fake Pi 4 tree (kernel 6.6 numbering, BCM 20 wired to BCM 21)', () => {
  gpioContract(async () => {
    const fake = await FakeSysfs.create({ chips: PI4_CHIPS });
    fake.wires.set(512 + 20, 512 + 21);
    const gpio = new SysfsGpio({ clock: systemClock(), logger: silentLogger, root: fake.gpioRoot, fs: fake, pollMs: 5 });
    return { gpio, loopOut: 20, loopIn: 21, noSuchPin: 58, cleanup: () => fake.cleanup() };
  });
});
