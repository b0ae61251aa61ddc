/**
 * The manifest and the archive. MANIFEST.sha256 lists every file of the release in sha256sum(1)
 * format, sorted, so a technician can run `sha256sum -c MANIFEST.sha256` in a release folder.
 * The archive is made reproducible the way Debian's reproducible-builds guide says: GNU tar with
 * entries sorted by name, numeric owner 0:0, one mtime (SOURCE_DATE_EPOCH), normalised modes, no
 * atime/ctime in pax headers, hard links stored as files, then gzip -n (no name or time in the
 * gzip header). Same tree, same bytes.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

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

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** Write MANIFEST.sha256 for every file under `stage`; returns the number of files. */
export async function writeManifest(stage: string): Promise<number> {
  const list = (await files(stage)).filter((f) => f !== MANIFEST).sort();
  const lines: string[] = [];
  for (const f of list) lines.push(`${await sha256(join(stage, f))}  ${f}`);
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

/** tar.gz `stage` into `out`, reproducibly; returns the archive's SHA-256. */
export async function packReproducible(stage: string, out: string, epoch: number): Promise<string> {
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
      '.',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const gzip = spawn('gzip', ['-9', '-n'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
  gzip.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = (p: ReturnType<typeof spawn>): Promise<number | null> => new Promise((r) => p.on('close', r));
  const done = Promise.all([exited(tar), exited(gzip)]);
  await Promise.all([pipeline(tar.stdout, gzip.stdin), pipeline(gzip.stdout, createWriteStream(out))]);
  const [t, g] = await done;
  if (t !== 0 || g !== 0) throw new Error(`packing ${out} failed (tar ${t}, gzip ${g}): ${err.trim()}`);
  return sha256(out);
}
