/**
 * Split release artifacts for tests (decision 0009), packed by the release builder's own code
 * (tools/release/pack.ts): a small release tree whose package.json names a bundled runtime, and
 * a `runtime/` folder (bin/node, a script that runs this machine's Node.js, and an incompressible
 * blob standing in for the binary's bulk) as the second gzip member. The runtime's bytes depend
 * on its id alone, so two releases with the same runtime id carry byte-identical runtime members.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { releaseArchOf } from '../../../src/fleet/host-runtime.js';
import { packReproducible, packRuntimePart, type Part } from '../../../tools/release/pack.js';
import { releaseTree, tempDir } from './fleet-kit.js';

export interface SplitArtifact {
  readonly path: string;
  readonly bytes: Buffer;
  readonly version: string;
  readonly runtimeId: string;
  readonly app: Part;
  readonly runtime: Part;
}

/** Bytes that look random (they do not compress) and depend on `seed` alone. */
export function seeded(seed: string, n: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0, len = 0; len < n; i++, len += 32) out.push(createHash('sha256').update(`${seed}:${i}`).digest());
  return Buffer.concat(out).subarray(0, n);
}

/** A runtime folder in `dir/runtime` for `runtimeId` (bin/node runs this machine's Node.js). */
export async function fakeRuntime(dir: string, runtimeId: string, blobBytes: number): Promise<void> {
  await mkdir(join(dir, 'runtime', 'bin'), { recursive: true });
  await mkdir(join(dir, 'runtime', 'lib'), { recursive: true });
  await writeFile(join(dir, 'runtime', 'bin', 'node'), `#!/bin/sh\n# ${runtimeId}\nexec ${process.execPath} "$@"\n`);
  await chmod(join(dir, 'runtime', 'bin', 'node'), 0o755);
  await writeFile(join(dir, 'runtime', 'LICENSE'), `the licence of ${runtimeId}\n`);
  await writeFile(join(dir, 'runtime', 'lib', 'blob'), seeded(runtimeId, blobBytes));
}

export async function makeSplitArtifact(
  version: string,
  o: { runtimeId: string; runtimeBlobBytes?: number; extra?: Record<string, string>; epoch?: number },
): Promise<SplitArtifact> {
  const tree = await releaseTree(version, o.extra ?? { 'dist/notes.txt': seeded(`app ${version}`, 20_000).toString('base64') });
  await fakeRuntime(tree, o.runtimeId, o.runtimeBlobBytes ?? 300_000);
  const part = await packRuntimePart(tree, 'runtime');
  const pkg = {
    name: 'tillqr',
    version,
    type: 'module',
    tillqr: {
      arch: releaseArchOf(process.arch),
      runtime: { kind: 'bundled', node: '22.23.5', id: o.runtimeId, sha256: part.sha256, bytes: part.bytes },
      nodeAbi: 127,
    },
  };
  await writeFile(join(tree, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const path = join(await tempDir('tillqr-split-'), `tillqr-${version}-linux-${releaseArchOf(process.arch) ?? 'x64'}.tar.gz`);
  const packed = await packReproducible(tree, path, o.epoch ?? 1_700_000_000, { dir: 'runtime', part });
  if (packed.app === undefined || packed.runtime === undefined) throw new Error('packReproducible did not split the artifact');
  return { path, bytes: await readFile(path), version, runtimeId: o.runtimeId, app: packed.app, runtime: packed.runtime };
}
