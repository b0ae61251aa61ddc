import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectLines, exited, helperPath, spawnTs } from '../../helpers/child.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { chargeBody, makeKey, paymentBody, rawDeviceConfig, tempDir, TestBackend, until } from '../../helpers/payment-kit.js';

const ID = 'till-crash';

class DeviceProcess {
  readonly lines: string[] = [];
  readonly child: ChildProcess;
  constructor(configPath: string) {
    this.child = spawnTs(helperPath('device-entry.ts'), [configPath]);
    collectLines(this.child.stdout, this.lines);
  }
  async ready(): Promise<void> {
    await until(() => this.lines.includes('ready') || this.child.exitCode !== null, 30_000, 'device process ready');
    if (!this.lines.includes('ready')) throw new Error(`device process exited with ${String(this.child.exitCode)}`);
  }
  count(line: string): number {
    return this.lines.filter((l) => l === line).length;
  }
}

describe('the device killed (SIGKILL) with a pending sale and a consumed jti, then restarted', () => {
  let broker: Mosquitto;
  let backend: TestBackend;
  const procs: DeviceProcess[] = [];
  const key = makeKey();

  beforeAll(async () => {
    broker = await Mosquitto.start();
    backend = await TestBackend.connect(broker.url);
    await backend.watch(ID);
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await backend?.close();
    await broker?.close();
  });

  it('restores the pending sale, refuses the replays, and takes the genuine confirmation once', async () => {
    const stateDir = await tempDir();
    const configPath = join(stateDir, 'config.json');
    await writeFile(configPath, JSON.stringify(rawDeviceConfig({ deviceId: ID, url: broker.url, keys: [key], stateDir })));
    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'crash-watch', clean: true });
    const statuses: { online: boolean }[] = [];
    watcher.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()) as { online: boolean }));
    await watcher.subscribeAsync(`tillqr/v1/${ID}/status`, { qos: 1 });

    const first = new DeviceProcess(configPath);
    procs.push(first);
    await first.ready();
    await backend.send(ID, 'charge', backend.sign(ID, key, chargeBody('K-1', 300, { qr: 'Q1' })));
    const pay1 = backend.sign(ID, key, paymentBody('K-1', 300));
    await backend.send(ID, 'payment', pay1);
    const charge2 = backend.sign(ID, key, chargeBody('K-2', 450, { qr: 'Q2', expiresAt: Math.floor(Date.now() / 1000) + 600 }));
    await backend.send(ID, 'charge', charge2);
    await backend.nth(ID, 3);
    expect(backend.of(ID).map((e) => `${e.type} ${e.orderId}`)).toEqual(['displayed K-1', 'paid K-1', 'displayed K-2']);
    expect(first.count('signal paid')).toBe(1);

    first.child.kill('SIGKILL');
    expect(await exited(first.child)).toMatchObject({ signal: 'SIGKILL' });
    // The broker noticed the vanished connection and published the last will.
    await until(() => statuses.at(-1)?.online === false, 20_000, 'last will online:false');

    const second = new DeviceProcess(configPath);
    procs.push(second);
    await second.ready();
    expect(second.lines).toContain('screen charge K-2');
    await until(() => statuses.at(-1)?.online === true, 10_000, 'online again');

    await backend.send(ID, 'payment', pay1);
    await backend.send(ID, 'charge', charge2);
    await backend.nth(ID, 5);
    expect(
      backend
        .of(ID)
        .slice(3)
        .map((e) => `${e.type} ${e.reason} ${e.orderId}`),
    ).toEqual(['rejected replayed K-1', 'rejected replayed K-2']);
    expect(second.count('signal paid')).toBe(0);

    await backend.send(ID, 'payment', backend.sign(ID, key, paymentBody('K-2', 450)));
    expect(await backend.nth(ID, 6)).toMatchObject({ type: 'paid', orderId: 'K-2' });
    await until(() => second.count('signal paid') === 1, 5000, 'paid signal');
    second.child.kill('SIGTERM');
    await exited(second.child);
    expect(second.count('signal paid')).toBe(1);
    await watcher.endAsync(true);
  });
});
