import { array, boolean, int, object, oneOf, string } from '../core/schema.js';

const MQTT_URL = /^(mqtts?|wss?):\/\/[^\s/]+(\/\S*)?$/;

export const mqttConfigSchema = object({
  url: string({ pattern: MQTT_URL, expected: 'an mqtt://, mqtts://, ws:// or wss:// URL' })
    .default('mqtt://127.0.0.1:1883')
    .restart()
    .doc('Broker URL. mqtts:// or wss:// for TLS.'),
  urls: array(string({ pattern: MQTT_URL, expected: 'an mqtt://, mqtts://, ws:// or wss:// URL' }), { max: 16 })
    .default([])
    .restart()
    .doc(
      'Several broker URLs (the nodes of a cluster): when set, used instead of url, tried in order, moving to the next on every failed attempt or lost connection, with the reconnect back-off (decision 0012).',
    ),
  protocolVersion: oneOf([5, 4] as const)
    .default(5)
    .restart()
    .doc('5 for MQTT 5, 4 for MQTT 3.1.1.'),
  topicPrefix: string({ pattern: /^[^#+\s]+[^/#+\s]$/, expected: 'a topic prefix without wildcards or a trailing slash' })
    .default('tillqr/v1')
    .restart()
    .doc('Every device topic is <topicPrefix>/<deviceId>/<name>.'),
  username: string({ max: 256 }).optional().restart().doc('Broker user name (per device).'),
  password: string({ max: 1024 }).optional().secret().restart().doc('Broker password.'),
  caFile: string({ min: 1 }).optional().restart().doc('PEM file of the CA that signed the broker certificate.'),
  certFile: string({ min: 1 }).optional().restart().doc('PEM client certificate for mutual TLS.'),
  keyFile: string({ min: 1 }).optional().secret().restart().doc('PEM private key of the client certificate.'),
  keepaliveSec: int({ min: 5, max: 3600 }).default(30).restart().doc('MQTT keepalive; the device shows "offline" when the broker is silent past it.'),
  sessionExpirySec: int({ min: 0, max: 4_294_967_295 })
    .default(172_800)
    .restart()
    .doc('MQTT 5 session expiry: confirmations published while offline are kept this long.'),
  reconnectMinMs: int({ min: 100, max: 600_000 }).default(1000).doc('First reconnect delay; doubles with jitter up to reconnectMaxMs.'),
  reconnectMaxMs: int({ min: 1000, max: 3_600_000 }).default(60_000).doc('Longest reconnect delay.'),
  maxPayloadBytes: int({ min: 1024, max: 10_485_760 }).default(65_536).doc('Larger messages are rejected with an event.'),
  rejectUnauthorized: boolean().default(true).restart().doc('Verify the broker TLS certificate. Turn off only on a test bench.'),
  groups: array(string({ pattern: /^[A-Za-z0-9._-]{1,64}$/, expected: 'a group name of letters, digits, ".", "_" or "-"' }), { max: 16 })
    .default([])
    .restart()
    .doc('Fleet groups this device belongs to (for group config).'),
});
