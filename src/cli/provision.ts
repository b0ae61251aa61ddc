/**
 * `tillqr provision --port /dev/ttyUSB0 --bundle shop-042.json [--passphrase-env VAR]`
 *
 * For the technician at the shop: checks the bundle, sends it over the console's JSON mode,
 * restarts the service when the new settings need it, then verifies on the device and prints a
 * checklist (config saved, broker connected, display test shown, Wi-Fi joined when the bundle
 * has Wi-Fi), or the exact failure. Exit 0 only when every check holds. No secret is printed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseBundle, type DecodedBundle } from '../console/bundle.js';
import { ConsoleClient } from '../console/json-client.js';
import { serialPortOpener } from '../console/serial-port.js';
import { systemClock } from '../core/clock.js';
import { EXIT, TillqrError, isTillqrError, toTillqrError } from '../core/errors.js';
import { connectCause, type ConnectCause } from '../link/negotiate.js';
import { renderExampleBundle, stripLineComments } from './provision-example.js';
import { intFlag, parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `tillqr provision --port DEVICE --bundle FILE [--passphrase-env VAR] [--baud 115200] [--timeout SEC]
       tillqr provision --bundle FILE --check     check a bundle without a device
       tillqr provision --example                 print a complete, commented example bundle (format: docs/provisioning.md)`;

interface Check {
  readonly name: string;
  ok: boolean;
  detail: string;
}

/** What to change in the bundle for each cause of a failed broker connection (src/link/negotiate.ts). */
const BUNDLE_HINTS: Readonly<Record<ConnectCause, string>> = {
  protocol: 'the broker refused the MQTT version: `mqtt test` on the console says which one it speaks; then `set mqtt.protocolVersion 4` (MQTT 3.1.1) or 5',
  tls: "the TLS handshake failed: check the bundle's mqtt.caPem (the broker CA) and that mqtt.url uses mqtts:// only for a TLS port",
  login: "the broker refused the login: check the bundle's mqtt.username and mqtt.password (or client certificate)",
  unreachable: "the broker cannot be reached: check the bundle's mqtt.url and the shop network (Wi-Fi)",
  refused: 'the broker refused the connection: check mqtt.url and the broker log',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describeError(e: unknown): string {
  const err = toTillqrError(e);
  return `${err.code}: ${err.message}`;
}

interface VersionData {
  version?: string;
  boot?: string;
}

/** Ask `version` until the device answers (it may be booting); with `notBoot`, until a new boot answers. */
async function waitForDevice(client: ConsoleClient, deadline: number, notBoot?: string): Promise<VersionData> {
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = (await client.request('version', [], 1500)) as VersionData;
      if (notBoot === undefined || v.boot !== notBoot) return v;
    } catch (e) {
      last = e;
      if (isTillqrError(e, 'CONSOLE_PORT')) throw e;
    }
    await sleep(300);
  }
  throw new TillqrError(
    'CONSOLE_TIMEOUT',
    `the device did not answer${notBoot !== undefined ? ' after the restart' : ''}${last !== undefined ? ` (${describeError(last)})` : ''}`,
  );
}

async function login(client: ConsoleClient, passphrase: string): Promise<void> {
  await client.request('login', [passphrase], 30_000);
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    argv,
    {
      port: { type: 'string' },
      bundle: { type: 'string' },
      'passphrase-env': { type: 'string' },
      baud: { type: 'string' },
      timeout: { type: 'string' },
      check: { type: 'boolean' },
      example: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    USAGE,
  );
  if (values.help === true) {
    io.stdout(`usage: ${USAGE}\n`);
    return EXIT.OK;
  }
  if (values.example === true) {
    io.stdout(renderExampleBundle());
    return EXIT.OK;
  }
  const portPath = values.check === true ? '' : required(values.port, '--port', USAGE);
  const bundlePath = resolve(io.cwd, required(values.bundle, '--bundle', USAGE));
  const baud = intFlag(values.baud, '--baud', { min: 1200, max: 4_000_000 }) ?? 115_200;
  const timeoutMs = (intFlag(values.timeout, '--timeout', { min: 5, max: 3600 }) ?? 120) * 1000;
  const passEnv = values['passphrase-env'];
  const oldPassphrase = passEnv === undefined ? undefined : io.env[passEnv];
  if (passEnv !== undefined && (oldPassphrase === undefined || oldPassphrase === '')) {
    io.stderr(`tillqr provision: the environment variable ${passEnv} (--passphrase-env) is not set\n`);
    return EXIT.USAGE;
  }
  const say = (line: string): void => io.stdout(`${line}\n`);

  let text: string;
  try {
    text = await readFile(bundlePath, 'utf8');
  } catch (e) {
    io.stderr(`tillqr provision: cannot read the bundle ${bundlePath}: ${(e as Error).message}\n`);
    return EXIT.IOERR;
  }
  let decoded: DecodedBundle;
  try {
    decoded = parseBundle(stripLineComments(text));
  } catch (e) {
    io.stderr(`tillqr provision: ${bundlePath}: ${toTillqrError(e).message}\n`);
    return EXIT.DATAERR;
  }
  const { bundle } = decoded;
  const line = Buffer.from(JSON.stringify(decoded.raw)).toString('base64');
  say(`bundle ${bundlePath}: device ${bundle.deviceId}, broker ${String(bundle.mqtt.url)}, merchant ${bundle.merchant.name} (checked)`);
  if (values.check === true) return EXIT.OK;

  let client: ConsoleClient;
  try {
    client = new ConsoleClient(await serialPortOpener()(portPath, baud), systemClock());
  } catch (e) {
    io.stderr(`tillqr provision: ${toTillqrError(e).message}\n`);
    return EXIT.UNAVAILABLE;
  }
  const deadline = Date.now() + timeoutMs;
  try {
    say(`connecting to the device on ${portPath} (${baud} 8N1)...`);
    const first = await waitForDevice(client, deadline);
    say(`device answers: tillqr ${first.version ?? '?'}`);

    const probe = await client.send('get', ['deviceId']);
    if (!probe.ok && probe.error.code === 'CONSOLE_LOCKED') {
      say('the device is locked (provisioned before): logging in...');
      await login(client, oldPassphrase ?? bundle.passphrase).catch((e: unknown) => {
        const hint = oldPassphrase === undefined ? " (give the device's current passphrase with --passphrase-env VAR)" : '';
        throw new TillqrError(toTillqrError(e).code, `${toTillqrError(e).message}${hint}`);
      });
    }
    const maxLine = (await client.request('get', ['console.maxLineBytes'])) as { value?: number };
    const needed = line.length + 64;
    if (typeof maxLine.value === 'number' && needed > maxLine.value) {
      throw new TillqrError('CONSOLE_LINE_TOO_LONG', `the bundle needs a ${needed}-byte line; the device accepts ${maxLine.value} (console.maxLineBytes)`);
    }

    say(`sending the bundle (${line.length} bytes)...`);
    const result = (await client.request('provision', [line], 120_000)) as {
      changed?: string[];
      restartRequired?: boolean;
      files?: string[];
      wifi?: { ssid: string; connected: boolean; error?: string };
    };
    say(`saved: ${result.changed?.length ?? 0} keys changed, ${result.files?.length ?? 0} TLS files written`);

    if (result.restartRequired === true) {
      say('restarting the tillqr service to apply them...');
      await client.request('restart');
      const again = await waitForDevice(client, deadline, first.boot);
      say(`device is back: tillqr ${again.version ?? '?'}`);
    }
    const afterProbe = await client.send('get', ['deviceId']);
    if (!afterProbe.ok && afterProbe.error.code === 'CONSOLE_LOCKED') await login(client, bundle.passphrase);

    const checks = await verify(client, decoded, result.wifi, deadline, say);
    say(`\nchecklist for ${bundle.deviceId}:`);
    for (const c of checks) say(`  [${c.ok ? ' ok ' : 'FAIL'}] ${c.name}: ${c.detail}`);
    const ok = checks.every((c) => c.ok);
    say(ok ? '\nthe device is provisioned.' : '\nthe device is NOT ready: see the failed checks above.');
    return ok ? EXIT.OK : EXIT.FAILURE;
  } catch (e) {
    io.stderr(`tillqr provision: failed: ${describeError(e)}\n`);
    return isTillqrError(e, 'CONSOLE_PORT') || isTillqrError(e, 'CONSOLE_TIMEOUT') ? EXIT.UNAVAILABLE : EXIT.FAILURE;
  } finally {
    // Leave the console locked for whoever plugs in next (the device cannot see the cable go).
    await client.request('logout', [], 2000).catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

async function verify(
  client: ConsoleClient,
  decoded: DecodedBundle,
  wifi: { ssid: string; connected: boolean; error?: string } | undefined,
  deadline: number,
  say: (l: string) => void,
): Promise<Check[]> {
  const { bundle } = decoded;
  const checks: Check[] = [];

  const saved: Check = { name: 'config saved', ok: false, detail: '' };
  checks.push(saved);
  try {
    const got = async (key: string): Promise<unknown> => ((await client.request('get', [key])) as { value?: unknown }).value;
    const want: [string, unknown][] = [
      ['deviceId', bundle.deviceId],
      ['mqtt.url', bundle.mqtt.url],
      ['merchant.name', bundle.merchant.name],
      ['trust.backendKeys', bundle.backendKeys],
    ];
    const wrong: string[] = [];
    for (const [key, value] of want) if (JSON.stringify(await got(key)) !== JSON.stringify(value)) wrong.push(key);
    saved.ok = wrong.length === 0;
    saved.detail = saved.ok
      ? `device id ${bundle.deviceId}, broker ${String(bundle.mqtt.url)}, merchant ${bundle.merchant.name}`
      : `the device reports different values for ${wrong.join(', ')}`;
  } catch (e) {
    saved.detail = describeError(e);
  }

  if (wifi !== undefined)
    checks.push({ name: 'Wi-Fi joined', ok: wifi.connected, detail: wifi.connected ? `"${wifi.ssid}"` : `"${wifi.ssid}": ${wifi.error ?? 'failed'}` });

  const broker: Check = { name: 'broker connected', ok: false, detail: '' };
  checks.push(broker);
  say('waiting for the broker connection...');
  let last = 'no status yet';
  while (Date.now() < deadline) {
    try {
      const s = (await client.request('status')) as { broker?: { connected?: boolean; url?: string; lastError?: string } };
      if (s.broker?.connected === true) {
        broker.ok = true;
        broker.detail = s.broker.url ?? '';
        break;
      }
      last = `not connected to ${s.broker?.url ?? '?'}${s.broker?.lastError !== undefined ? `: ${s.broker.lastError}; ${BUNDLE_HINTS[connectCause({ message: s.broker.lastError })]}` : ''}`;
    } catch (e) {
      last = describeError(e);
    }
    await sleep(1000);
  }
  if (!broker.ok) broker.detail = last;

  const display: Check = { name: 'display test shown', ok: false, detail: '' };
  checks.push(display);
  say('showing the display test...');
  try {
    const r = (await client.request('display test', [], 180_000)) as { detail?: string };
    display.ok = true;
    display.detail = r.detail ?? 'shown';
  } catch (e) {
    display.detail = describeError(e);
  }
  return checks;
}
