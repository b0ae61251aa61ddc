/**
 * A staged rollout: publish a signed job to one batch of a group's devices at a time, wait until
 * every device of the batch has a final outcome (success only comes after the new release passed
 * its health window on the device), and stop when the failures so far pass a threshold.
 */
import { FINAL_UPDATE_STATES, updateStatusSchema, type UpdateJob, type UpdateStatus } from '../../link/contract-fleet.js';
import { parseJsonPayload } from '../../link/json-payload.js';

export function planBatches(devices: readonly string[], batchPercent: number): string[][] {
  const size = Math.max(1, Math.ceil((devices.length * batchPercent) / 100));
  const out: string[][] = [];
  for (let i = 0; i < devices.length; i += size) out.push(devices.slice(i, i + size));
  return out;
}

export interface RolloutProgress {
  readonly batch: number;
  readonly batches: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly total: number;
  readonly inBatch: ReadonlyMap<string, string>;
}

export interface RolloutIo {
  publishJob(deviceId: string): Promise<void>;
  /** Register for update/status messages; returns an unsubscribe function. */
  onStatus(cb: (deviceId: string, s: UpdateStatus) => void): () => void;
  sleep(ms: number): Promise<void>;
  now(): number;
}

export interface RolloutResult {
  readonly succeeded: string[];
  /** `why`: the final state and reason code; `detail`: the device's sentence for the operator. */
  readonly failed: { deviceId: string; why: string; detail?: string }[];
  readonly skipped: string[];
  readonly aborted: boolean;
}

export async function runRollout(
  job: UpdateJob,
  devices: readonly string[],
  o: { batchPercent: number; abortPercent: number; batchTimeoutMs: number; io: RolloutIo; progress: (p: RolloutProgress) => void },
): Promise<RolloutResult> {
  const batches = planBatches(devices, o.batchPercent);
  const latest = new Map<string, UpdateStatus>();
  const off = o.io.onStatus((id, s) => {
    if (s.jobId === job.jobId) latest.set(id, s);
  });
  const result: RolloutResult = { succeeded: [], failed: [], skipped: [], aborted: false };
  try {
    for (const [bi, batch] of batches.entries()) {
      for (const id of batch) await o.io.publishJob(id);
      const started = o.io.now();
      const state = new Map<string, string>();
      for (;;) {
        let pending = 0;
        let ok = 0;
        for (const id of batch) {
          const s = latest.get(id);
          state.set(id, s === undefined ? 'waiting' : `${s.state}${s.percent !== undefined ? ` ${s.percent}%` : ''}`);
          if (s === undefined || !FINAL_UPDATE_STATES.includes(s.state)) pending++;
          else if (s.state === 'succeeded') ok++;
        }
        const finished = devices.length - result.skipped.length;
        // The counts include this batch's devices that have finished, so the last line adds up.
        const failed = result.failed.length + batch.length - pending - ok;
        o.progress({
          batch: bi + 1,
          batches: batches.length,
          done: result.succeeded.length + result.failed.length + batch.length - pending,
          succeeded: result.succeeded.length + ok,
          failed,
          total: finished,
          inBatch: state,
        });
        if (pending === 0 || o.io.now() - started > o.batchTimeoutMs) break;
        await o.io.sleep(250);
      }
      for (const id of batch) {
        const s = latest.get(id);
        if (s?.state === 'succeeded') result.succeeded.push(id);
        else {
          const why =
            s === undefined
              ? 'no answer'
              : FINAL_UPDATE_STATES.includes(s.state)
                ? `${s.state}${s.reason !== undefined ? ` (${s.reason})` : ''}`
                : `timed out while ${s.state}`;
          result.failed.push({ deviceId: id, why, ...(s?.detail !== undefined && s.detail !== '' ? { detail: s.detail } : {}) });
        }
      }
      const attempted = result.succeeded.length + result.failed.length;
      if (bi < batches.length - 1 && (result.failed.length * 100) / attempted > o.abortPercent) {
        result.skipped.push(...batches.slice(bi + 1).flat());
        return { ...result, aborted: true };
      }
    }
    return result;
  } finally {
    off();
  }
}

/** One failed device for the operator: "till-7: rejected (bad_artifact): the artifact has no package.json". */
export function failureLine(f: RolloutResult['failed'][number]): string {
  return `${f.deviceId}: ${f.why}${f.detail !== undefined ? `: ${f.detail.replace(/\s+/g, ' ')}` : ''}`;
}

export function parseStatus(payload: Buffer): UpdateStatus | undefined {
  return parseJsonPayload(updateStatusSchema, payload);
}

/** One progress line, e.g. "batch 2/5 [#######.............] 14/40 ok 13, failed 1". */
export function progressLine(p: RolloutProgress): string {
  const width = 20;
  const filled = p.total === 0 ? width : Math.round((p.done * width) / p.total);
  return `batch ${p.batch}/${p.batches} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} ok ${p.succeeded}, failed ${p.failed}`;
}
