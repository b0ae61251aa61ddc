/**
 * NmcliNetwork against a stand-in `nmcli` executable (NetworkManager cannot run here): a real
 * child process that records its argument vector and answers like nmcli does.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NmcliNetwork, execRunner } from '../../../src/console/nmcli-network.js';
import { createLogger, memorySink } from '../../../src/core/logger.js';
import { isTillqrError } from '../../../src/core/errors.js';

let dir: string;
let bin: string;
let calls: string;

const FAKE = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_NMCLI_LOG, JSON.stringify(args) + '\\n');
const j = args.join(' ');
const out = (s) => process.stdout.write(s);
if (j === '-t -f DEVICE,TYPE,STATE,CONNECTION device status') out('wlan0:wifi:connected:Shop Net\\neth0:ethernet:unavailable:\\nlo:loopback:connected (externally):lo\\n');
else if (j === '-t networking connectivity') out('full\\n');
else if (j === '-t -f IP4.ADDRESS,IP6.ADDRESS device show wlan0') out('IP4.ADDRESS[1]:192.168.7.20/24\\nIP6.ADDRESS[1]:fe80\\\\:\\\\:2/64\\n');
else if (j.startsWith('-t -f IN-USE,SSID,SIGNAL,SECURITY device wifi list')) out('*:Shop Net:70:WPA2\\n :Back\\\\:Office:30:WPA1 WPA2\\n');
else if (args[4] === 'connect') {
  const psk = args[args.indexOf('password') + 1];
  if (args[5] === 'Shop Net' && psk === 'right-psk-123') out("Device 'wlan0' successfully activated.\\n");
  else { process.stderr.write('Error: Connection activation failed: (7) Secrets were required, but not provided. (' + psk + ')\\n'); process.exit(4); }
}
else if (args[0] === 'down') { process.stderr.write('Error: NetworkManager is not running.\\n'); process.exit(8); }
else { process.stderr.write('Error: unexpected ' + j + '\\n'); process.exit(2); }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tillqr-nmcli-'));
  bin = join(dir, 'nmcli');
  calls = join(dir, 'calls.log');
  await writeFile(bin, FAKE);
  await chmod(bin, 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function network(): { net: NmcliNetwork; log: string[] } {
  const sink = memorySink();
  const net = new NmcliNetwork({
    logger: createLogger('net', { sink }),
    run: execRunner(bin, { ...process.env, FAKE_NMCLI_LOG: calls }),
    ifname: 'wlan0',
    connectTimeoutSec: 20,
  });
  return { net, log: sink.lines };
}

const recorded = async (): Promise<string[][]> =>
  (await readFile(calls, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);

describe('NetworkManager through nmcli', () => {
  it('reads status: devices, the Wi-Fi in use, addresses and connectivity', async () => {
    const s = await network().net.status();
    expect(s).toEqual({
      connectivity: 'full',
      devices: [
        { name: 'wlan0', type: 'wifi', state: 'connected', connection: 'Shop Net' },
        { name: 'eth0', type: 'ethernet', state: 'unavailable' },
        { name: 'lo', type: 'loopback', state: 'connected (externally)', connection: 'lo' },
      ],
      addresses: ['192.168.7.20/24'],
      ssid: 'Shop Net',
    });
  });

  it('scans with a rescan and parses escaped SSIDs', async () => {
    expect(await network().net.scan()).toEqual([
      { ssid: 'Shop Net', signal: 70, secured: true, inUse: true },
      { ssid: 'Back:Office', signal: 30, secured: true, inUse: false },
    ]);
    expect((await recorded()).at(-1)).toEqual(['-t', '-f', 'IN-USE,SSID,SIGNAL,SECURITY', 'device', 'wifi', 'list', '--rescan', 'yes', 'ifname', 'wlan0']);
  });

  it('joins with the SSID and PSK as single arguments (no shell), and never repeats the PSK', async () => {
    const { net, log } = network();
    await net.connectWifi('Shop Net', 'right-psk-123');
    const connect = (await recorded()).find((a) => a.includes('connect'));
    expect(connect).toEqual(['--wait', '20', 'device', 'wifi', 'connect', 'Shop Net', 'password', 'right-psk-123', 'ifname', 'wlan0']);
    let err: unknown;
    try {
      await net.connectWifi('Shop Net', 'wrong-psk-456; rm -rf /');
    } catch (e) {
      err = e;
    }
    expect(isTillqrError(err, 'NETWORK_FAILED')).toBe(true);
    expect((err as Error).message).toBe('Connection activation failed: (7) Secrets were required, but not provided. ([redacted])');
    expect(log.join('\n')).not.toContain('psk-');
    expect(log.some((l) => l.includes('"ssid":"Shop Net"'))).toBe(true);
  });

  it('checks lengths before running nmcli, and reports a missing nmcli or NetworkManager', async () => {
    await expect(network().net.connectWifi('Shop Net', 'short')).rejects.toThrow(/8-63 characters/);
    const missing = new NmcliNetwork({ logger: createLogger('net', { sink: memorySink() }), run: execRunner(join(dir, 'not-installed')) });
    await expect(missing.status()).rejects.toThrow(/is not installed/);
    const real = execRunner(bin, { ...process.env, FAKE_NMCLI_LOG: calls });
    const down = new NmcliNetwork({ logger: createLogger('net', { sink: memorySink() }), run: () => real(['down'], 5000) });
    const e = await down.scan().catch((x: unknown) => x);
    expect(isTillqrError(e, 'NETWORK_UNAVAILABLE')).toBe(true);
    expect((e as Error).message).toBe('NetworkManager is not running');
  });
});
