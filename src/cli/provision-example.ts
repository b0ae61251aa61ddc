/**
 * `tillqr provision --example`: a complete provisioning bundle that validates, with a comment line
 * (`// ...`, whole lines only) above each part saying what it is and where its value comes from.
 * `tillqr provision --bundle FILE` drops whole-line `//` comments before parsing, so the printed
 * example can be edited and used as it is. The format: docs/provisioning.md,
 * docs/json-schema/provisioning-bundle.schema.json.
 */
import { buildVectors } from '../link/test-vectors.js';
import { SAMPLE_MERCHANT } from '../sim/sim-config.js';

/** The example, as an object (the tests validate it with the device's own bundle validator). */
export function exampleBundle(): Record<string, unknown> {
  const key = buildVectors().key;
  return {
    format: 'tillqr-provisioning/1',
    deviceId: 'shop-042-till-1',
    mqtt: { url: 'mqtts://broker.example.com:8883', username: 'shop-042-till-1', password: 'change-me-broker-password', groups: ['tokyo', 'cafes'] },
    backendKeys: [{ kid: key.kid, publicKeyPem: key.publicKeyPem }],
    fleetKeys: [],
    releaseKeys: [],
    merchant: {
      name: SAMPLE_MERCHANT.name,
      displayName: 'ティルQR喫茶 渋谷',
      city: SAMPLE_MERCHANT.city,
      postalCode: SAMPLE_MERCHANT.postalCode,
      country: 'JP',
      mcc: '5814',
      currency: 'JPY',
      accounts: SAMPLE_MERCHANT.accounts,
    },
    display: { panel: 'waveshare-2in9-v2', rotation: 90 },
    wifi: { ssid: 'shop-042', psk: 'change-me-wifi-passphrase' },
    passphrase: 'change-me-technician-passphrase',
  };
}

/** Comment lines shown above a key (by its JSON path). */
const COMMENTS: Readonly<Record<string, string[]>> = {
  format: [
    'tillqr provisioning bundle: everything one device needs, checked whole before anything is written.',
    'Format reference: docs/provisioning.md; JSON Schema: docs/json-schema/provisioning-bundle.schema.json.',
    'Whole-line // comments like these are allowed; `tillqr provision --bundle FILE --check` checks a bundle without a device.',
  ],
  deviceId: ['The device id: its topics are tillqr/v1/<deviceId>/...; 1-64 letters, digits, ".", "_" or "-".'],
  mqtt: ['The broker. Also: topicPrefix, rejectUnauthorized, caPem (the broker CA, PEM), certPem/keyPem (a client certificate).'],
  'mqtt.groups': ['Fleet groups whose desired configuration this device follows (first listed wins).'],
  backendKeys: [
    'Public keys of the payment backend (tillqr keys generate prints the kid). This one is the published',
    "test key of docs/test-vectors (RFC 8032 TEST 1): replace it with your backend's key.",
  ],
  fleetKeys: ['Keys that sign desired configuration (tillqr keys generate --name fleet). Absent or empty: none.'],
  releaseKeys: ['Keys that sign update jobs (tillqr keys generate --name release). Absent or empty: none.'],
  merchant: [
    'The store, as printed in the QR (EMV MPM): name at most 25 characters, city at most 15, ISO codes.',
    "accounts: the payment schemes' merchant account templates (EMV tags 26-51), from your acquirer.",
  ],
  display: ['The panel and how it is mounted (tillqr render --help lists the panels). Optional: the device default otherwise.'],
  wifi: ['Optional: a Wi-Fi network to join (NetworkManager). Leave it out for Ethernet.'],
  passphrase: ['The technician passphrase that unlocks the serial console from now on (8-256 characters).'],
};

/** JSON with `// comment` lines above the commented keys. */
export function renderExampleBundle(): string {
  const lines = JSON.stringify(exampleBundle(), null, 2).split('\n');
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    const depth = indent / 2 - 1;
    const m = /^\s*"([^"]+)":/.exec(line);
    if (m !== null && depth >= 0) {
      stack.length = depth;
      stack[depth] = m[1] ?? '';
      for (const c of COMMENTS[stack.join('.')] ?? []) out.push(`${' '.repeat(indent)}// ${c}`);
    }
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}

/** Drop whole-line `//` comments (a JSON string cannot span lines, so no value is touched). */
export function stripLineComments(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l))
    .join('\n');
}
