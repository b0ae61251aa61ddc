/**
 * The console for a program: JSON lines over a real pty, provisioning bundles applied through it.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTillqrError } from '../../../src/core/errors.js';
import { BUNDLE_PASSPHRASE, makeBundle, toBase64 } from '../../unit/console/bundle-fixture.js';
import { Host, Rig } from './rig.js';
import { makeTls, type TestTls } from './tls.js';

let rig: Rig;
let host: Host;
let tls: TestTls;

beforeAll(async () => {
  tls = await makeTls();
});

beforeEach(async () => {
  rig = await Rig.start();
  host = await Host.open(rig.pty.host);
  await host.sync();
});

afterEach(async () => {
  await host.close();
  await rig.close();
});

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isTillqrError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the request succeeded');
}

describe('console for a program (JSON lines)', () => {
  it('answers each request with exactly one JSON line carrying its id, and echoes nothing', async () => {
    const from = host.mark();
    host.write(
      '{"id":"7","cmd":"set","args":["display.rotation","90"]}\n{"id":"8","cmd":"get","args":["display.rotation"]}\n{"id":9,"cmd":"mqtt","args":["test"]}\n',
    );
    const text = await host.waitFor(/"id":9,[^\n]*\r\n/, from);
    const lines = text.split('\r\n').filter((l) => l !== '');
    expect(lines).toEqual([
      '{"id":"7","ok":true,"data":{"key":"display.rotation","value":90,"changed":["display.rotation"],"restartRequired":false}}',
      '{"id":"8","ok":true,"data":{"key":"display.rotation","value":90}}',
      '{"id":9,"ok":false,"error":{"code":"CONSOLE_TEST_FAILED","message":"mqtt test: not connected to mqtt://127.0.0.1:1883"}}',
    ]);
    expect((await rig.savedConfig()).display).toEqual({ rotation: 90 });
  });

  it('replies to malformed requests with an error line, with the id when there is one', async () => {
    const from = host.mark();
    host.write('{"id":"1","cmd":"frobnicate"}\n{"id":"2",\n{"id":"3","cmd":"get"}\n{"cmd":"status"}\n');
    const text = await host.waitFor(/(\{[^\n]*\r\n){4}/, from);
    const replies = text
      .split('\r\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { id: unknown; ok: boolean; error: { code: string; message: string } });
    expect(replies.map((r) => [r.id, r.ok, r.error.code])).toEqual([
      ['1', false, 'CONSOLE_BAD_COMMAND'],
      [null, false, 'CONSOLE_BAD_COMMAND'],
      ['3', false, 'CONSOLE_BAD_COMMAND'],
      [null, false, 'CONSOLE_BAD_COMMAND'],
    ]);
    expect(replies[0]?.error.message).toMatch(/unknown command "frobnicate"/);
    expect(replies[2]?.error.message).toBe('usage: get KEY');
    expect(await host.client.request('version')).toMatchObject({ version: '0.1.0-test' });
  });

  it('provisions from a base64 bundle: config, merchant, panel and pins, keys, passphrase hash', async () => {
    const bundle = makeBundle();
    const r = (await host.client.request('provision', [toBase64(bundle)])) as Record<string, unknown>;
    expect(r.deviceId).toBe('shop-042');
    expect(r.restartRequired).toBe(true);
    expect(r.restartKeys).toEqual(expect.arrayContaining(['deviceId', 'mqtt.username', 'mqtt.password', 'display.panel', 'signal.led.green']));
    const c = await rig.savedConfig();
    expect(c.deviceId).toBe('shop-042');
    expect(c.mqtt).toEqual({ url: 'mqtt://127.0.0.1:1883', username: 'shop-042', password: 'broker-Secret-77' });
    expect(c.merchant).toEqual(bundle.merchant);
    expect(c.display).toEqual({ panel: 'waveshare-4in2-v2', rotation: 90 });
    expect((c.signal as Record<string, unknown>).led).toEqual({ kind: 'dual', green: 20, red: 21 });
    expect((c.trust as { backendKeys: unknown[] }).backendKeys).toEqual(bundle.backendKeys);
    const hash = (c.console as { passphraseHash: string }).passphraseHash;
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(JSON.stringify(c)).not.toContain(BUNDLE_PASSPHRASE);
    // The session that provisioned stays logged in; others must log in.
    expect(await host.client.request('get', ['deviceId'])).toEqual({ key: 'deviceId', value: 'shop-042' });
    expect(rig.sink.lines.some((l) => l.includes('"action":"provision"') && l.includes('"actor":"console"'))).toBe(true);
  });

  it('validates the whole bundle first: a bad one changes nothing', async () => {
    await host.client.request('set', ['display.rotation', '180']);
    const before = await readFile(rig.configPath, 'utf8');
    const bad = makeBundle({ mqtt: { url: 'mqtts://broker:8883', caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.otherKeyPem } });
    const f = await failure(host.client.request('provision', [JSON.stringify(bad)]));
    expect(f.code).toBe('PROVISION_INVALID');
    expect(f.message).toMatch(/mqtt.keyPem: the key does not belong to the certificate/);
    expect(await readFile(rig.configPath, 'utf8')).toBe(before);
    await expect(readdir(rig.tlsDir)).rejects.toThrow(/ENOENT/);
    const alsoBad = makeBundle({ signal: { led: { kind: 'dual', green: 13, red: 6 } } }); // 13 is the buzzer's pin
    const g = await failure(host.client.request('provision', [toBase64(alsoBad)]));
    expect(g.message).toMatch(/both BCM 13/);
    expect(await readFile(rig.configPath, 'utf8')).toBe(before);
  });

  it('writes TLS material to files (the key 0600) and replaces them on re-provisioning', async () => {
    const bundle = makeBundle({ mqtt: { url: 'mqtts://broker.example:8883', caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem } });
    const r = (await host.client.request('provision', [toBase64(bundle)])) as { files: string[] };
    expect(r.files).toHaveLength(3);
    const mqtt = (await rig.savedConfig()).mqtt as Record<string, string>;
    expect(mqtt.caFile).toMatch(/tls\/ca-[0-9a-f]{12}\.pem$/);
    expect(mqtt.certFile).toMatch(/tls\/client-[0-9a-f]{12}\.crt$/);
    expect(mqtt.keyFile).toMatch(/tls\/client-[0-9a-f]{12}\.key$/);
    expect(mqtt.username).toBeUndefined(); // the bundle owns the broker keys
    expect(await readFile(mqtt.keyFile ?? '', 'utf8')).toBe(tls.keyPem.endsWith('\n') ? tls.keyPem : `${tls.keyPem}\n`);
    expect((await stat(mqtt.keyFile ?? '')).mode & 0o777).toBe(0o600);
    expect((await stat(mqtt.caFile ?? '')).mode & 0o777).toBe(0o644);

    const tls2 = await makeTls();
    await host.client.request('provision', [
      toBase64(makeBundle({ mqtt: { url: 'mqtts://broker.example:8883', caPem: tls2.caPem, certPem: tls2.certPem, keyPem: tls2.keyPem } })),
    ]);
    const mqtt2 = (await rig.savedConfig()).mqtt as Record<string, string>;
    expect(mqtt2.keyFile).not.toBe(mqtt.keyFile);
    expect((await readdir(rig.tlsDir)).sort()).toEqual([mqtt2.caFile, mqtt2.certFile, mqtt2.keyFile].map((p) => p?.slice(rig.tlsDir.length + 1)).sort());
    await host.client.request('provision', [toBase64(makeBundle())]);
    expect(await readdir(rig.tlsDir)).toEqual([]);
    expect((await rig.savedConfig()).mqtt).not.toHaveProperty('caFile');
  });

  it('factory-reset in JSON mode needs "yes", then erases config and TLS files', async () => {
    const bundle = makeBundle({ mqtt: { url: 'mqtts://broker.example:8883', caPem: tls.caPem } });
    await host.client.request('provision', [toBase64(bundle)]);
    expect(await readdir(rig.tlsDir)).toHaveLength(1);
    const f = await failure(host.client.request('factory-reset'));
    expect(f).toEqual({ code: 'CONSOLE_NEEDS_CONFIRM', message: 'factory-reset needs the argument "yes"' });
    expect(await host.client.request('factory-reset', ['yes'])).toMatchObject({ reset: true, wiped: ['configuration', 'TLS files from the bundle'] });
    expect(await rig.savedConfig()).toEqual({});
    expect(await readdir(rig.tlsDir)).toEqual([]);
    expect(join(rig.dir, 'config.json')).toBe(rig.configPath);
  });
});
