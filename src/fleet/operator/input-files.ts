/**
 * Files the operator names on the command line (signed jobs, artifacts to serve), read before
 * connecting to the broker so that a wrong path is a usage error, not a half-done publish.
 */
import { readFile } from 'node:fs/promises';
import { TillqrError } from '../../core/errors.js';
import type { UpdateJob } from '../../link/contract-fleet.js';
import { peekJob } from './sign.js';

/** A file named by a flag, read before connecting; a missing one is a usage error that names it. */
export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new TillqrError('USAGE', `cannot read the ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function readJob(path: string): Promise<{ token: string; job: UpdateJob }> {
  const token = (await readInput(path, 'job file')).toString('utf8').trim();
  return { token, job: peekJob(token) };
}

export async function readArtifact(path: string): Promise<{ path: string; bytes: Buffer }> {
  return { path, bytes: await readInput(path, 'artifact') };
}

/** The stream a --serve flag serves (the job must be a chunked one). */
export function streamToServe(job: UpdateJob, serve: string | undefined): string | undefined {
  if (serve === undefined) return undefined;
  if (job.stream === undefined)
    throw new TillqrError('USAGE', `--serve: the job ${job.jobId} downloads over HTTPS (${job.url ?? ''}); there is no stream to serve`);
  return job.stream;
}
