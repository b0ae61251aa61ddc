import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import { brokerUrls, serversOption } from '../../../src/link/client-options.js';

const base = { deviceId: 'till-1', hardware: 'sim', stateDir: '/tmp/x' };

describe('mqtt.urls', () => {
  it('defaults to none: the link uses mqtt.url alone, without MQTT.js servers', () => {
    const m = validateConfig({ ...base, mqtt: { url: 'mqtt://broker:1883' } }).mqtt;
    expect(brokerUrls(m)).toEqual(['mqtt://broker:1883']);
    expect(serversOption(m)).toEqual({});
  });

  it('when set, replaces mqtt.url and becomes the servers tried in order, default ports filled in', () => {
    const m = validateConfig({ ...base, mqtt: { url: 'mqtt://unused:1883', urls: ['mqtts://a.example', 'mqtt://b.example:1884', 'wss://c.example'] } }).mqtt;
    expect(brokerUrls(m)).toEqual(['mqtts://a.example', 'mqtt://b.example:1884', 'wss://c.example']);
    expect(serversOption(m)).toEqual({
      servers: [
        { host: 'a.example', port: 8883, protocol: 'mqtts' },
        { host: 'b.example', port: 1884, protocol: 'mqtt' },
        { host: 'c.example', port: 443, protocol: 'wss' },
      ],
    });
  });

  it('refuses an entry that is not a broker URL, naming the key', () => {
    expect(() => validateConfig({ ...base, mqtt: { urls: ['http://x'] } })).toThrow(/mqtt\.urls/);
  });
});
