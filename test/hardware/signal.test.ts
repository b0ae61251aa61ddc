/**
 * GPIO contract on real hardware, and the same contract on the simulated driver (always).
 * Real part: a Raspberry Pi (any model; kernel 6.6+ numbering is found at run time) with
 * TILLQR_HARDWARE_TESTS=1, the user in the gpio group, and a jumper wire between the two pins of
 * HW_SIGNAL_LOOP (default "20,21", free on a Waveshare e-paper HAT). The indicator part drives
 * the status LED on BCM 5 (green) and 6 (red) and an active buzzer on BCM 13, or a passive
 * buzzer on BCM 13 through PWM when HW_SIGNAL_BUZZER=passive (dtoverlay=pwm,pin=13,func=4).
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createLogger, silentLogger } from '../../src/core/logger.js';
import { signalConfigSchema } from '../../src/signal/config.js';
import { SimGpio } from '../../src/signal/drivers/sim-gpio.js';
import { SysfsGpio } from '../../src/signal/drivers/sysfs-gpio.js';
import { SysfsPwm } from '../../src/signal/drivers/sysfs-pwm.js';
import { openSignals } from '../../src/signal/open-signals.js';
import { gpioContract } from '../integration/signal/gpio-contract.js';

const onPi = process.env.TILLQR_HARDWARE_TESTS === '1';
const [loopOut, loopIn] = (process.env.HW_SIGNAL_LOOP ?? '20,21').split(',').map(Number) as [number, number];

describe('GPIO contract: simulated driver (BCM 20 wired to BCM 21 in the sim)', () => {
  gpioContract(() => {
    const gpio = new SimGpio({ clock: systemClock() });
    gpio.wire(20, 21);
    return Promise.resolve({ gpio, loopOut: 20, loopIn: 21, noSuchPin: 54, cleanup: () => Promise.resolve() });
  });
});

describe.skipIf(!onPi)(
  `GPIO contract on a real Raspberry Pi: needs TILLQR_HARDWARE_TESTS=1, sysfs GPIO, the user in the gpio group and a jumper wire from BCM ${loopOut} to BCM ${loopIn}`,
  () => {
    gpioContract(() => {
      const gpio = new SysfsGpio({ clock: systemClock(), logger: silentLogger });
      return Promise.resolve({ gpio, loopOut, loopIn, noSuchPin: 60, cleanup: () => Promise.resolve() });
    });
  },
);

describe.skipIf(!onPi)(
  'Indicator on a real Raspberry Pi: needs TILLQR_HARDWARE_TESTS=1, an LED on BCM 5 (green) and 6 (red), a buzzer on BCM 13 (passive via PWM when HW_SIGNAL_BUZZER=passive)',
  () => {
    it('plays every pattern on the real lines without a fault (watch and listen)', async () => {
      const passive = process.env.HW_SIGNAL_BUZZER === 'passive';
      const parsed = signalConfigSchema.safeParse(passive ? { buzzer: { kind: 'passive', pin: 13, pwmChannel: 1 } } : {});
      if (!parsed.ok) throw new Error(parsed.issues[0]?.message);
      const clock = systemClock();
      const logger = createLogger('hw-signal', { level: 'debug' });
      const gpio = new SysfsGpio({ clock, logger });
      const pwm = new SysfsPwm({ clock, logger });
      const signals = await openSignals({ config: parsed.value, gpio, pwm, clock, logger });
      try {
        expect(signals.problems.map((p) => p.message)).toEqual([]);
        for (const event of ['test', 'paid', 'failed', 'waiting'] as const) {
          signals.indicator.play(event);
          await new Promise((r) => setTimeout(r, 2500));
          expect(signals.indicator.status().faults).toEqual({});
        }
      } finally {
        await signals.close();
        await pwm.close();
        await gpio.close();
      }
    }, 30_000);
  },
);
