import { describe, expect, it } from 'vitest';
import { SimNetwork } from '../../../src/console/network-sim.js';
import { checkWifiArgs, rssiFromSignal, wifiConnected } from '../../../src/console/network.js';
import { parseAddresses, parseConnectivity, parseDevices, parseWifiList, splitTerse } from '../../../src/console/nmcli-parse.js';

describe('nmcli terse output', () => {
  it('splits fields on unescaped colons', () => {
    expect(splitTerse('a:b\\:c:d\\\\e:')).toEqual(['a', 'b:c', 'd\\e', '']);
  });

  it('reads devices', () => {
    const text = 'wlan0:wifi:connected:Shop Net\neth0:ethernet:unavailable:\nlo:loopback:connected (externally):lo\np2p-dev-wlan0:wifi-p2p:disconnected:--\n';
    expect(parseDevices(text)).toEqual([
      { name: 'wlan0', type: 'wifi', state: 'connected', connection: 'Shop Net' },
      { name: 'eth0', type: 'ethernet', state: 'unavailable' },
      { name: 'lo', type: 'loopback', state: 'connected (externally)', connection: 'lo' },
      { name: 'p2p-dev-wlan0', type: 'wifi-p2p', state: 'disconnected' },
    ]);
  });

  it('reads a Wi-Fi list: one entry per SSID, strongest first, hidden ones dropped', () => {
    const text = [' :Cafe\\:Guest:40:', '*:Shop Net:72:WPA2', ' :Shop Net:80:WPA2', ' ::90:WPA2', ' :Open Spot:55:--', ''].join('\n');
    expect(parseWifiList(text)).toEqual([
      { ssid: 'Shop Net', signal: 80, secured: true, inUse: true },
      { ssid: 'Open Spot', signal: 55, secured: false, inUse: false },
      { ssid: 'Cafe:Guest', signal: 40, secured: false, inUse: false },
    ]);
  });

  it('reads addresses, skipping link-local IPv6', () => {
    expect(
      parseAddresses('IP4.ADDRESS[1]:192.168.1.23/24\nIP6.ADDRESS[1]:fe80\\:\\:1/64\nIP6.ADDRESS[2]:2001\\:db8\\:\\:5/64\nIP4.GATEWAY:192.168.1.1\n'),
    ).toEqual(['192.168.1.23/24', '2001:db8::5/64']);
    expect(parseConnectivity('full\n')).toBe('full');
    expect(parseConnectivity('weird')).toBe('unknown');
  });
});

describe('Wi-Fi helpers', () => {
  it('checks SSID and PSK lengths', () => {
    expect(checkWifiArgs('Shop', 'longenough')).toBeUndefined();
    expect(checkWifiArgs('Shop', undefined)).toBeUndefined();
    expect(checkWifiArgs('', 'longenough')).toMatch(/SSID/);
    expect(checkWifiArgs('x'.repeat(33), undefined)).toMatch(/1-32 bytes/);
    expect(checkWifiArgs('Shop', 'short')).toMatch(/8-63/);
    expect(checkWifiArgs('Shop', 'z'.repeat(64))).toMatch(/8-63/);
    expect(checkWifiArgs('Shop', 'ab'.repeat(32))).toBeUndefined();
  });

  it('estimates RSSI from signal quality', () => {
    expect([0, 50, 100, 130].map(rssiFromSignal)).toEqual([-100, -75, -50, -50]);
  });
});

describe('simulated network', () => {
  it('joins only with the right PSK and reports it like NetworkManager would', async () => {
    const n = new SimNetwork().addNetwork({ ssid: 'Shop', signal: 80, psk: 'shop-secret' }).addNetwork({ ssid: 'Open', signal: 30 });
    await expect(n.connectWifi('Shop', 'wrong-secret')).rejects.toThrow(/Secrets were required/);
    await expect(n.connectWifi('Nowhere', undefined)).rejects.toThrow(/No network with SSID 'Nowhere'/);
    const s = await n.connectWifi('Shop', 'shop-secret');
    expect(wifiConnected(s)).toBe(true);
    expect(s.ssid).toBe('Shop');
    expect(await n.scan()).toEqual([
      { ssid: 'Shop', signal: 80, secured: true, inUse: true },
      { ssid: 'Open', signal: 30, secured: false, inUse: false },
    ]);
    n.failNext('Connection activation failed: (7) Timeout');
    await expect(n.connectWifi('Open', undefined)).rejects.toThrow(/Timeout/);
    expect(n.calls.filter((c) => c.op === 'connect')).toEqual([
      { op: 'connect', ssid: 'Shop', pskGiven: true, pskMatched: false },
      { op: 'connect', ssid: 'Nowhere', pskGiven: false, pskMatched: false },
      { op: 'connect', ssid: 'Shop', pskGiven: true, pskMatched: true },
      { op: 'connect', ssid: 'Open', pskGiven: false, pskMatched: true },
    ]);
    expect(JSON.stringify(n.calls)).not.toContain('shop-secret');
  });
});
