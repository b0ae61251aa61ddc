/**
 * Only an MqttLink in a process (`link-entry.ts URL`): prints `started`, then `online` once
 * connected, then closes the link. Nothing else holds the process open, so it shows whether a
 * link waiting to reconnect keeps the daemon alive.
 */
import { validateConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { MqttLink } from '../../src/link/mqtt-link.js';

const [url] = process.argv.slice(2);
if (url === undefined) throw new Error('usage: link-entry URL');
const config = validateConfig({ deviceId: 'till-alive', mqtt: { url, reconnectMinMs: 100, reconnectMaxMs: 1000 } });
const link = new MqttLink({ mqtt: config.mqtt, deviceId: 'till-alive', version: 'entry', clock: systemClock(), logger: silentLogger });
link.start({
  message: () => Promise.resolve(),
  online: () => {
    process.stdout.write('online\n');
    void link.close();
  },
  offline: () => undefined,
});
process.stdout.write('started\n');
