/**
 * Passphrase, lockout and redaction over a real pty. Lockout time runs on a FakeClock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { isTillqrError } from '../../../src/core/errors.js';
import { BUNDLE_PASSPHRASE, makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { Host, Rig } from './rig.js';
import { makeTls } from './tls.js';

let rig: Rig | undefined;
let host: Host | undefined;

afterEach(async () => {
  await host?.close();
  await rig?.close();
  host = undefined;
  rig = undefined;
});

async function provisioned(clock?: FakeClock, bundle = makeBundle()): Promise<{ rig: Rig; host: Host }> {
  rig = await Rig.start(clock ? { clock } : {});
  host = await Host.open(rig.pty.host);
  await host.sync();
  await host.client.request('provision', [toBase64(bundle)]);
  await host.client.request('logout');
  return { rig, host };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isTillqrError(e)) return `${e.code}: ${e.message}`;
    throw e;
  }
}

describe('console security', () => {
  it('is open before provisioning and locked after it, except help, version and login', async () => {
    const { host: h } = await provisioned();
    expect(await code(h.client.request('status'))).toBe('CONSOLE_LOCKED: the console is locked; log in first: login');
    expect(await code(h.client.request('config'))).toMatch(/^CONSOLE_LOCKED/);
    expect(await code(h.client.request('set', ['display.rotation', '0']))).toMatch(/^CONSOLE_LOCKED/);
    expect(await h.client.request('version')).toMatchObject({ version: '0.1.0-test' });
    expect(await code(h.client.request('help'))).toBe('ok');
    expect(await h.client.request('login', [BUNDLE_PASSPHRASE])).toEqual({ authed: true });
    expect(await code(h.client.request('status'))).toBe('ok');
    expect((await h.type('logout')).endsWith('shop-042 (locked)> ')).toBe(true);
  });

  it('makes the technician wait longer after each wrong passphrase (FakeClock)', async () => {
    const clock = new FakeClock();
    const { rig: r, host: h } = await provisioned(clock);
    expect(await code(h.client.request('login', ['wrong-one']))).toBe('CONSOLE_AUTH_FAILED: wrong passphrase; the next attempt is possible in 1 s');
    // the right passphrase is not even checked while the delay runs
    expect(await code(h.client.request('login', [BUNDLE_PASSPHRASE]))).toBe('CONSOLE_LOCKED_OUT: too many wrong passphrases; try again in 1 s');
    clock.advance(1000);
    expect(await code(h.client.request('login', ['wrong-two']))).toMatch(/next attempt is possible in 2 s$/);
    clock.advance(1999);
    expect(await code(h.client.request('login', [BUNDLE_PASSPHRASE]))).toMatch(/^CONSOLE_LOCKED_OUT: .*in 1 s$/);
    clock.advance(1);
    expect(await code(h.client.request('login', ['wrong-three']))).toMatch(/in 4 s$/);
    clock.advance(4000);
    expect(await code(h.client.request('login', ['wrong-four']))).toMatch(/in 8 s$/);
    expect(r.console.lockout.failures).toBe(4);
    clock.advance(8000);
    expect(await h.client.request('login', [BUNDLE_PASSPHRASE])).toEqual({ authed: true });
    expect(r.console.lockout.failures).toBe(0);
    expect(r.sink.lines.filter((l) => l.includes('"action":"login-failed"'))).toHaveLength(4);
    expect(r.sink.lines.some((l) => l.includes('"action":"login"'))).toBe(true);
  });

  it('logs a session out after the idle time (FakeClock)', async () => {
    const clock = new FakeClock();
    const { host: h } = await provisioned(clock);
    await h.client.request('login', [BUNDLE_PASSPHRASE]);
    clock.advance(899_000);
    expect(await code(h.client.request('status'))).toBe('ok');
    clock.advance(900_000);
    expect(await code(h.client.request('status'))).toMatch(/^CONSOLE_LOCKED/);
    expect(h.text).toContain('(logged out after 900 s without input)');
  });

  it('never lets a secret out on the port or into the log', async () => {
    const tls = await makeTls();
    const bundle = makeBundle({
      mqtt: { url: 'mqtts://broker.example:8883', password: 'broker-Secret-77', caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem },
      wifi: { ssid: 'Shop Net', psk: 'shop-Wifi-psk9' },
    });
    rig = await Rig.start();
    host = await Host.open(rig.pty.host);
    await host.sync();
    // a person pastes the bundle, logs in, sets a secret, joins Wi-Fi; then everything is printed
    await host.type(`provision ${toBase64(bundle)}`);
    await host.type('logout');
    await host.type(`login ${BUNDLE_PASSPHRASE}`);
    let from = host.mark();
    host.write('login\r');
    await host.waitFor('passphrase: ', from);
    host.write(`${BUNDLE_PASSPHRASE}\r`);
    await host.waitFor('logged in', from);
    await host.type('set mqtt.password new-Broker-Secret-88');
    await host.type(`set mqtt.password ${'x'.repeat(1100)}`); // refused: its message must not quote it
    from = host.mark();
    host.write('wifi "Shop Net"\r');
    await host.waitFor('(empty for an open network): ', from);
    host.write('shop-Wifi-psk9\r');
    await host.waitFor(/joined[\s\S]*> $/, from);
    await host.type('wifi "Shop Net" shop-Wifi-psk9');
    await host.type('config');
    await host.type('get mqtt.password');
    await host.type('get console.passphraseHash');
    await host.type('get mqtt');
    await host.type('log 500');
    await host.client.request('config');
    await host.client.request('log', ['500']);
    await host.client.request('get', ['mqtt.keyFile']);
    const hash = rig.store.current.console.passphraseHash ?? 'no hash';
    const keyBody = tls.keyPem.split('\n')[1] ?? 'no key';
    const secrets = [
      'x'.repeat(20),
      BUNDLE_PASSPHRASE,
      'broker-Secret-77',
      'new-Broker-Secret-88',
      'shop-Wifi-psk9',
      keyBody,
      hash,
      hash.split('$')[5] ?? 'no hash',
    ];
    const wire = host.text;
    const log = rig.sink.lines.join('\n');
    for (const s of secrets) {
      expect(wire).not.toContain(s);
      expect(log).not.toContain(s);
    }
    expect(wire).toContain('"password": "[redacted]"');
    expect(wire).toContain('mqtt.password = [redacted]');
    expect(wire).toContain('console.passphraseHash = [redacted]');
    expect(rig.network.connectedSsid).toBe('Shop Net');
    expect(rig.network.calls.filter((c) => c.op === 'connect').every((c) => c.pskMatched === true)).toBe(true);
    expect(rig.store.current.mqtt.password).toBe('new-Broker-Secret-88');
  });
});
