/**
 * The Node.js runtime a release carries, from the registry's node-linux-<arch> package (official
 * nodejs.org binaries republished as npm packages), fetched once with `npm pack`, checked against
 * the integrity pinned in targets.ts and cached outside the repository. The same unpacked folder
 * provides the headers (include/node) the addons are compiled against, so an addon and the
 * runtime it loads into always agree on the ABI.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Runtime } from './targets.js';

const run = promisify(execFile);

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tillqr');
}

export interface RuntimeFiles {
  /** Folder with bin/node, include/node, LICENSE (the npm package's `package/`). */
  readonly dir: string;
  readonly version: string;
}

/** `sha512-<base64>` of a file, as npm writes integrity. */
export async function integrityOf(path: string): Promise<string> {
  return `sha512-${createHash('sha512')
    .update(await readFile(path))
    .digest('base64')}`;
}

export async function bundledRuntime(rt: Extract<Runtime, { kind: 'bundled' }>, log: (s: string) => void): Promise<RuntimeFiles> {
  const dir = join(cacheRoot(), 'runtimes', `${rt.package}-${rt.version}`);
  const ready = join(dir, 'package', 'bin', 'node');
  if (existsSync(ready)) return { dir: join(dir, 'package'), version: rt.version };
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  log(`fetching ${rt.package}@${rt.version} from the registry (once; cached in ${dir})`);
  const { stdout } = await run('npm', ['pack', `${rt.package}@${rt.version}`, '--pack-destination', tmp, '--json', '--silent'], { maxBuffer: 64 * 2 ** 20 });
  const packed = (JSON.parse(stdout) as { filename: string }[])[0]?.filename;
  if (packed === undefined) throw new Error(`npm pack ${rt.package}@${rt.version} wrote no file`);
  const tgz = join(tmp, packed);
  const got = await integrityOf(tgz);
  if (got !== rt.integrity) throw new Error(`${rt.package}@${rt.version}: integrity ${got} is not the pinned ${rt.integrity}`);
  await run('tar', ['-xzf', tgz, '-C', tmp, '--no-same-owner']);
  await rm(tgz);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir: join(dir, 'package'), version: rt.version };
}
