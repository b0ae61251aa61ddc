/**
 * A link that closes says `online: false` last: nothing it was about to publish (the status after
 * SUBACK, a status change) may land on the retained topic after it, or the broker keeps a closed
 * till listed as online with no will left to correct it (the close was clean).
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { DeviceStatus } from '../../../src/link/contract.js';
import { MqttLink } from '../../../src/link/mqtt-link.js';
import { Mosquitto } from '../../helpers/mosquitto.js';

describe('closing a link', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await Mosquitto.start();
  });
  afterAll(async () => {
    await broker?.close();
  });

  function newLink(deviceId: string): MqttLink {
    const config = validateConfig({ deviceId, mqtt: { url: broker.url, reconnectMinMs: 100, reconnectMaxMs: 1000 } });
    return new MqttLink({ mqtt: config.mqtt, deviceId, version: '1.2.3', clock: systemClock(), logger: silentLogger });
  }

  /** The retained status as a newcomer to the topic reads it, and every message it saw. */
  async function retainedStatus(deviceId: string): Promise<DeviceStatus> {
    const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, clean: true });
    try {
      const got = new Promise<DeviceStatus>((resolve) => c.on('message', (_t, p) => resolve(JSON.parse(p.toString('utf8')) as DeviceStatus)));
      await c.subscribeAsync(`tillqr/v1/${deviceId}/status`, { qos: 1 });
      return await got;
    } finally {
      await c.endAsync();
    }
  }

  it('before its subscriptions are granted leaves online: false retained', async () => {
    const link = newLink('till-close-1');
    let closing: Promise<void> | undefined;
    // The online handler runs at CONNACK, before the SUBACK after which the link says online.
    await new Promise<void>((resolve) =>
      link.start({
        message: () => Promise.resolve(),
        online: () => {
          closing ??= link.close();
          resolve();
        },
        offline: () => undefined,
      }),
    );
    await closing;
    // Let a late SUBACK reach the broker's retained store if it were going to be published.
    await new Promise((r) => setTimeout(r, 300));
    expect(await retainedStatus('till-close-1')).toMatchObject({ online: false, version: '1.2.3' });
  });

  it('with a status change on its way leaves online: false retained', async () => {
    const link = newLink('till-close-2');
    await new Promise<void>((resolve) => link.start({ message: () => Promise.resolve(), online: resolve, offline: () => undefined }));
    await new Promise((r) => setTimeout(r, 300));
    const closing = link.close();
    link.setStatus({ state: 'charge', version: '1.2.3', since: 1 });
    await closing;
    await new Promise((r) => setTimeout(r, 300));
    expect(await retainedStatus('till-close-2')).toMatchObject({ online: false, version: '1.2.3' });
  });
});
