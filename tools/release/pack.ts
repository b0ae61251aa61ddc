/**
 * The manifest and the archive. MANIFEST.sha256 lists every file of the release in sha256sum(1)
 * format, sorted, so a technician can run `sha256sum -c MANIFEST.sha256` in a release folder.
 * The archive is made reproducible the way Debian's reproducible-builds guide says: GNU tar with
 * entries sorted by name, numeric owner 0:0, one mtime (SOURCE_DATE_EPOCH), normalised modes, no
 * atime/ctime in pax headers, hard links stored as files, then gzip -n (no name or time in the
 * gzip header). Same tree, same bytes.
 *
 * An artifact that carries a runtime is written as two gzip members (decision 0009): the
 * application files, then `runtime/` with the tar end marker. Concatenated gzip members are one
 * stream to gunzip(1), tar(1) and Node's zlib, so the file unpacks as one archive; the runtime part
 * is stamped with RUNTIME_EPOCH instead of the commit time, so two releases with the same runtime
 * carry byte-identical runtime parts and a device that has one fetches only the first member.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sha256File } from '../../src/fleet/installer.js';

const run = promisify(execFile);

export const MANIFEST = 'MANIFEST.sha256';

async function files(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await files(root, p)));
    else if (e.isFile()) out.push(relative(root, p));
    else throw new Error(`${relative(root, p)}: a release holds only files and folders`);
  }
  return out;
}

/** SHA-256 of bytes held in memory, in hex. */
function sha256Of(...chunks: readonly Buffer[]): string {
  const h = createHash('sha256');
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

/** Write MANIFEST.sha256 for every file under `stage`; returns the number of files. */
export async function writeManifest(stage: string): Promise<number> {
  const list = (await files(stage)).filter((f) => f !== MANIFEST).sort();
  const lines: string[] = [];
  for (const f of list) lines.push(`${await sha256File(join(stage, f))}  ${f}`);
  await writeFile(join(stage, MANIFEST), `${lines.join('\n')}\n`);
  return list.length;
}

/** The commit time of the checkout, the usual SOURCE_DATE_EPOCH; the env variable wins. */
export async function sourceDateEpoch(projectRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (env.SOURCE_DATE_EPOCH !== undefined && /^\d+$/.test(env.SOURCE_DATE_EPOCH)) return Number(env.SOURCE_DATE_EPOCH);
  try {
    const { stdout } = await run('git', ['log', '-1', '--format=%ct'], { cwd: projectRoot });
    if (/^\d+\s*$/.test(stdout)) return Number(stdout.trim());
  } catch {
    // not a git checkout
  }
  return 0;
}

/** The fixed mtime of the runtime part: its bytes depend on the runtime alone, not on the commit a release is built from. */
export const RUNTIME_EPOCH = 0;

/** GNU tar, reproducibly, of `paths` (relative to `stage`), record size one block; returns the tar bytes. */
async function tarOf(stage: string, paths: readonly string[], epoch: number, exclude: readonly string[]): Promise<Buffer> {
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      `--directory=${stage}`,
      '--sort=name',
      '--format=posix',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mode=u+rwX,go+rX,go-w',
      '--hard-dereference',
      // One 512-byte block per record: the archive ends in exactly the two zero blocks of the end marker.
      '--blocking-factor=1',
      ...exclude.map((e) => `--exclude=${e}`),
      ...paths,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return collect(tar, 'tar');
}

function gzipOf(data: Buffer): Promise<Buffer> {
  const gzip = spawn('gzip', ['-9', '-n'], { stdio: ['pipe', 'pipe', 'pipe'] });
  gzip.stdin.end(data);
  return collect(gzip, 'gzip');
}

async function collect(p: ReturnType<typeof spawn>, what: string): Promise<Buffer> {
  const out: Buffer[] = [];
  let err = '';
  p.stdout?.on('data', (d: Buffer) => out.push(d));
  p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => p.on('close', r));
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${err.trim()}`);
  return Buffer.concat(out);
}

const END_BLOCKS = 1024;

/** A tar without its end-of-archive marker (the two zero blocks GNU tar ends a one-block-record archive with). */
function withoutEnd(tar: Buffer): Buffer {
  const end = tar.subarray(tar.length - END_BLOCKS);
  if (tar.length < END_BLOCKS || end.some((b) => b !== 0)) throw new Error('the tar archive does not end in two zero blocks');
  return tar.subarray(0, tar.length - END_BLOCKS);
}

export interface Part {
  readonly bytes: number;
  readonly sha256: string;
}

/** The runtime part: `runtimeDir` (a folder of `stage`) and the tar end marker, one gzip member stamped RUNTIME_EPOCH. */
export async function packRuntimePart(stage: string, runtimeDir: string): Promise<{ gz: Buffer } & Part> {
  const gz = await gzipOf(await tarOf(stage, [`./${runtimeDir}`], RUNTIME_EPOCH, []));
  return { gz, bytes: gz.length, sha256: sha256Of(gz) };
}

export interface PackedArtifact {
  readonly sha256: string;
  readonly bytes: number;
  /** The application part (the first gzip member), when the artifact is split. */
  readonly app?: Part;
  readonly runtime?: Part;
}

/**
 * tar.gz `stage` into `out`, reproducibly; returns the archive's SHA-256. With `runtime` (the part
 * packRuntimePart made of `runtime.dir`), the artifact is two gzip members, one stream to gunzip
 * and tar: the application files without the end marker, then the runtime part. A device that has
 * that runtime part already fetches the first member only.
 */
export async function packReproducible(
  stage: string,
  out: string,
  epoch: number,
  runtime?: { readonly dir: string; readonly part: { gz: Buffer } & Part },
): Promise<PackedArtifact> {
  const tar = await tarOf(stage, ['.'], epoch, runtime !== undefined ? [`./${runtime.dir}`] : []);
  const app = await gzipOf(runtime !== undefined ? withoutEnd(tar) : tar);
  const parts = runtime !== undefined ? [app, runtime.part.gz] : [app];
  await writeFile(out, Buffer.concat(parts));
  const sha = sha256Of(...parts);
  const bytes = parts.reduce((n, b) => n + b.length, 0);
  if (runtime === undefined) return { sha256: sha, bytes };
  return {
    sha256: sha,
    bytes,
    app: { bytes: app.length, sha256: sha256Of(app) },
    runtime: { bytes: runtime.part.bytes, sha256: runtime.part.sha256 },
  };
}
