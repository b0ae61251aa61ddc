/**
 * What the updater remembers across restarts, in one atomically written file
 * (<stateDir>/fleet/update-state.json):
 *
 *  - floor: the anti-rollback floor, the highest committed version (a committed rollback job
 *    lowers it to its own version, as the operator signed that decision);
 *  - pending: a release that was switched in (or is about to be) and has not passed its health
 *    window yet, with the previous version and the boot attempts counted by the boot check;
 *  - last: the final outcome of the last job, until it has been published;
 *  - done: recent job ids with a final outcome, so a retained job is never run twice.
 */
import { join } from 'node:path';
import { array, boolean, int, object, oneOf, string, type Infer } from '../core/schema.js';
import { JOB_ID, UPDATE_REASONS } from '../link/contract-fleet.js';
import { readJsonFile, writeJsonAtomic } from '../store/atomic-file.js';
import { VERSION_PATTERN } from './semver.js';

const version = () => string({ pattern: VERSION_PATTERN, expected: 'a version' });
const jobId = () => string({ pattern: JOB_ID, expected: 'a job id' });
const reason = () => oneOf(Object.keys(UPDATE_REASONS) as (keyof typeof UPDATE_REASONS)[]);

export const updateStateSchema = object({
  floor: version().optional(),
  pending: object({
    jobId: jobId(),
    version: version(),
    previous: version(),
    rollback: boolean(),
    attempts: int({ min: 0 }),
    installedAt: int({ min: 0 }),
  }).optional(),
  last: object({
    jobId: jobId(),
    version: version(),
    state: oneOf(['succeeded', 'failed', 'rejected', 'rolled_back'] as const),
    reason: reason().optional(),
    detail: string({ max: 512 }).optional(),
    at: int({ min: 0 }),
    published: boolean(),
  }).optional(),
  done: array(jobId(), { max: 64 }).default([]),
});

export type UpdateStateData = Infer<typeof updateStateSchema>;
export type PendingRelease = NonNullable<UpdateStateData['pending']>;
export type LastOutcome = NonNullable<UpdateStateData['last']>;

export const DONE_KEEP = 64;

export function updateStatePath(stateDir: string): string {
  return join(stateDir, 'fleet', 'update-state.json');
}

/** Read the state; a missing file is the empty state, an unreadable or invalid one is reported and replaced by the empty state. */
export async function loadUpdateState(stateDir: string, onProblem: (why: string) => void = () => undefined): Promise<UpdateStateData> {
  let raw: unknown;
  try {
    raw = await readJsonFile(updateStatePath(stateDir));
  } catch (e) {
    onProblem(e instanceof Error ? e.message : String(e));
    return { done: [] };
  }
  if (raw === undefined) return { done: [] };
  const r = updateStateSchema.safeParse(raw);
  if (!r.ok) {
    onProblem(r.issues.map((i) => i.message).join('; '));
    return { done: [] };
  }
  return r.value;
}

export async function saveUpdateState(stateDir: string, s: UpdateStateData): Promise<void> {
  await writeJsonAtomic(updateStatePath(stateDir), s);
}

/** Record a final outcome: `last` and the job id in `done`. */
export function withOutcome(s: UpdateStateData, o: Omit<LastOutcome, 'published'>): UpdateStateData {
  const done = [...s.done.filter((j) => j !== o.jobId), o.jobId].slice(-DONE_KEEP);
  return { ...s, last: { ...o, published: false }, done };
}
