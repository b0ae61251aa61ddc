import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { sha256File } from '../../../src/fleet/installer.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState } from '../../../src/fleet/update-state.js';
import { bundleHelper, exited, spawnJs, waitForLine } from '../../helpers/child.js';
import { installFirst, makeArtifact, tempDir } from './fleet-kit.js';

const STEPS = ['"start"', '"verified"', 'unpacked the release', 'recorded the pending release', 'switched the current release', '"done"'];

describe('SIGKILL at each install step', () => {
  let script: string;
  let artifact: string;
  let sha: string;
  let size: number;

  beforeAll(async () => {
    script = await bundleHelper(new URL('./install-child.ts', import.meta.url).pathname);
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`dist/lib/m${i}.js`] = `export const v${i} = ${JSON.stringify('y'.repeat(2000 + i))};\n`;
    artifact = await makeArtifact('2.0.0', files);
    sha = await sha256File(artifact);
    size = (await stat(artifact)).size;
  });

  async function killAt(marker: string | number): Promise<{ current: string | undefined; pending: string | undefined; output: string }> {
    const root = await tempDir('tillqr-kill-');
    const stateDir = await tempDir();
    await installFirst(root, '1.0.0');
    const child = spawnJs(script, [root, stateDir, artifact, '2.0.0', '1.0.0', sha, String(size)]);
    if (typeof marker === 'number') {
      await waitForLine(child, /"start"/);
      await new Promise((r) => setTimeout(r, marker));
    } else {
      await waitForLine(child, new RegExp(marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    }
    child.kill('SIGKILL');
    await exited(child);
    // systemd starts the daemon again: the boot check first (from the committed release).
    const releases = new ReleaseDir(root);
    await bootCheck({ releases, stateDir, maxBootAttempts: 3, nowSec: 1, logger: silentLogger });
    const current = await releases.linkVersion('current');
    expect(current === undefined ? false : await releases.isComplete(current)).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'current/dist/src/cli/tillqr.js')]);
    const state = await loadUpdateState(stateDir);
    return { current, pending: state.pending?.version, output: stdout };
  }

  for (const step of STEPS) {
    it(`killed after ${step}: a complete release starts, and a new one only under the boot counter`, async () => {
      const r = await killAt(step);
      expect(r.output).toBe(`release ${r.current}\n`);
      if (r.current === '2.0.0') expect(r.pending).toBe('2.0.0');
      else expect(r.pending).toBeUndefined();
      if (step === '"start"' || step === '"verified"') expect(r.current).toBe('1.0.0');
      if (step === 'switched the current release' || step === '"done"') expect(r.current).toBe('2.0.0');
    });
  }

  it('killed at random moments during the unpack: the old release still starts', async () => {
    for (const ms of [5, 20, 40, 60, 90, 130]) {
      const r = await killAt(ms);
      expect(r.output).toBe(`release ${r.current}\n`);
      if (r.current === '1.0.0') expect(r.pending).toBeUndefined();
      else expect(r.pending).toBe('2.0.0');
    }
  });
});
