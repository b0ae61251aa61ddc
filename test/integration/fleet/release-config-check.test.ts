/**
 * Before `current` switches to a new release, that release's own `tillqr config check --config
 * <live file>` runs as a real child process; a release that refuses the device's configuration is
 * refused (rejected, config_rejected, its output on the update status with no secret in it), and
 * nothing is switched. Over a real Mosquitto and a local HTTPS artifact server.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJob } from '../../../src/fleet/operator/sign.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState } from '../../../src/fleet/update-state.js';
import { Mosquitto } from '../../helpers/mosquitto.js';
import { ArtifactServer } from './https-server.js';
import { installFirst, makeArtifact, makeKey, Observer, startAgent, tempDir, TestHost, type RunningAgent } from './fleet-kit.js';

const PASSWORD = 'hunter2-broker-password';

/** A release whose `config check` refuses this device's file and, carelessly, prints a secret from it. */
const REFUSING_ENTRY = `
const fs = require('node:fs');
const a = process.argv.slice(2);
if (a[0] === 'config' && a[1] === 'check') {
  const c = JSON.parse(fs.readFileSync(a[3], 'utf8'));
  process.stderr.write(a[3] + ' has 1 problem:\\n  display.panel: ' + JSON.stringify(c.display && c.display.panel) + ' is not a panel this release drives (mqtt.password was ' + c.mqtt.password + ')\\n');
  process.exit(78);
}
process.stdout.write('release 1.2.0\\n');
`;

interface Status {
  state: string;
  reason?: string;
  detail?: string;
}

describe("a new release's own config check before the switch", () => {
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

  async function device(id: string): Promise<{ root: string; host: TestHost; agent: RunningAgent }> {
    const stateDir = await tempDir();
    const root = await tempDir('tillqr-opt-');
    await installFirst(root, '1.0.0');
    const host = new TestHost('1.0.0');
    const agent = await startAgent(
      {
        deviceId: id,
        url: broker.url,
        stateDir,
        releaseRoot: root,
        releaseKeys: [release],
        fleet: { artifactCaFile: https.caFile },
        mqtt: { username: 'till', password: PASSWORD },
        extra: { display: { panel: 'waveshare-2in9-v2' } },
      },
      host,
    );
    running.push(agent);
    return { root, host, agent };
  }

  const final = (id: string) =>
    obs.until<Status>(`tillqr/v1/${id}/update/status`, (m) => ['succeeded', 'failed', 'rejected', 'rolled_back', 'restarting'].includes(m.at(-1)?.state ?? ''));

  it('refuses a release that refuses the live config: nothing switched, the reason and its output on the status, no secret', async () => {
    const id = 'till-check-refused';
    const { root, host } = await device(id);
    const art = await makeArtifact('1.2.0', { 'dist/src/cli/tillqr.js': REFUSING_ENTRY });
    https.files.set('/tillqr-1.2.0.tar.gz', await readFile(art));
    const { token, job } = await signJob(art, { version: '1.2.0', from: ['1.0.x'], url: https.url('/tillqr-1.2.0.tar.gz'), ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    const last = (await final(id)).at(-1);
    expect(last).toMatchObject({ state: 'rejected', reason: 'config_rejected' });
    expect(last?.detail).toContain('exit 78');
    expect(last?.detail).toContain('display.panel: "waveshare-2in9-v2" is not a panel this release drives');
    expect(last?.detail).not.toContain(PASSWORD);
    expect(last?.detail).toContain('[redacted]');
    const releases = new ReleaseDir(root);
    expect(await releases.linkVersion('current')).toBe('1.0.0');
    expect(await releases.versions()).toEqual(['1.0.0']);
    expect(host.restarts).toEqual([]);
    const st = await loadUpdateState(running.at(-1)!.store.current.stateDir);
    expect(st.pending).toBeUndefined();
    expect(st.last).toMatchObject({ jobId: job.jobId, state: 'rejected', reason: 'config_rejected' });
  });

  it('takes a release whose check passes, and keeps the running release config as its snapshot', async () => {
    const id = 'till-check-ok';
    const { root, agent } = await device(id);
    const art = await makeArtifact('1.1.0');
    https.files.set('/tillqr-1.1.0.tar.gz', await readFile(art));
    const { token } = await signJob(art, { version: '1.1.0', from: ['1.0.x'], url: https.url('/tillqr-1.1.0.tar.gz'), ttlSec: 600 }, release);
    await obs.publish(`tillqr/v1/${id}/update`, token);
    expect((await final(id)).at(-1)).toMatchObject({ state: 'restarting' });
    const releases = new ReleaseDir(root);
    expect(await releases.linkVersion('current')).toBe('1.1.0');
    expect(await readFile(releases.snapshotOf('1.0.0'), 'utf8')).toBe(await readFile(agent.store.path, 'utf8'));
  });

  it("keeps the committed release's snapshot the config it runs with: at start and after every change", async () => {
    const { root, agent } = await device('till-snapshot-follows');
    const releases = new ReleaseDir(root);
    const snapshot = () => readFile(releases.snapshotOf('1.0.0'), 'utf8').catch(() => '');
    expect(await snapshot()).toBe(await readFile(agent.store.path, 'utf8'));
    await agent.store.setText('display.rotation', '180', 'console');
    // The listener queued a snapshot; this one runs after it.
    await agent.agent.updates.configChanged();
    const seen = await snapshot();
    expect(seen).toBe(await readFile(agent.store.path, 'utf8'));
    expect(JSON.parse(seen)).toMatchObject({ display: { panel: 'waveshare-2in9-v2', rotation: 180 } });
  });
});
