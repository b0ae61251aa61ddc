/**
 * Publish a signed job to devices batch by batch and follow their update/status until each has
 * a final outcome (runRollout over the operator's MQTT connection), printing progress and, for
 * each failed device, its state, reason code and the device's own `detail` sentence. Used by
 * `fleet rollout` and by `fleet release publish --wait`.
 */
import type { UpdateJob } from '../../link/contract-fleet.js';
import type { OperatorClient } from './operator-client.js';
import { failureLine, parseStatus, progressLine, runRollout, type RolloutResult } from './rollout.js';

export interface FollowOptions {
  readonly batchPercent: number;
  readonly abortPercent: number;
  readonly batchTimeoutMs: number;
  readonly print: (line: string) => void;
}

export async function publishAndFollow(
  client: OperatorClient,
  prefix: string,
  token: string,
  job: UpdateJob,
  devices: readonly string[],
  o: FollowOptions,
): Promise<RolloutResult> {
  await client.subscribe([`${prefix}/+/update/status`]);
  let lastLine = '';
  const result = await runRollout(job, devices, {
    batchPercent: o.batchPercent,
    abortPercent: o.abortPercent,
    batchTimeoutMs: o.batchTimeoutMs,
    progress: (p) => {
      const line = progressLine(p);
      if (line !== lastLine) o.print(line);
      lastLine = line;
    },
    io: {
      publishJob: (id) => client.publish(`${prefix}/${id}/update`, token, true),
      onStatus: (cb) =>
        client.onMessage((t, p) => {
          const m = /^(.*)\/([^/]+)\/update\/status$/.exec(t);
          const s = m !== null && m[1] === prefix ? parseStatus(p) : undefined;
          if (m !== null && s !== undefined) cb(m[2] ?? '', s);
        }),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      now: () => Date.now(),
    },
  });
  for (const f of result.failed) o.print(`  failed: ${failureLine(f)}`);
  return result;
}
