/**
 * A health window that ends while a sale is on screen: the rollback (and its restart) waits until
 * the till is idle, then happens. Over a real Mosquitto and a local HTTPS artifact server, the
 * window timed by a FakeClock.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { until } from '../../helpers/payment-kit.js';
import { ArtifactServer } from './https-server.js';
import { installFirst, makeArtifact, makeKey, Observer, startAgent, tempDir, TestHost, type RunningAgent } from './fleet-kit.js';

describe('a health window that ends during a sale', () => {
  let broker: Mosquitto;
  let https: ArtifactServer;
  let obs: Observer;
  const release = makeKey();
  const running: RunningAgent[] = [];

  beforeAll(async () => {
    broker = await Mosquitto.start();
    https = await ArtifactServer.start();
    obs = await Observer.connect(broker.url, ['tillqr/v1/+/update/status']);
  });
  afterAll(async () => {
    for (const r of running) await r.stop().catch(() => undefined);
    await obs?.close();
    await https?.close();
    await broker?.close();
  });

  it('rolls back only once the sale has ended', async () => {
    const id = 'till-window-sale';
    const stateDir = await tempDir();
    const releaseRoot = await tempDir('tillqr-opt-');
    await installFirst(releaseRoot, '1.0.0');
    const setup = { deviceId: id, url: broker.url, stateDir, releaseRoot, releaseKeys: [release], fleet: { artifactCaFile: https.caFile } };
    const art = await makeArtifact('1.1.0');
    https.files.set('/a.tar.gz', await readFile(art));
    const n = await startAgent(setup, new TestHost('1.0.0'));
    running.push(n);
    await obs.publish(
      `tillqr/v1/${id}/update`,
      (await signJob(art, { version: '1.1.0', from: ['1.0.x'], url: https.url('/a.tar.gz'), ttlSec: 600 }, release)).token,
    );
    await obs.until<{ state: string }>(`tillqr/v1/${id}/update/status`, (m) => m.at(-1)?.state === 'restarting');
    await n.stop();
    const releases = new ReleaseDir(releaseRoot);
    await bootCheck({ releases, stateDir, maxBootAttempts: 3, nowSec: 0, logger: silentLogger });

    const clock = new FakeClock(Date.now());
    const host = new TestHost('1.1.0');
    host.healthy = { brokerConnected: true, displayDrawn: false };
    const n1 = await startAgent(setup, host, clock);
    running.push(n1);
    host.sale = true;
    clock.advance(11_000);
    clock.advance(5_000);
    // The window is over, but a customer is paying: the agent decides (defer or roll back) at once...
    const said = (text: string) => n1.log.lines.some((l) => l.includes(text));
    await until(() => said('the health window is over during a sale') || said('rolling back'), 10_000, 'the decision at the end of the window');
    // ...and defers: nothing is switched, nothing restarts.
    expect(said('rolling back')).toBe(false);
    expect(host.restarts).toEqual([]);
    expect(await releases.linkVersion('current')).toBe('1.1.0');
    host.endSale();
    await until(() => host.restarts.length > 0, 10_000, 'the rollback once idle');
    expect(host.restarts).toEqual(['rollback from 1.1.0']);
    expect(await releases.linkVersion('current')).toBe('1.0.0');
  });
});
