/**
 * The daemon and the CLI as one ESM bundle (esbuild): `dist/src/cli/tillqr.js`, the path the
 * unit, the boot check and the update agent already start, plus chunks for the lazily loaded
 * subcommands so `tillqr emv decode` still does not pay for the daemon's imports.
 *
 * Kept out of the bundle and shipped in node_modules: packages with native addons (they load
 * their .node file by path) and `galmuri` (font data read by path). Left out of device releases:
 * the simulator's broker (aedes); `tillqr sim` says so on a device. Any devDependency that would
 * end up in the bundle fails the build: a release carries production code only.
 */
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * MQTT.js links its SOCKS-proxy client (socks, ip-address, smart-buffer: 68 KB, about 1 MB of
 * a running daemon's memory) into every TCP connection; tillqr never sets `socksProxy`, so a
 * release carries a stub that says so instead.
 */
const noSocks: Plugin = {
  name: 'tillqr-no-socks',
  setup(b) {
    b.onResolve({ filter: /^socks$/ }, () => ({ path: 'socks', namespace: 'tillqr-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'tillqr-stub' }, () => ({
      loader: 'js',
      contents: "module.exports = { SocksClient: { createConnection() { throw new Error('SOCKS proxies are not supported by tillqr releases'); } } };",
    }));
  },
};

/**
 * MQTT.js requires its WebSocket and TLS stream builders (and with them Node's http, https and
 * tls: about 4 MB of a running daemon's memory) at the first connection, whatever the URL, and
 * its SOCKS wrapper (dns, assert) with the TCP one. In a release each loads on its first use
 * instead: an mqtt:// till never pays for WebSocket or TLS, and no till for SOCKS.
 */
const lazyMqttTransports: Plugin = {
  name: 'tillqr-lazy-mqtt-transports',
  setup(b) {
    b.onResolve({ filter: /^\.\/(ws|tls|socks)$/ }, (a) => {
      if (!/mqtt[\\/]build[\\/]lib[\\/]connect[\\/](index|tcp|tls)\.js$/.test(a.importer)) return undefined;
      return { path: join(a.resolveDir, `${a.path.slice(2)}.js`), namespace: 'tillqr-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'tillqr-lazy' }, (a) => ({
      loader: 'js',
      resolveDir: dirname(a.path),
      contents: [
        `const real = () => require(${JSON.stringify(a.path)});`,
        'module.exports = {',
        '  default: (client, opts) => real().default(client, opts),',
        '  streamBuilder: (client, opts) => real().streamBuilder(client, opts),',
        '  browserStreamBuilder: (client, opts) => real().browserStreamBuilder(client, opts),',
        '};',
      ].join('\n'),
    }));
  },
};

/** Loaded at run time from node_modules, never bundled. */
export const EXTERNAL_PACKAGES = ['spi-device', 'onoff', 'epoll', '@serialport/bindings-cpp', 'galmuri'] as const;
/** Simulator-only packages: not in a device release. */
export const SIM_ONLY_PACKAGES = ['aedes'] as const;

export const BUNDLE_ENTRY = 'dist/src/cli/tillqr.js';

function packageOf(input: string): string | undefined {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m?.[1];
}

export interface BundleResult {
  readonly packages: readonly string[];
  readonly bytes: number;
}

export async function bundle(o: { projectRoot: string; outDir: string }): Promise<BundleResult> {
  const pkg = JSON.parse(await readFile(join(o.projectRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const result = await build({
    absWorkingDir: o.projectRoot,
    entryPoints: { tillqr: 'src/cli/tillqr.ts' },
    outdir: join(o.outDir, 'dist', 'src', 'cli'),
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    keepNames: false,
    legalComments: 'linked',
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    external: [...EXTERNAL_PACKAGES, ...SIM_ONLY_PACKAGES],
    plugins: [noSocks, lazyMqttTransports],
    // CommonJS dependencies (qrcode, debug) call require() for Node built-ins.
    banner: { js: "import { createRequire as __tillqrRequire } from 'node:module'; const require = __tillqrRequire(import.meta.url);" },
  });
  const meta: Metafile = result.metafile;
  const packages = [
    ...new Set(
      Object.keys(meta.inputs)
        .map(packageOf)
        .filter((p): p is string => p !== undefined),
    ),
  ].sort();
  const dev = packages.filter((p) => pkg.devDependencies?.[p] !== undefined);
  if (dev.length > 0) throw new Error(`devDependencies would be bundled into the release: ${dev.join(', ')} (imported from production code)`);
  const bytes = Object.values(meta.outputs).reduce((n, out) => n + out.bytes, 0);
  return { packages, bytes };
}

/**
 * The bundle as a runnable tree over this checkout's node_modules, for the benchmarks and tests
 * that start the release's JavaScript here: `dist/`, a package.json with `version`, and a link to
 * node_modules for the external packages. Returns the CLI entry.
 */
export async function bundleOverCheckout(o: { projectRoot: string; outDir: string; version: string }): Promise<string> {
  await bundle({ projectRoot: o.projectRoot, outDir: o.outDir });
  await writeFile(join(o.outDir, 'package.json'), JSON.stringify({ name: 'tillqr', version: o.version, type: 'module' }));
  await symlink(join(o.projectRoot, 'node_modules'), join(o.outDir, 'node_modules'));
  return join(o.outDir, BUNDLE_ENTRY);
}
