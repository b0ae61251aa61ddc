/**
 * The download and verification steps of an update job (update-agent.ts runs them in order):
 * fetch what the plan says (HTTPS with Range resume, or the chunked MQTT transfer), check the
 * bytes against the signed SHA-256 (the whole artifact, or the application member and the
 * runtime this device keeps), and verify the release signature again against the keys trusted
 * now, since a key may have been withdrawn while the download ran.
 */
import { readFile, rm } from 'node:fs/promises';
import type { Clock } from '../core/clock.js';
import { isTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { updateJobSchema, type StreamRequest, type UpdateJob, type UpdateReason } from '../link/contract-fleet.js';
import type { KeyLookup } from '../payment/jws.js';
import { downloadHttps } from './download-https.js';
import { StreamDownload } from './download-retry.js';
import { verifyArtifact, verifySplitArtifact } from './installer.js';
import { verifyDoc } from './signed-doc.js';
import type { FetchPlan } from './update-plan.js';
import type { FleetConfig } from './config.js';

/** A broken-off HTTPS download is resumed this many times in all before the job fails. */
const DOWNLOAD_ATTEMPTS = 5;

/** A job that cannot go on, with the reason update/status reports. */
export class JobFailure extends Error {
  readonly reason: UpdateReason;
  constructor(reason: UpdateReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

export interface FetchOptions {
  readonly job: UpdateJob;
  readonly plan: FetchPlan;
  readonly file: string;
  readonly fleet: FleetConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Aborts an HTTPS download when the agent stops. */
  readonly signal: AbortSignal;
  readonly stopped: () => boolean;
  readonly requestBlocks: (r: StreamRequest) => void;
  readonly connected: () => boolean;
  readonly onProgress: (bytes: number, blocks?: number) => void;
  /** The chunked transfer while it runs (the agent hands it frames and link changes), then undefined. */
  readonly onStream: (s: StreamDownload | undefined) => void;
}

/** Fetch the plan's bytes into `file`. */
export async function fetchJob(o: FetchOptions): Promise<void> {
  const { job, plan, fleet } = o;
  if (job.url !== undefined) {
    const ca = fleet.artifactCaFile !== undefined ? await readFile(fleet.artifactCaFile) : undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        await downloadHttps({
          url: job.url,
          dest: o.file,
          size: plan.size,
          ...(plan.size < job.size ? { prefix: true } : {}),
          ...(ca !== undefined ? { ca } : {}),
          stallMs: fleet.requestTimeoutSec * 1000,
          signal: o.signal,
          onProgress: (b) => o.onProgress(b),
        });
        return;
      } catch (e) {
        if (attempt >= DOWNLOAD_ATTEMPTS || o.stopped() || !(isTillqrError(e) && e.context.reason === 'download_failed')) throw e;
        o.logger.warn('the download broke off; resuming', { attempt, error: e.message });
        await new Promise<void>((r) => o.clock.setTimeout(r, 1000 * attempt));
      }
    }
  }
  if (job.stream === undefined) return;
  const stream = new StreamDownload({
    stream: job.stream,
    size: job.size,
    length: plan.size,
    sha256: plan.sha256,
    blockSize: fleet.blockSize,
    window: fleet.blockWindow,
    dest: o.file,
    timeoutMs: fleet.requestTimeoutSec * 1000,
    clock: o.clock,
    logger: o.logger,
    request: o.requestBlocks,
    connected: o.connected,
    onProgress: (b, blocks) => o.onProgress(b, blocks),
  });
  o.onStream(stream);
  try {
    await stream.run();
  } finally {
    o.onStream(undefined);
  }
}

/** The fetched bytes against the signed digests (the file is removed if they differ), then the job's signature again. */
export async function verifyFetched(o: { job: UpdateJob; plan: FetchPlan; file: string; token: Buffer | undefined; releaseKeys: KeyLookup }): Promise<void> {
  const { job, plan, file } = o;
  const layout = plan.layout;
  await (
    layout.kind === 'split' ? verifySplitArtifact(file, plan.size, plan.sha256, layout.appBytes, layout.runtime) : verifyArtifact(file, plan.size, plan.sha256)
  ).catch(async (e: unknown) => {
    await rm(file, { force: true });
    throw e;
  });
  const again = verifyDoc<UpdateJob>(o.token ?? Buffer.alloc(0), {
    keys: o.releaseKeys,
    schema: updateJobSchema,
    typ: 'update',
    nowSec: job.iat,
    skewSec: 0,
    maxBytes: 262_144,
  });
  if (!again.ok || again.doc.sha256 !== job.sha256 || again.doc.app?.sha256 !== job.app?.sha256 || again.doc.runtime?.sha256 !== job.runtime?.sha256)
    throw new JobFailure(again.ok ? 'sha256_mismatch' : again.reason === 'wrong_type' ? 'malformed' : again.reason, 'the release signature no longer verifies');
}
