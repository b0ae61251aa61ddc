/**
 * A Device in its own process, for crash tests: `device-entry.ts CONFIG.json`. It prints one line
 * per signal (`signal paid`) and per screen (`screen charge ORDER`) on stdout, logs JSON lines on
 * stderr, and `ready` once connected. The test SIGKILLs it and starts it again.
 */
import { readFile } from 'node:fs/promises';
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { Device } from '../../src/daemon/device.js';
import { MqttLink } from '../../src/link/mqtt-link.js';
import type { Indicator } from '../../src/signal/indicator.js';

const [configPath] = process.argv.slice(2);
if (configPath === undefined) throw new Error('usage: device-entry CONFIG.json');
const config = validateConfig(JSON.parse(await readFile(configPath, 'utf8')));
const clock = systemClock();
const logger = createLogger('device', { level: 'info', sink: { write: (l) => process.stderr.write(l) } });
const say = (line: string): void => void process.stdout.write(line + '\n');
const indicator: Indicator = {
  play: (event) => say(`signal ${event}`),
  stop: () => undefined,
  close: () => Promise.resolve(),
};
const link = new MqttLink({ mqtt: config.mqtt, deviceId: config.deviceId ?? '', version: 'entry', clock, logger: logger.child('link') });
const device = new Device({
  config,
  clock,
  logger,
  link,
  screen: { show: (s) => say(`screen ${s.name}${'orderId' in s ? ` ${s.orderId}` : ''}`) },
  indicator,
  storeDir: config.stateDir,
  version: 'entry',
});
// The system clock's timers do not hold the process open; this does.
const keepAlive = setInterval(() => undefined, 60_000);
process.once('SIGTERM', () => {
  clearInterval(keepAlive);
  void device.stop();
});
await device.start();
const poll = setInterval(() => {
  if (link.connected) {
    clearInterval(poll);
    say('ready');
  }
}, 5);
