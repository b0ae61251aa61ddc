/**
 * `npm run release -- --arch arm64|armhf|x64 [--arch ...] --out DIR`: the release artifact
 * `DIR/tillqr-<version>-linux-<arch>.tar.gz`, the one file that device/install.sh installs and the
 * signed update path (`tillqr fleet release sign --artifact ...`) delivers.
 *
 *   package.json         name, version, and `tillqr`: arch, runtime (bundled Node version or the
 *                        system Node major), Node ABI, the commit it was built from
 *   bin/tillqr           starts the CLI with the right runtime
 *   dist/src/cli/...     the daemon and CLI bundled (bundle.ts)
 *   node_modules/...     the externals, with addons compiled for the target (deps.ts, addons.ts)
 *   runtime/             bin/node and its LICENSE, where the target needs a bundled runtime: the
 *                        second gzip member of the artifact (pack.ts), named in package.json by
 *                        its runtime id, SHA-256 and length, so a device that has it skips it
 *   device/, systemd/    the install script, config.txt lines, udev rules, the unit
 *   licenses.json        every third-party package inside, with its licence
 *   MANIFEST.sha256      every file's SHA-256
 *
 * Reproducible: the same checkout, toolchain and pinned runtime give the same bytes.
 */
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { BDF_FILES } from '../../src/display/render/fonts/font-book.js';
import { isVersion } from '../../src/fleet/semver.js';
import { ADDONS, buildAddon } from './addons.js';
import { bundle, EXTERNAL_PACKAGES } from './bundle.js';
import { copyRuntimePackages } from './deps.js';
import { packReproducible, packRuntimePart, sourceDateEpoch, writeManifest, type Part } from './pack.js';
import { bundledRuntime, cacheRoot } from './runtime.js';
import { ARCHES, isArch, runtimeId, TARGETS, type Arch, type Target } from './targets.js';

const run = promisify(execFile);

/** The compressed size a release may have, not counting a bundled runtime (issue 14). */
export const MAX_ARTIFACT_BYTES = 15 * 2 ** 20;

export interface ReleaseInfo {
  readonly arch: Arch;
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly runtimeBytes: number;
  readonly files: number;
  /** Where the artifact carries a runtime: its id, and the two gzip members (application, runtime). */
  readonly runtimeId?: string;
  readonly app?: Part;
  readonly runtime?: Part;
}

export function artifactName(version: string, arch: Arch): string {
  return `tillqr-${version}-linux-${arch}.tar.gz`;
}

async function gitCommit(root: string): Promise<string | undefined> {
  try {
    return (await run('git', ['rev-parse', 'HEAD'], { cwd: root })).stdout.trim();
  } catch {
    return undefined;
  }
}

export async function buildRelease(o: {
  projectRoot: string;
  target: Target;
  outDir: string;
  version?: string;
  log: (s: string) => void;
}): Promise<ReleaseInfo> {
  const { projectRoot: root, target, log } = o;
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license: string;
    engines?: Record<string, string>;
  };
  if (o.version !== undefined) pkg.version = o.version;
  if (!isVersion(pkg.version)) throw new Error(`package.json version ${pkg.version} is not a release version (strict SemVer)`);
  // A fixed place per architecture, so no random path reaches the compiled addons.
  const work = join(tmpdir(), `tillqr-release-${target.arch}`);
  const stage = join(work, 'stage');
  await rm(work, { recursive: true, force: true });
  await mkdir(stage, { recursive: true });

  log(`${target.arch}: bundling the daemon and CLI`);
  const b = await bundle({ projectRoot: root, outDir: stage });
  const copied = await copyRuntimePackages({
    projectRoot: root,
    stage,
    roots: EXTERNAL_PACKAGES.filter((p) => p !== 'epoll'),
    galmuriFiles: Object.values(BDF_FILES),
  });

  let nodedir = '/usr';
  let runtimeBytes = 0;
  let runtimeVersion: string | undefined;
  let runtimePart: Awaited<ReturnType<typeof packRuntimePart>> | undefined;
  if (target.runtime.kind === 'bundled') {
    const rt = await bundledRuntime(target.runtime, log);
    nodedir = rt.dir;
    runtimeVersion = rt.version;
    await mkdir(join(stage, 'runtime', 'bin'), { recursive: true });
    await copyFile(join(rt.dir, 'bin', 'node'), join(stage, 'runtime', 'bin', 'node'));
    await copyFile(join(rt.dir, 'LICENSE'), join(stage, 'runtime', 'LICENSE'));
    runtimeBytes = (await stat(join(stage, 'runtime', 'bin', 'node'))).size;
    runtimePart = await packRuntimePart(stage, 'runtime');
  } else {
    const abi = Number((await readFile('/usr/include/node/node_version.h', 'utf8')).match(/#define NODE_MODULE_VERSION (\d+)/)?.[1]);
    if (abi !== target.runtime.abi) throw new Error(`${target.arch} needs Node headers for ABI ${target.runtime.abi} in /usr/include/node; found ${abi}`);
  }
  for (const a of ADDONS) {
    const place = copied.find((c) => c.name === a.pkg);
    if (place === undefined) throw new Error(`${a.pkg} is not among the release's packages`);
    const built = await buildAddon(a, target, { nodedir, buildRoot: join(work, 'addons'), projectRoot: root, cacheDir: join(cacheRoot(), 'addons'), log });
    await mkdir(dirname(join(stage, place.path, a.file)), { recursive: true });
    await copyFile(built, join(stage, place.path, a.file));
  }

  for (const part of ['device', 'systemd', 'bin']) await cp(join(root, part), join(stage, part), { recursive: true });
  for (const f of ['README.md', 'LICENSE']) await copyFile(join(root, f), join(stage, f)).catch(() => undefined);
  const bundledPackages = await Promise.all(
    b.packages.map(async (name) => {
      const pj = JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}')) as {
        version?: string;
        license?: string;
      };
      return { name, version: pj.version ?? 'unknown', license: pj.license ?? 'UNKNOWN', path: BUNDLE_NOTE };
    }),
  );
  await writeFile(join(stage, 'licenses.json'), `${JSON.stringify([...copied, ...bundledPackages], null, 2)}\n`);
  const commit = await gitCommit(root);
  const release = {
    name: pkg.name,
    version: pkg.version,
    license: pkg.license,
    type: 'module',
    private: true,
    bin: { tillqr: 'bin/tillqr' },
    tillqr: {
      arch: target.arch,
      debianArch: target.debianArch,
      nodeArch: target.nodeArch,
      // A bundled runtime is the artifact's last `bytes` bytes (its own gzip member) with this SHA-256.
      runtime:
        target.runtime.kind === 'bundled'
          ? { kind: 'bundled', node: runtimeVersion, id: runtimeId(target), sha256: runtimePart?.sha256, bytes: runtimePart?.bytes }
          : { kind: 'system', nodeMajor: target.runtime.major },
      nodeAbi: target.runtime.abi,
      ...(commit !== undefined ? { commit } : {}),
    },
  };
  await writeFile(join(stage, 'package.json'), `${JSON.stringify(release, null, 2)}\n`);
  const files = await writeManifest(stage);

  await mkdir(o.outDir, { recursive: true });
  const out = join(o.outDir, artifactName(pkg.version, target.arch));
  const packed = await packReproducible(stage, out, await sourceDateEpoch(root), runtimePart !== undefined ? { dir: 'runtime', part: runtimePart } : undefined);
  await rm(work, { recursive: true, force: true });
  return {
    arch: target.arch,
    path: out,
    sha256: packed.sha256,
    bytes: packed.bytes,
    runtimeBytes,
    files,
    ...(packed.app !== undefined && packed.runtime !== undefined ? { runtimeId: runtimeId(target), app: packed.app, runtime: packed.runtime } : {}),
  };
}

const BUNDLE_NOTE = 'dist/src/cli (bundled)';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { arch: { type: 'string', multiple: true }, out: { type: 'string' }, version: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help === true || values.out === undefined) {
    process.stdout.write(`usage: npm run release -- --arch ${ARCHES.join('|')} [--arch ...] --out DIR [--version X.Y.Z (default: package.json's)]\n`);
    process.exitCode = values.help === true ? 0 : 64;
    return;
  }
  const arches = (values.arch ?? [...ARCHES]).flatMap((a) => a.split(','));
  const bad = arches.filter((a) => !isArch(a));
  if (bad.length > 0) throw new Error(`unknown --arch ${bad.join(', ')}; known: ${ARCHES.join(', ')}`);
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (const a of arches as Arch[]) {
    const r = await buildRelease({
      projectRoot: root,
      target: TARGETS[a],
      outDir: resolve(values.out),
      ...(values.version !== undefined ? { version: values.version } : {}),
      log: (s) => process.stderr.write(`release: ${s}\n`),
    });
    const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
    process.stdout.write(
      `${r.path}\n  ${mib(r.bytes)}, ${r.files} files, sha256 ${r.sha256}${r.runtimeBytes > 0 ? ` (includes Node.js runtime, ${(r.runtimeBytes / 2 ** 20).toFixed(0)} MiB uncompressed)` : ''}\n`,
    );
    if (r.app !== undefined && r.runtime !== undefined)
      process.stdout.write(
        `  application part ${mib(r.app.bytes)} (${r.app.bytes} bytes), runtime part ${r.runtimeId} ${mib(r.runtime.bytes)} (${r.runtime.bytes} bytes)\n`,
      );
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    process.stderr.write(`release: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
