/**
 * The console as a person uses it in picocom: real pty pair, real serialport on both ends.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Host, Rig } from './rig.js';

let rig: Rig;
let host: Host;

beforeEach(async () => {
  rig = await Rig.start();
  host = await Host.open(rig.pty.host);
  // The banner went out when the console opened its end, maybe before this end was open (then
  // it is lost or comes late): one answered command makes sure nothing earlier is still coming.
  await host.sync();
});

afterEach(async () => {
  await host.close();
  await rig.close();
});

describe('console for a person', () => {
  it('answers help, version and status with a prompt after each', async () => {
    const help = await host.type('help');
    expect(help).toMatch(/^help\r\n/);
    for (const cmd of [
      'status',
      'get KEY',
      'set KEY VALUE',
      'wifi SSID [PSK]',
      'mqtt test',
      'display test',
      'led test',
      'buzzer test',
      'history [N]',
      'log [N]',
      'provision BUNDLE',
      'factory-reset',
      'reboot',
      'version',
    ]) {
      expect(help).toContain(cmd);
    }
    expect(help).toMatch(/tillqr> $/);
    expect(await host.type('version')).toContain('tillqr 0.1.0-test');
    const status = await host.type('status');
    expect(status).toMatch(/state: +unprovisioned/);
    expect(status).toMatch(/network: +Wi-Fi disconnected/);
    expect(status).toMatch(/broker: +not connected mqtt:\/\/127\.0\.0\.1:1883/);
    expect(status).toMatch(/display: +waveshare-2in9-v2 ok/);
    expect(status).toMatch(/version: +0\.1\.0-test/);
    expect(status).toMatch(/uptime: +0h/);
  });

  it('sets a live key, saves it atomically, and says when a key needs a restart', async () => {
    expect(await host.type('set display.rotation 90')).toContain('display.rotation = 90 (saved and applied)');
    expect((await rig.savedConfig()).display).toEqual({ rotation: 90 });
    expect(rig.store.current.display.rotation).toBe(90);
    expect(await host.type('get display.rotation')).toContain('display.rotation = 90');
    expect(await host.type('set display.panel waveshare-7in5-v2')).toContain('(saved; restart required (run: restart))');
    expect(await host.type('set display.rotation 90')).toContain('(unchanged)');
    expect(await host.type('set merchant.name "Cafe Luna"')).toMatch(/error: the new configuration has \d+ problems?:[\s\S]*merchant.city: is missing/);
  });

  it('refuses a bad value with the schema message and keeps the file as it was', async () => {
    await host.type('set display.rotation 90');
    const before = await readFile(rig.configPath, 'utf8');
    const out = await host.type('set display.rotation 45');
    expect(out).toMatch(/error: the new configuration has 1 problem:\r\n +display\.rotation: 45 is not one of 0, 90, 180, 270/);
    expect(await host.type('set display.nosuch 1')).toContain('error: display.nosuch: is not a configuration key');
    expect(await readFile(rig.configPath, 'utf8')).toBe(before);
  });

  it('edits the line: backspace, Ctrl-U, Ctrl-C, arrow keys', async () => {
    expect(await host.type('verz\x7fsion')).toContain('tillqr 0.1.0-test');
    expect(await host.type('garbage\x15version')).toContain('tillqr 0.1.0-test');
    const from = host.mark();
    host.write('reboot\x03');
    await host.waitFor(/\^C\r\ntillqr> $/, from);
    expect(await host.type('ver\x1b[D\x1b[Csion')).toContain('tillqr 0.1.0-test');
    expect(rig.target.calls).not.toContain('reboot');
  });

  it('runs the device tests, history, log and network commands', async () => {
    expect(await host.type('display test')).toContain('display test: ok (test pattern and sample QR on waveshare-2in9-v2)');
    expect(await host.type('led test')).toContain('led test: done');
    expect(await host.type('buzzer test')).toContain('error: buzzer test: no buzzer fitted');
    expect(await host.type('mqtt test')).toContain('error: mqtt test: not connected to mqtt://127.0.0.1:1883');
    expect(rig.target.calls).toEqual(['display test', 'led test', 'buzzer test', 'mqtt test']);
    const history = await host.type('history');
    expect(history).toMatch(/2026-01-01 00:01:40 +1200 JPY +order-2 +paypay/);
    expect(history).toMatch(/480 JPY +order-1/);
    expect(await host.type('history 1')).not.toContain('order-1');
    const log = await host.type('log 5');
    expect(log).toContain('"msg":"audit"');
    expect(log).toContain('"action":"mqtt test"');
    expect(await host.type('network scan')).toMatch(/80% +secured +Shop Net[\s\S]*40% +open +Cafe Guest/);
    expect(await host.type('network')).toMatch(/wlan0 \(wifi\): disconnected/);
  });

  it('joins Wi-Fi, asking for the PSK without echoing it', async () => {
    const from = host.mark();
    host.write('wifi "Shop Net"\r');
    await host.waitFor('passphrase for "Shop Net" (empty for an open network): ', from);
    host.write('shop-Wifi-psk9\r');
    const out = await host.waitFor(/joined "Shop Net"[\s\S]*> $/, from);
    expect(out).toContain('Wi-Fi "Shop Net" connected, 192.168.50.23/24, internet: full');
    expect(out).not.toContain('shop-Wifi-psk9');
    expect(await host.type('wifi "Cafe Guest" wrong-psk-1')).toContain('error: Connection activation failed: Secrets were required, but not provided.');
    expect(rig.sink.lines.some((l) => l.includes('"action":"wifi"') && l.includes('"ssid":"Shop Net"'))).toBe(true);
  });

  it('asks before a factory reset and does nothing without "yes"', async () => {
    await host.type('set display.rotation 180');
    let from = host.mark();
    host.write('factory-reset\r');
    await host.waitFor('Type "yes" to go on: ', from);
    host.write('no\r');
    await host.waitFor(/cancelled; nothing was changed\r\ntillqr> $/, from);
    expect((await rig.savedConfig()).display).toEqual({ rotation: 180 });
    from = host.mark();
    host.write('factory-reset\r');
    await host.waitFor('Type "yes" to go on: ', from);
    host.write('yes\r');
    await host.waitFor('factory reset done; restarting', from);
    await rigRestarted();
    expect(await rig.savedConfig()).toEqual({});
    expect(rig.targets[0]?.calls).toEqual(['factory-reset', 'restart']);
  });
});

async function rigRestarted(): Promise<void> {
  const { until } = await import('./rig.js');
  await until(() => rig.targets.length === 2 && rig.console.state === 'open', 'the device restarted');
}
