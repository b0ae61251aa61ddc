/**
 * Item 1 of the integrators' path (decision 0010): every client command negotiates the MQTT
 * version (5 first, 3.1.1 when the broker refuses 5) and a failed connect names its real cause and
 * the flag that fixes it. Against the simulator's embedded broker (aedes, MQTT 3.1.1 only) and a
 * real Mosquitto (MQTT 5, with a password file).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as backend } from '../../../src/cli/backend.js';
import { run as fleet } from '../../../src/cli/fleet.js';
import { captureIo } from '../../../src/cli/io.js';
import { run as keys } from '../../../src/cli/keys.js';
import { validateConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/core/logger.js';
import { brokerRoundTrip } from '../../../src/daemon/broker-test.js';
import { BackendClient } from '../../../src/link/backend-client.js';
import { connectCause } from '../../../src/link/negotiate.js';
import { EmbeddedBroker } from '../../../src/sim/broker.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { deviceConfig, startDevice, tempDir, type RunningDevice } from '../../helpers/payment-kit.js';

const quiet = createLogger('test.negotiate', { sink: { write: () => undefined } });

describe('client commands negotiate the MQTT version and name the real cause of a failed connect', () => {
  let aedes: EmbeddedBroker;
  let mosquitto: Mosquitto;
  let device: RunningDevice;
  let dir: string;
  let kid: string;

  beforeAll(async () => {
    aedes = await EmbeddedBroker.start({ port: 0, logger: quiet });
    mosquitto = await Mosquitto.start({ users: { op: 'op-secret' }, acl: 'user op\ntopic readwrite #\n' });
    dir = await tempDir('tillqr-negotiate-');
    const io = captureIo({}, dir);
    expect(await keys(['generate', '--out', 'keys'], io)).toBe(0);
    kid = io.out.join('').trim();
    const publicKeyPem = await readFile(join(dir, 'keys', 'backend.pub.pem'), 'utf8');
    device = await startDevice(
      deviceConfig({ deviceId: 'till-neg', url: aedes.url, keys: [{ kid, publicKeyPem }], stateDir: await tempDir(), mqtt: { protocolVersion: 4 } }),
    );
  });
  afterAll(async () => {
    await device?.stop();
    await aedes?.close();
    await mosquitto?.close();
  });

  it('tillqr backend charge works against the embedded 3.1.1 broker without --mqtt3, and --verbose says which version', async () => {
    const io = captureIo({}, dir);
    const code = await backend(
      [
        'charge',
        '--broker',
        aedes.url,
        '--device',
        'till-neg',
        '--key',
        'keys/backend.key.pem',
        `--kid=${kid}`,
        '--amount',
        '1200',
        '--order',
        'NEG-1',
        '--verbose',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(JSON.parse(io.out.join(''))).toMatchObject({ type: 'displayed', orderId: 'NEG-1' });
    expect(io.err.join('')).toMatch(/refused MQTT 5.*\n.*connected to mqtt:\/\/127\.0\.0\.1:\d+ with MQTT 3\.1\.1/);
  });

  it('uses MQTT 5 where the broker speaks it, and --mqtt5 against a 3.1.1 broker names the protocol, not the login', async () => {
    const c = await BackendClient.connect({ url: mosquitto.url, username: 'op', password: 'op-secret' });
    expect(c.protocolVersion).toBe(5);
    await c.close();
    const err = await BackendClient.connect({ url: aedes.url, protocolVersion: 5 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LINK_NOT_CONNECTED', context: { cause: 'protocol' } });
    expect((err as Error).message).toMatch(/refused the MQTT protocol version \(MQTT 5\).*--mqtt5/);
    expect((err as Error).message).not.toMatch(/login|password/);
  });

  it('tillqr fleet status works against the embedded broker; a wrong password is a login error naming TILLQR_FLEET_PASSWORD', async () => {
    const ok = captureIo({}, dir);
    expect(await fleet(['status', '--url', aedes.url], ok)).toBe(0);
    expect(ok.out.join('')).toMatch(/no devices have reported yet|till-neg/);
    const bad = captureIo({ TILLQR_FLEET_PASSWORD: 'wrong' }, dir);
    const err = await fleet(['status', '--url', mosquitto.url, '--username', 'op'], bad).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LINK_NOT_CONNECTED', context: { cause: 'login' } });
    expect((err as Error).message).toMatch(/refused the login.*--username and TILLQR_FLEET_PASSWORD/);
    expect((err as Error).message).not.toContain('wrong');
  });

  it('an unreachable broker and a TLS URL on a plain port say so, with the flag to check', async () => {
    const closed = await BackendClient.connect({ url: 'mqtt://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(closed).toMatchObject({ context: { cause: 'unreachable' } });
    expect((closed as Error).message).toMatch(/cannot be reached.*check --broker/);
    const tls = await BackendClient.connect({ url: aedes.url.replace('mqtt:', 'mqtts:'), connectTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(tls).toMatchObject({ context: { cause: 'tls' } });
    expect((tls as Error).message).toMatch(/TLS handshake failed.*--ca FILE/);
    expect(connectCause({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' })).toBe('tls');
    expect(connectCause({ code: 134, message: 'Connection refused: Bad User Name or Password' })).toBe('login');
  });

  it("the console's mqtt test on a device set to MQTT 5 behind a 3.1.1 broker says to set mqtt.protocolVersion 4", async () => {
    const c = validateConfig({ deviceId: 'till-neg', mqtt: { url: aedes.url, protocolVersion: 5 } });
    const r = await brokerRoundTrip(c, 5000);
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/refused MQTT 5 \(mqtt\.protocolVersion 5\); it accepts MQTT 3\.1\.1: set mqtt\.protocolVersion 4/);
    const v4 = validateConfig({ deviceId: 'till-neg', mqtt: { url: aedes.url, protocolVersion: 4 } });
    expect(await brokerRoundTrip(v4, 5000)).toMatchObject({ ok: true });
  });
});
