/**
 * `npm run release`'s builder on this machine: an armhf artifact (the one without a bundled
 * runtime, so the test needs no download) is built twice and must come out byte for byte the
 * same; its contents are what a Pi needs and nothing else; and the device's own update path takes
 * it, as it takes a tree that node-gyp built (hard links in node_modules).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { unpackInto } from '../../../src/fleet/installer.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { ADDONS } from '../../../tools/release/addons.js';
import { MAX_ARTIFACT_BYTES, buildRelease, type ReleaseInfo } from '../../../tools/release/build.js';
import { elfOf } from '../../../tools/release/elf.js';
import { TARGETS } from '../../../tools/release/targets.js';
import { filesUnder } from '../../helpers/file-tree.js';
import { tempDir } from '../fleet/fleet-kit.js';
import { fleetCli, keyFile } from '../fleet/operator-kit.js';
import { peekJob } from '../../../src/fleet/operator/sign.js';
import { jobProblem } from '../../../src/fleet/job-check.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const cross = ['/usr/bin/arm-linux-gnueabihf-g++'].filter((p) => !existsSync(p));
const limits = { maxBytes: 1_073_741_824, maxEntries: 100_000 };

describe.skipIf(cross.length > 0)(`the release builder${cross.length > 0 ? ` (skipped: needs ${cross.join(', ')}; bash scripts/test-deps.sh)` : ''}`, () => {
  let first: ReleaseInfo;
  let second: ReleaseInfo;
  let tree = '';

  beforeAll(async () => {
    const log = (): void => undefined;
    first = await buildRelease({ projectRoot: REPO, target: TARGETS.armhf, outDir: await tempDir('tillqr-rel-a-'), version: '2.3.4', log });
    second = await buildRelease({ projectRoot: REPO, target: TARGETS.armhf, outDir: await tempDir('tillqr-rel-b-'), version: '2.3.4', log });
    tree = await tempDir('tillqr-rel-tree-');
    await run('tar', ['-xzf', first.path, '-C', tree]);
  }, 600_000);

  it('is reproducible: the same tree gives the same bytes', () => {
    expect(first.path.endsWith('/tillqr-2.3.4-linux-armhf.tar.gz')).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect(second.bytes).toBe(first.bytes);
  });

  it('stays under 15 MB and names its architecture, runtime and Node ABI', async () => {
    expect(first.bytes).toBeLessThanOrEqual(MAX_ARTIFACT_BYTES);
    const pkg = JSON.parse(await readFile(join(tree, 'package.json'), 'utf8')) as { version: string; tillqr: Record<string, unknown>; dependencies?: unknown };
    expect(pkg.version).toBe('2.3.4');
    expect(pkg.tillqr).toMatchObject({ arch: 'armhf', debianArch: 'armhf', nodeArch: 'arm', runtime: { kind: 'system', nodeMajor: 20 }, nodeAbi: 115 });
    expect(pkg.dependencies).toBeUndefined();
  });

  it('lists every file in MANIFEST.sha256, and the files match it', async () => {
    const manifest = (await readFile(join(tree, 'MANIFEST.sha256'), 'utf8')).trim().split('\n');
    const listed = manifest.map((l) => l.slice(66)).sort();
    expect(listed).toEqual((await filesUnder(tree)).filter((f) => f !== 'MANIFEST.sha256').sort());
    await run('sha256sum', ['--quiet', '--strict', '-c', 'MANIFEST.sha256'], { cwd: tree });
  });

  it('carries every native addon as an ELF for 32-bit ARM, and no other .node file', async () => {
    const nodes = (await filesUnder(tree)).filter((f) => f.endsWith('.node')).sort();
    expect(nodes).toHaveLength(ADDONS.length);
    for (const f of nodes) expect(await elfOf(join(tree, f)), f).toEqual({ bits: 32, machine: 40 });
  });

  it('holds production code only: the bundle, the runtime packages, four font files, no simulator broker or dev tools', async () => {
    const all = await filesUnder(tree);
    expect(all).toContain('dist/src/cli/tillqr.js');
    expect(all).toContain('bin/tillqr');
    expect(all).toContain('device/install.sh');
    expect(all).toContain('systemd/tillqr.service');
    const packages = new Set(all.filter((f) => f.startsWith('node_modules/')).map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]));
    for (const p of ['aedes', 'typescript', 'vitest', 'esbuild', 'nan', 'node-addon-api', 'mqtt', 'qrcode']) expect(packages.has(p), p).toBe(false);
    for (const p of ['spi-device', 'onoff', 'epoll', '@serialport/bindings-cpp', 'galmuri']) expect(packages.has(p), p).toBe(true);
    expect(all.filter((f) => f.startsWith('node_modules/galmuri/dist/') && f.endsWith('.bdf')).sort()).toEqual(
      ['Galmuri11-Bold.bdf', 'Galmuri11.bdf', 'Galmuri14.bdf', 'Galmuri9.bdf'].map((f) => `node_modules/galmuri/dist/${f}`),
    );
    const licences = JSON.parse(await readFile(join(tree, 'licenses.json'), 'utf8')) as { name: string; license: string }[];
    expect(licences.find((l) => l.name === 'galmuri')?.license).toBe('OFL-1.1');
    expect(licences.find((l) => l.name === 'mqtt')).toBeDefined();
  });

  it("runs here as a CLI bundle under this machine's Node.js (the same JavaScript the Pi runs)", async () => {
    const { stdout } = await run(process.execPath, [join(tree, 'dist/src/cli/tillqr.js'), '--version']);
    expect(stdout.trim()).toBe('2.3.4');
    const help = await run(process.execPath, [join(tree, 'dist/src/cli/tillqr.js'), '--help']);
    expect(help.stdout).toMatch(/commands:/);
  });

  it('is taken by the update path of a device it runs on (armhf, system Node.js ABI 115)', async () => {
    const releases = new ReleaseDir(await tempDir('tillqr-rel-root-'));
    await unpackInto(releases, first.path, '2.3.4', limits, silentLogger, { arch: 'armhf', systemNodeAbi: 115 });
    expect((await stat(join(releases.dirOf('2.3.4'), 'dist/src/cli/tillqr.js'))).isFile()).toBe(true);
  });

  it('is refused, before anything changes, by a device of another architecture or runtime: on the signed job and on the unpacked tree', async () => {
    const key = await keyFile('release');
    const dir = await tempDir('tillqr-rel-job-');
    const signed = await fleetCli([
      'release',
      'sign',
      '--key',
      key.path,
      '--artifact',
      first.path,
      '--version',
      '2.3.4',
      '--url',
      'https://releases.example/a.tgz',
      '--out',
      join(dir, 'job.jws'),
    ]);
    expect(signed.code, signed.err).toBe(0);
    const job = peekJob(await readFile(join(dir, 'job.jws'), 'utf8'));
    expect(job).toMatchObject({ arch: 'armhf', runtime: { kind: 'system', nodeMajor: 20, nodeAbi: 115 } });
    const ctx = { deviceId: 'd', current: '2.3.3', floor: undefined, updates: true, maxBytes: 10 ** 9 };
    expect(jobProblem(job, { ...ctx, host: { arch: 'arm64', systemNodeAbi: undefined } })).toMatchObject({
      reason: 'incompatible',
      detail: expect.stringMatching(/for armhf; this device is arm64/),
    });
    expect(jobProblem(job, { ...ctx, host: { arch: 'armhf', systemNodeAbi: 108 } })).toMatchObject({
      reason: 'incompatible',
      detail: expect.stringMatching(/ABI 115.*has ABI 108/),
    });
    expect(jobProblem(job, { ...ctx, host: { arch: 'armhf', systemNodeAbi: 115 } })).toBeUndefined();
    const wrong = await fleetCli([
      'release',
      'sign',
      '--key',
      key.path,
      '--artifact',
      first.path,
      '--version',
      '2.3.5',
      '--url',
      'https://releases.example/a.tgz',
    ]);
    expect(wrong.code).toBe(64);
    expect(wrong.err).toMatch(/--version 2\.3\.5: the artifact is release 2\.3\.4/);
    const releases = new ReleaseDir(await tempDir('tillqr-rel-root-'));
    await expect(unpackInto(releases, first.path, '2.3.4', limits, silentLogger, { arch: 'x64', systemNodeAbi: 115 })).rejects.toMatchObject({
      context: { reason: 'incompatible' },
    });
    expect(await releases.versions()).toEqual([]);
  });

  it('the update path also takes a tree that node-gyp built (hard links in node_modules)', async () => {
    const dev = await tempDir('tillqr-rel-gyp-');
    await cp(join(REPO, 'package.json'), join(dev, 'package.json'));
    await mkdir(join(dev, 'dist/src/cli'), { recursive: true });
    await cp(join(tree, 'dist'), join(dev, 'dist'), { recursive: true });
    await mkdir(join(dev, 'node_modules'), { recursive: true });
    await run('cp', ['-a', join(REPO, 'node_modules/spi-device'), join(dev, 'node_modules/')]);
    const built = join(dev, 'node_modules/spi-device/build/Release');
    const linked = (await stat(join(built, 'spi.node'))).nlink;
    expect(linked, 'node-gyp leaves build/Release/spi.node hard-linked to obj.target/').toBeGreaterThan(1);
    const version = (JSON.parse(await readFile(join(dev, 'package.json'), 'utf8')) as { version: string }).version;
    const art = join(await tempDir('tillqr-rel-gyp-art-'), 'dev.tar.gz');
    await run('tar', ['-czf', art, '-C', dev, '.']);
    const releases = new ReleaseDir(await tempDir('tillqr-rel-root-'));
    await unpackInto(releases, art, version, limits, silentLogger);
    expect((await stat(join(releases.dirOf(version), 'node_modules/spi-device/build/Release/spi.node'))).isFile()).toBe(true);
  });
});
