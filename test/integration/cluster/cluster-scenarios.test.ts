/**
 * The payment and fleet contract on a real 3-node RabbitMQ cluster (MQTT 3.1.1): the device on
 * node a, the backend on node b, the operator on node c. RabbitMQ keeps retained messages per node
 * and never delivers them through a wildcard, so everything here must work from live traffic:
 * `fleet status` and group membership come from the sweep (fleet/ping), not from retained copies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { chargeBody, deviceConfig, makeKey, paymentBody, startDevice, tempDir, TestBackend, until, type RunningDevice } from '../../helpers/payment-kit.js';
import { FleetDevice } from '../fleet/fleet-device.js';
import { makeArtifact, startAgent, TestHost, type DeviceSetup, type RunningAgent } from '../fleet/fleet-kit.js';
import { fleetCli, interruptor, keyFile, tableRows } from '../fleet/operator-kit.js';
import { startCluster, Watcher } from './cluster-kit.js';

const started = await startCluster();
const cluster = started.cluster;

describe.skipIf(cluster === undefined)(
  `payments and the fleet on a 3-node RabbitMQ cluster${started.skip !== undefined ? ` (skipped: ${started.skip})` : ''}`,
  () => {
    const [A = '', B = '', C = ''] = cluster?.urls ?? [];
    const key = makeKey();
    const running: { stop(): Promise<void> }[] = [];
    let backend: TestBackend | undefined;

    afterAll(async () => {
      for (const r of running.reverse()) await r.stop().catch(() => undefined);
      await backend?.close();
      await cluster?.close();
    });

    /** A device on node a, returned once node b has seen its `online: true` (its subscriptions hold by then). */
    async function device(id: string, stateDir?: string): Promise<RunningDevice> {
      const seen = await Watcher.connect(B, [`tillqr/v1/${id}/status`]);
      try {
        const d = await startDevice(deviceConfig({ deviceId: id, url: A, keys: [key], stateDir: stateDir ?? (await tempDir()), mqtt: { protocolVersion: 4 } }));
        running.push(d);
        await until(() => seen.json<{ online: boolean }>(`tillqr/v1/${id}/status`).some((s) => s.online), 20_000, `${id} online as seen from node b`);
        return d;
      } finally {
        await seen.close();
      }
    }

    async function backendOn(): Promise<TestBackend> {
      backend ??= await TestBackend.connect(B);
      return backend;
    }

    it('charge, confirmation and replay refusal across nodes', async () => {
      expect(await cluster?.runningNodes()).toHaveLength(3);
      const d = await device('till-p1');
      const be = await backendOn();
      expect(be.client.protocolVersion).toBe(4);
      await be.watch('till-p1');
      await be.send('till-p1', 'charge', be.sign('till-p1', key, chargeBody('ORD-C1')));
      expect(await be.nth('till-p1', 1)).toMatchObject({ type: 'displayed', orderId: 'ORD-C1' });
      expect(d.screen.current).toMatchObject({ name: 'charge', orderId: 'ORD-C1' });
      const pay = be.sign('till-p1', key, paymentBody('ORD-C1'));
      await be.send('till-p1', 'payment', pay);
      expect(await be.nth('till-p1', 2)).toMatchObject({ type: 'paid', orderId: 'ORD-C1' });
      expect(d.screen.current).toMatchObject({ name: 'paid', orderId: 'ORD-C1' });
      // The same token again (a new publish, not a broker redelivery): refused, no second beep.
      await be.send('till-p1', 'payment', pay);
      expect(await be.nth('till-p1', 3)).toMatchObject({ type: 'rejected', reason: 'replayed', orderId: 'ORD-C1' });
      expect(d.indicator.count('paid')).toBe(1);
    });

    it('delivers a confirmation published while the device was off once it restarts', async () => {
      const stateDir = await tempDir();
      const d = await device('till-p2', stateDir);
      const be = await backendOn();
      await be.watch('till-p2');
      await be.send('till-p2', 'charge', be.sign('till-p2', key, chargeBody('ORD-C2')));
      expect(await be.nth('till-p2', 1)).toMatchObject({ type: 'displayed', orderId: 'ORD-C2' });
      await d.stop();
      await be.send('till-p2', 'payment', be.sign('till-p2', key, paymentBody('ORD-C2')));
      const again = await device('till-p2', stateDir);
      expect(await be.nth('till-p2', 2)).toMatchObject({ type: 'paid', orderId: 'ORD-C2' });
      expect(again.screen.current).toMatchObject({ name: 'paid', orderId: 'ORD-C2' });
      expect(again.indicator.count('paid')).toBe(1);
    });

    describe('fleet', () => {
      let fleetKey: Awaited<ReturnType<typeof keyFile>>;
      let agent: RunningAgent;
      let setup: DeviceSetup;
      let watch: Watcher;
      const env = (): NodeJS.ProcessEnv => ({ TILLQR_FLEET_URL: C });

      it('`fleet status` on node c lists a device connected to node a (from the sweep, not retained copies)', async () => {
        fleetKey = await keyFile('fleet');
        watch = await Watcher.connect(C, ['tillqr/v1/till-f1/config/reported']);
        running.push({ stop: () => watch.close() });
        await device('till-f1');
        setup = {
          deviceId: 'till-f1',
          url: A,
          fleetKeys: [fleetKey],
          groups: ['shop-9'],
          mqtt: { protocolVersion: 4 },
          stateDir: await tempDir(),
          releaseRoot: await tempDir('tillqr-opt-'),
        };
        agent = await startAgent(setup, new TestHost('1.0.0'));
        running.push(agent);
        await until(() => watch.json('tillqr/v1/till-f1/config/reported').length > 0, 20_000, 'the agent reported');
        const r = await fleetCli(['status'], { env: env() });
        expect(r.code, r.err).toBe(0);
        const row = tableRows(r.out).find((x) => x.DEVICE === 'till-f1');
        expect(row, r.out).toMatchObject({ ONLINE: 'yes', STATE: 'idle', GROUPS: 'shop-9' });
      });

      it('desired config for the device and for its group, pushed on node c, is applied on node a', async () => {
        const file = join(await tempDir(), 'desired.json');
        await writeFile(file, JSON.stringify({ display: { rotation: 180 } }));
        const r = await fleetCli(['config', 'push', '--device', 'till-f1', '--file', file, '--key', fleetKey.path, '--version', '7'], { env: env() });
        expect(r.code, r.err).toBe(0);
        await until(() => watch.json<{ device?: number }>('tillqr/v1/till-f1/config/reported').some((x) => x.device === 7), 20_000, 'device document applied');
        expect(agent.store.current.display.rotation).toBe(180);
        await writeFile(file, JSON.stringify({ sale: { resultHoldSec: 9 } }));
        const g = await fleetCli(['config', 'push', '--group', 'shop-9', '--file', file, '--key', fleetKey.path, '--version', '3'], { env: env() });
        expect(g.code, g.err).toBe(0);
        await until(
          () => watch.json<{ groups: Record<string, number> }>('tillqr/v1/till-f1/config/reported').some((x) => x.groups['shop-9'] === 3),
          20_000,
          'group document applied',
        );
      });

      it('a device away during a push gets the document from the responder on node b when it is back on node a', async () => {
        const { interrupted, interrupt } = interruptor();
        const statePath = join(await tempDir(), 'responder.json');
        const responder = fleetCli(['responder', '--url', B, '--state', statePath], { env: env(), interrupted });
        const desired = await Watcher.connect(C, ['tillqr/v1/till-f1/config/desired']);
        running.push({ stop: () => desired.close() });
        await agent.stop();
        const file = join(await tempDir(), 'desired.json');
        await writeFile(file, JSON.stringify({ display: { rotation: 90 } }));
        // The responder connects (and negotiates its MQTT version) on its own time, and a cluster never
        // hands it a retained copy through its wildcard: push again until it has seen the document.
        const held = (): boolean => existsSync(statePath) && readFileSync(statePath, 'utf8').includes('till-f1/config/desired');
        for (let i = 0; !held(); i++) {
          if (i === 50) throw new Error('the responder never saw the pushed document');
          const r = await fleetCli(['config', 'push', '--device', 'till-f1', '--file', file, '--key', fleetKey.path, '--version', '8'], { env: env() });
          expect(r.code, r.err).toBe(0);
          for (let j = 0; j < 10 && !held(); j++) await new Promise((res) => setTimeout(res, 100));
        }
        // The responder holds it once a hello makes it publish the document again (the push was the first copy).
        const hello = JSON.stringify({ typ: 'hello', memberOf: [], at: Math.floor(Date.now() / 1000) });
        const copies = (): number => (desired.seen.get('tillqr/v1/till-f1/config/desired') ?? []).length;
        for (let i = 0; copies() < 2; i++) {
          if (i === 100) throw new Error('the responder did not answer a hello');
          await desired.publish('tillqr/v1/till-f1/fleet/hello', hello);
          await new Promise((res) => setTimeout(res, 200)); // the next hello only if this one found nothing yet
        }
        agent = await startAgent(setup, new TestHost('1.0.0'));
        running.push(agent);
        await until(
          () => watch.json<{ device?: number }>('tillqr/v1/till-f1/config/reported').some((x) => x.device === 8),
          20_000,
          'the document pushed while away applied',
        );
        expect(agent.store.current.display.rotation).toBe(90);
        interrupt();
        expect((await responder).code).toBe(0);
      }, 60_000);

      it('a rollout from node c updates the group on node a over the chunked transfer; members come from the sweep', async () => {
        const releaseKey = await keyFile('release');
        const artifact = await makeArtifact('1.1.0');
        const reported = await Watcher.connect(C, ['tillqr/v1/+/config/reported']);
        running.push({ stop: () => reported.close() });
        const devices: FleetDevice[] = [];
        for (const id of ['till-r1', 'till-r2']) {
          const d = await FleetDevice.start({
            deviceId: id,
            url: A,
            releaseKeys: [releaseKey],
            groups: ['roll'],
            mqtt: { protocolVersion: 4 },
            fleet: { blockSize: 16_384, requestTimeoutSec: 600 },
          });
          devices.push(d);
          running.push({ stop: () => d.stop() });
          await until(() => reported.json(`tillqr/v1/${id}/config/reported`).length > 0, 20_000, `${id} reported`);
        }
        const job = join(await tempDir(), 'job.jws');
        const signed = await fleetCli(
          [
            'release',
            'sign',
            '--key',
            releaseKey.path,
            '--artifact',
            artifact,
            '--version',
            '1.1.0',
            '--job-id',
            'roll-1',
            '--out',
            job,
            '--stream',
            'tillqr-1.1.0',
          ],
          { env: env() },
        );
        expect(signed.code, signed.err).toBe(0);
        const r = await fleetCli(['rollout', '--group', 'roll', '--version', '1.1.0', '--job', job, '--batch', '50%', '--serve', artifact], { env: env() });
        expect(r.code, r.out + r.err).toBe(0);
        expect(r.out).toContain('roll: 2 device(s), 0 already on 1.1.0, 2 to update');
        expect(r.out).toMatch(/done: 2 succeeded, 0 failed\n$/);
        for (const d of devices) expect(await d.releases.linkVersion('committed')).toBe('1.1.0');
      }, 120_000);
    });
  },
);
