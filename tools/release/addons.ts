/**
 * Native addons compiled for the target: Debian's cross toolchains (g++-aarch64-linux-gnu,
 * g++-arm-linux-gnueabihf) drive node-gyp against the headers of the runtime the artifact runs on,
 * so an addon's CPU and ABI always match (docs/decisions/0009: why cross-compiling and not
 * building inside an emulated userland — 20 s against 232 s for spi-device alone).
 *
 * Each package is built from a copy in a fixed folder under the build root, with
 * -ffile-prefix-map so no build path ends up in the binary, then stripped: the same sources and
 * toolchain give the same bytes. Every result is checked to be an ELF of the target's machine.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { elfOf, ELF_MACHINE_NAMES } from './elf.js';
import type { Target } from './targets.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

export interface Addon {
  /** The npm package that holds the addon. */
  readonly pkg: string;
  /** The built file, relative to the package folder. */
  readonly file: string;
  /** Build-time header packages binding.gyp asks node for (nan, node-addon-api). */
  readonly headers: readonly string[];
}

/** Every native addon a device release loads (lazily, when its part starts). */
export const ADDONS: readonly Addon[] = [
  { pkg: 'spi-device', file: 'build/Release/spi.node', headers: ['nan'] },
  { pkg: 'epoll', file: 'build/Release/epoll.node', headers: ['nan'] },
  { pkg: '@serialport/bindings-cpp', file: 'build/Release/bindings.node', headers: ['node-addon-api'] },
];

/** The node-gyp that ships inside npm: the one `npm run` runs (npm_execpath), else the npm beside this node. */
function nodeGyp(): string {
  const execPath = process.env.npm_execpath;
  const npmDir =
    execPath !== undefined && /npm-cli\.js$/.test(execPath)
      ? dirname(dirname(execPath))
      : dirname(require.resolve('npm/package.json', { paths: [join(dirname(process.execPath), '..', 'lib', 'node_modules')] }));
  return join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
}

/** The folder of package `pkg` as Node's resolution finds it from `from` (node_modules of each ancestor), whatever its `exports` allow. */
export function packageDir(pkg: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`package ${pkg} is not installed (looked from ${from})`);
  }
}

/**
 * Build one addon for `target` against the headers in `nodedir` (a folder with include/node);
 * returns the path of the built .node file, inside `buildRoot`.
 */
export async function buildAddon(
  a: Addon,
  target: Target,
  o: { nodedir: string; buildRoot: string; projectRoot: string; cacheDir?: string; log: (s: string) => void },
): Promise<string> {
  // The same package version, target, runtime headers and compiler give the same file: reuse it.
  const version = (JSON.parse(await readFile(join(packageDir(a.pkg, o.projectRoot), 'package.json'), 'utf8')) as { version: string }).version;
  const headers =
    (await readFile(join(o.nodedir, 'include', 'node', 'node_version.h'), 'utf8'))
      .match(/#define NODE_(?:MAJOR|MINOR|PATCH)_VERSION (\d+)/g)
      ?.map((m) => m.split(' ').pop())
      .join('.') ?? 'unknown';
  const compiler = (await run(target.triple !== undefined ? `${target.triple}-g++` : 'g++', ['-dumpfullversion'])).stdout.trim();
  const cached =
    o.cacheDir === undefined ? undefined : join(o.cacheDir, `${a.pkg.replace('/', '+')}@${version}-${target.arch}-node${headers}-gcc${compiler}.node`);
  if (cached !== undefined && existsSync(cached)) {
    o.log(`${a.pkg}@${version} for ${target.arch}: cached (${cached})`);
    return cached;
  }
  const modules = join(o.buildRoot, 'node_modules');
  const dir = join(modules, a.pkg);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await cp(packageDir(a.pkg, o.projectRoot), dir, { recursive: true, filter: (src) => !/[\\/](build|prebuilds)$/.test(src) });
  for (const h of a.headers) {
    const link = join(modules, h);
    await rm(link, { recursive: true, force: true });
    await symlink(packageDir(h, o.projectRoot), link);
  }
  const t = target.triple;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CFLAGS: `-ffile-prefix-map=${o.buildRoot}=.`,
    CXXFLAGS: `-ffile-prefix-map=${o.buildRoot}=.`,
    ...(t !== undefined ? { CC: `${t}-gcc`, CXX: `${t}-g++`, LINK: `${t}-g++`, AR: `${t}-ar` } : {}),
    npm_config_nodedir: o.nodedir,
  };
  o.log(`compiling ${a.pkg} for ${target.arch} (${t ?? 'native'}) against Node headers in ${o.nodedir}`);
  await run(process.execPath, [nodeGyp(), 'rebuild', `--arch=${target.nodeArch}`, `--nodedir=${o.nodedir}`, '--jobs=2'], {
    cwd: dir,
    env,
    maxBuffer: 64 * 2 ** 20,
  });
  const out = join(dir, a.file);
  await run(t !== undefined ? `${t}-strip` : 'strip', ['--strip-unneeded', out]);
  const elf = await elfOf(out);
  if (elf === undefined || elf.machine !== target.elf.machine || elf.bits !== target.elf.bits) {
    const got = elf === undefined ? 'not an ELF file' : `${elf.bits}-bit ${ELF_MACHINE_NAMES[elf.machine] ?? `machine ${elf.machine}`}`;
    throw new Error(`${a.pkg}: built ${out} is ${got}, expected ${target.elf.bits}-bit ${ELF_MACHINE_NAMES[target.elf.machine] ?? target.elf.machine}`);
  }
  if (cached !== undefined) {
    await mkdir(dirname(cached), { recursive: true });
    await copyFile(out, `${cached}.tmp`);
    await rename(`${cached}.tmp`, cached);
  }
  return out;
}
