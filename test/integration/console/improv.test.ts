/**
 * Improv Wi-Fi Serial on the console's port, driven by a host-side Improv client over a real pty.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLE_PASSPHRASE, makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { ImprovHost, frameRpc, resultStrings, wifiPayload, type HostPacket } from './improv-host.js';
import { Host, Rig } from './rig.js';

const CURRENT_STATE = 0x01;
const ERROR_STATE = 0x02;
const RPC_RESULT = 0x04;

let rig: Rig;
let host: Host;
let improv: ImprovHost;

beforeEach(async () => {
  rig = await Rig.start();
  host = await Host.open(rig.pty.host);
  improv = new ImprovHost(host.port);
  await host.sync();
});

afterEach(async () => {
  await host.close();
  await rig.close();
});

const summary = (ps: readonly HostPacket[]): string[] =>
  ps.map((p) => {
    if (!p.checksumOk) return 'bad checksum';
    if (p.type === CURRENT_STATE) return `state ${p.data[0] ?? '?'}`;
    if (p.type === ERROR_STATE) return `error ${p.data[0] ?? '?'}`;
    if (p.type === RPC_RESULT) {
      const r = resultStrings(p.data);
      return `result ${r.command} [${r.strings.join('|')}]`;
    }
    return `type ${p.type}`;
  });

async function rpc(command: number, payload: number[], until: (s: string[]) => boolean, pieces = 1): Promise<string[]> {
  const from = improv.packets.length;
  await improv.send(frameRpc(command, payload), pieces);
  return summary(await improv.waitFor(from, (ps) => until(summary(ps)), `reply to RPC ${command}`));
}

describe('Improv Wi-Fi Serial', () => {
  it('reports state and device info on an unprovisioned device', async () => {
    expect(await rpc(0x02, [], (s) => s.some((x) => x.startsWith('state')))).toEqual(['error 0', 'state 2']);
    expect(await rpc(0x03, [], (s) => s.some((x) => x.startsWith('result')))).toEqual([
      'error 0',
      'result 3 [tillqr|0.1.0-test|Test rig (pty)|tillqr (not provisioned)]',
    ]);
  });

  it('lists Wi-Fi networks, ending with an empty result', async () => {
    expect(await rpc(0x04, [], (s) => s.includes('result 4 []'))).toEqual([
      'error 0',
      'result 4 [Shop Net|-60|YES]',
      'result 4 [Cafe Guest|-80|NO]',
      'result 4 []',
    ]);
  });

  it('joins Wi-Fi: provisioning, then provisioned and a result; a wrong PSK gives "unable to connect"', async () => {
    expect(await rpc(0x01, wifiPayload('Shop Net', 'not-the-psk'), (s) => s.includes('state 2') && s.includes('error 3'))).toEqual([
      'error 0',
      'state 3',
      'error 3',
      'state 2',
    ]);
    expect(await rpc(0x01, wifiPayload('Shop Net', 'shop-Wifi-psk9'), (s) => s.some((x) => x.startsWith('result')))).toEqual([
      'error 0',
      'state 3',
      'state 4',
      'result 1 []',
    ]);
    expect(rig.network.connectedSsid).toBe('Shop Net');
    expect(await rpc(0x02, [], (s) => s.some((x) => x.startsWith('result')))).toEqual(['error 0', 'state 4', 'result 2 []']);
    expect(rig.sink.lines.some((l) => l.includes('"actor":"improv"') && l.includes('"ssid":"Shop Net"'))).toBe(true);
    expect(host.text).not.toContain('shop-Wifi-psk9');
    expect(rig.sink.lines.join('\n')).not.toContain('shop-Wifi-psk9');
  });

  it('reassembles packets split across writes and keeps the line console working between them', async () => {
    expect(await rpc(0x02, [], (s) => s.includes('state 2'), 4)).toEqual(['error 0', 'state 2']);
    expect(await host.type('version')).toContain('tillqr 0.1.0-test');
    expect(await host.type('set merchant.name IMPROVISED')).toMatch(/error: [\s\S]*merchant\.city: is missing/); // text that starts like a header
    expect(await rpc(0x03, [], (s) => s.some((x) => x.startsWith('result')), 7)).toHaveLength(2);
    expect(await host.client.request('version')).toMatchObject({ version: '0.1.0-test' });
  });

  it('answers a bad checksum with "invalid RPC" and an unknown command with "unknown RPC"', async () => {
    const bad = frameRpc(0x02, []);
    bad[bad.length - 2] = ((bad[bad.length - 2] ?? 0) + 1) & 0xff;
    let from = improv.packets.length;
    await improv.send(bad);
    expect(summary(await improv.waitFor(from, (ps) => ps.length >= 1, 'an error state'))).toEqual(['error 1']);
    expect(await rpc(0x09, [], (s) => s.includes('error 2'))).toEqual(['error 0', 'error 2']);
    from = improv.packets.length;
    await improv.send(frameRpc(0x01, [40, 1, 2])); // SSID length past the end
    expect(summary(await improv.waitFor(from, (ps) => ps.length >= 2, 'an error state'))).toEqual(['error 0', 'error 1']);
  });

  it('will not change Wi-Fi while the console is locked', async () => {
    await host.client.request('provision', [toBase64(makeBundle())]);
    await host.client.request('logout');
    expect(await rpc(0x02, [], (s) => s.some((x) => x.startsWith('state')))).toEqual(['error 0', 'state 0']);
    expect(await rpc(0x01, wifiPayload('Shop Net', 'shop-Wifi-psk9'), (s) => s.includes('error 255'))).toEqual(['error 0', 'error 255']);
    expect(await rpc(0x04, [], (s) => s.includes('error 255'))).toEqual(['error 0', 'error 255']);
    expect(await rpc(0x03, [], (s) => s.some((x) => x.startsWith('result')))).toEqual(['error 0', 'result 3 [tillqr|0.1.0-test|Test rig (pty)|shop-042]']);
    expect(rig.network.connectedSsid).toBeUndefined();
    await host.client.request('login', [BUNDLE_PASSPHRASE]);
    expect(await rpc(0x02, [], (s) => s.some((x) => x.startsWith('state')))).toEqual(['error 0', 'state 2']);
  });
});
