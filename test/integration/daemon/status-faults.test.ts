/**
 * The console's `status` lists every active fault, not only the panel and the state directory:
 * a config file written by a newer release (a key this one does not know) shows as a `config`
 * fault, in the text a technician reads and in the JSON a provisioning tool reads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memorySink } from '../../../src/core/logger.js';
import { startDaemon, type Daemon } from '../../../src/main.js';
import { PtyPair } from '../console/pty.js';
import { Host } from '../console/rig.js';

let daemon: Daemon | undefined;
let host: Host | undefined;
let pty: PtyPair | undefined;
let dir: string | undefined;

afterEach(async () => {
  await host?.close();
  await daemon?.stop();
  await pty?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  daemon = host = pty = dir = undefined;
});

describe('console status and faults', () => {
  it('shows a config fault for a key a newer release wrote', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tillqr-status-faults-'));
    pty = await PtyPair.create();
    const configPath = join(dir, 'config.json');
    await writeFile(
      configPath,
      JSON.stringify({ hardware: 'sim', stateDir: join(dir, 'state'), console: { port: pty.device }, voiceOfTheFuture: { enabled: true } }),
    );
    daemon = await startDaemon({ configPath, env: {}, logSink: memorySink(2000) });
    host = await Host.open(pty.host);
    // The console opens its port as the daemon starts; the first answered line shows it is up.
    const mark = host.mark();
    host.write('version\r');
    await host.waitFor(/tillqr \S+\r\n\S*> $/, mark);
    const text = await host.type('status');
    expect(text).toMatch(/fault: +config CONFIG_UNKNOWN_KEY: .*voiceOfTheFuture/);
    const data = (await host.client.request('status')) as { faults: { part: string; code: string }[] };
    expect(data.faults).toContainEqual(expect.objectContaining({ part: 'config', code: 'CONFIG_UNKNOWN_KEY' }));
  });
});
