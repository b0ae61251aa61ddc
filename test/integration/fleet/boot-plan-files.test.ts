/**
 * The boot check's executor against its plan, on real files: generated release trees, links,
 * config snapshots, update states and live config files are laid out in a temp dir, the real
 * bootCheck runs, and what it left on disk must be what planBoot said (fast-check, 150
 * layouts: each is real I/O).
 */
import fc from 'fast-check';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck, bootFacts } from '../../../src/fleet/boot-check.js';
import { planBoot } from '../../../src/fleet/boot-plan.js';
import { ENTRY_POINT, ReleaseDir } from '../../../src/fleet/releases.js';
import { loadUpdateState, saveUpdateState, type UpdateStateData } from '../../../src/fleet/update-state.js';
import { tempDir } from './fleet-kit.js';

const VERSIONS = ['1.0.0', '1.1.0', '2.0.0'] as const;
const version = fc.constantFrom(...VERSIONS);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const GOOD = (v: string) => JSON.stringify({ deviceId: `till-${v.replace(/\./g, '-')}`, display: { rotation: 90 } });
const BAD = JSON.stringify({ display: { rotation: 45 } });

const layout = fc.record({
  present: fc.subarray([...VERSIONS]),
  current: maybe(version),
  committed: maybe(version),
  snapshots: fc.subarray([...VERSIONS]),
  badSnapshot: fc.boolean(),
  liveBad: fc.boolean(),
  pending: maybe(
    fc.record({
      jobId: fc.constant('j1'),
      version,
      previous: version,
      rollback: fc.boolean(),
      attempts: fc.integer({ min: 0, max: 4 }),
      installedAt: fc.constant(0),
    }),
  ),
  max: fc.integer({ min: 1, max: 3 }),
});

describe('bootCheck applies exactly what planBoot decides', () => {
  it('leaves the links, the state and the config file as the plan says', async () => {
    await fc.assert(
      fc.asyncProperty(layout, async (l) => {
        const root = await tempDir('tillqr-bpf-');
        const stateDir = join(root, 'state');
        const configPath = join(root, 'config.json');
        try {
          const releases = new ReleaseDir(root);
          for (const v of l.present) {
            await mkdir(join(releases.dirOf(v), 'dist/src/cli'), { recursive: true });
            await writeFile(join(releases.dirOf(v), 'package.json'), JSON.stringify({ name: 'tillqr', version: v }));
            await writeFile(join(releases.dirOf(v), ENTRY_POINT), '');
          }
          if (l.current !== undefined) await symlink(`releases/${l.current}`, join(root, 'current'));
          if (l.committed !== undefined) await symlink(`releases/${l.committed}`, join(root, 'committed'));
          await mkdir(join(root, 'config-snapshots'), { recursive: true });
          for (const v of l.snapshots) await writeFile(releases.snapshotOf(v), l.badSnapshot && v === l.committed ? BAD : GOOD(v));
          await writeFile(configPath, l.liveBad ? BAD : JSON.stringify({ logLevel: 'warn' }));
          const state: UpdateStateData = { done: [], ...(l.pending !== undefined ? { pending: l.pending } : {}) };
          await saveUpdateState(stateDir, state);
          const o = { releases, stateDir, maxBootAttempts: l.max, nowSec: 50, logger: silentLogger, configPath, env: {} };

          const plan = planBoot(await bootFacts(o));
          const liveBefore = await readFile(configPath, 'utf8');
          const r = await bootCheck(o);

          expect(r).toEqual({ action: plan.action, current: plan.current, detail: plan.detail });
          expect(await releases.linkVersion('current')).toBe(plan.current);
          const saved = plan.steps.filter((s) => s.kind === 'save-state').at(-1);
          expect(await loadUpdateState(stateDir)).toEqual(saved?.kind === 'save-state' ? saved.state : state);
          const restored = plan.steps.find((s) => s.kind === 'restore-config');
          expect(await readFile(configPath, 'utf8')).toBe(
            restored?.kind === 'restore-config' ? await readFile(releases.snapshotOf(restored.version), 'utf8') : liveBefore,
          );
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
