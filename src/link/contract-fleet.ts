/**
 * The fleet part of the MQTT contract: desired/reported configuration, update jobs and their
 * status, and the chunked file transfer. Every topic with its direction, QoS, retain flag, who
 * signs it and its payload schema; the link contract (contract.ts) includes FLEET_TOPICS so that
 * docs/protocol.md covers both.
 *
 * Signed documents are JWS compact (EdDSA), like the backend messages, but signed by other keys:
 * desired config by a key in trust.fleetKeys, update jobs by a key in trust.releaseKeys. A backend
 * key is accepted for neither, and a fleet key is not accepted for updates (nor the reverse).
 */
import { DEVICE_ID } from '../config/schema.js';
import { array, boolean, int, issue, literal, object, oneOf, Schema, string, type Infer } from '../core/schema.js';
import { RELEASE_ARCHES, RUNTIME_ID } from '../fleet/host-runtime.js';
import { FROM_PATTERN, VERSION_PATTERN } from '../fleet/semver.js';

const UNIX_SEC = (doc: string) => int({ min: 0, max: 99_999_999_999, expected: 'Unix time in whole seconds' }).doc(doc);
export const GROUP_NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const JOB_ID = /^[A-Za-z0-9._:-]{1,64}$/;
export const STREAM_ID = /^[A-Za-z0-9._-]{1,64}$/;
const version = (doc: string) => string({ pattern: VERSION_PATTERN, expected: 'a semantic version such as "1.4.2"' }).doc(doc);

/** Any JSON object (its keys are checked against the configuration schema one by one later). */
export function jsonObject(expected = 'an object'): Schema<Record<string, unknown>> {
  return new Schema('object', expected, (v, path, issues) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : issue(issues, path, v, expected),
  );
}

// ---- desired / reported configuration ------------------------------------------------------

export const desiredConfigSchema = object({
  typ: literal('config').doc('Always "config".'),
  target: string({ pattern: /^(device:[A-Za-z0-9._-]{1,64}|group:[A-Za-z0-9._-]{1,64})$/, expected: '"device:<deviceId>" or "group:<group>"' }).doc(
    'Who the document is for; must match the topic it arrives on (a document for one device cannot be replayed onto another).',
  ),
  version: int({ min: 1, max: 99_999_999_999 }).doc(
    'Increases with every change; a device never applies a version lower than or equal to one it applied from the same topic.',
  ),
  iat: UNIX_SEC('When it was signed.'),
  exp: UNIX_SEC('Optional: refused after this time.').optional(),
  config: jsonObject('an object of configuration keys').doc("A partial configuration (same shape as config.json), merged over the device's file."),
});

export const configErrorSchema = object({
  key: string({ min: 1, max: 256 }).doc('The key path, e.g. "display.rotation"; "*" for a whole document.'),
  source: string({ min: 1, max: 80 }).doc('"device" or "group:<name>".'),
  message: string({ min: 1, max: 512 }).doc('Why it was not applied.'),
});

export const reportedConfigSchema = object({
  device: int({ min: 0 }).optional().doc('Version of the device document applied (absent: none yet).'),
  groups: jsonObject().doc('Group name -> version applied, for every group in mqtt.groups that has a document.'),
  memberOf: array(string({ pattern: GROUP_NAME, expected: 'a group name' }), { max: 16 }).doc("The device's groups (mqtt.groups)."),
  applied: array(string({ min: 1, max: 256 }), { max: 1024 }).doc('Keys whose value changed with the last documents.'),
  errors: array(configErrorSchema, { max: 256 }).doc(
    'Keys not applied, one entry each; key "*": a stored document dropped at start because it no longer verifies (fleet key rotated, other device id, group left).',
  ),
  restartRequired: array(string({ min: 1, max: 256 }), { max: 1024 }).doc('Applied keys that take effect after the restart the device does when idle.'),
  rejected: string({ max: 512 }).optional().doc('The last document refused whole (bad signature, stale version...), with its reason.'),
  at: UNIX_SEC('When the device last applied or refused a document.'),
});

// ---- update jobs ---------------------------------------------------------------------------

const sha256Hex = () => string({ pattern: /^[0-9a-f]{64}$/, expected: 'a lowercase hex SHA-256 (64 characters)' });

export const updateJobSchema = object({
  typ: literal('update').doc('Always "update".'),
  jobId: string({ pattern: JOB_ID, expected: 'a job id of 1-64 letters, digits, ".", "_", ":" or "-"' }).doc('Unique id; a device runs each job once.'),
  version: version('The release this job installs.'),
  from: array(string({ pattern: FROM_PATTERN, expected: 'a version, "1.2.x", "1.x" or "*"' }), { min: 1, max: 64 }).doc(
    'Versions the device may be running to take this job ("*" for any).',
  ),
  size: int({ min: 1, max: 8_589_934_591 }).doc('Artifact size in bytes.'),
  sha256: sha256Hex().doc("SHA-256 of the artifact (the release key's signature over this document covers it)."),
  url: string({ pattern: /^https:\/\/[^\s]+$/, expected: 'an https:// URL' })
    .optional()
    .doc('Where to download the artifact (HTTPS only). Exactly one of url and stream.'),
  stream: string({ pattern: STREAM_ID, expected: 'a stream id' }).optional().doc('Chunked MQTT transfer: the stream to request blocks of on stream/get.'),
  rollback: boolean().default(false).doc('Allows a version lower than the highest committed one (anti-rollback otherwise refuses it).'),
  arch: oneOf(RELEASE_ARCHES)
    .optional()
    .doc(
      "The artifact's architecture (its package.json `tillqr.arch`; `fleet release sign` fills it in). A device of another architecture refuses the job (`incompatible`) before downloading anything.",
    ),
  runtime: object({
    kind: oneOf(['bundled', 'system'] as const).doc(
      "`bundled`: the artifact carries its Node.js (runtime/bin/node); `system`: it runs on the device's /usr/bin/node.",
    ),
    node: string({ pattern: VERSION_PATTERN, expected: 'a Node.js version' }).optional().doc('The bundled Node.js version.'),
    nodeMajor: int({ min: 18, max: 99 }).optional().doc('The system Node.js major version it needs.'),
    nodeAbi: int({ min: 1, max: 999 }).doc('The addon ABI (process.versions.modules) its native addons are built for.'),
    id: string({ pattern: RUNTIME_ID, expected: 'a runtime id such as node-22.23.5-linux-arm64' })
      .optional()
      .doc(
        "A bundled runtime carried as the artifact's own last gzip member (decision 0009): its id, the folder a device keeps it in (`<releaseRoot>/runtimes/<id>/`), shared by the releases that use it.",
      ),
    sha256: sha256Hex()
      .optional()
      .doc(
        "SHA-256 of the runtime member (the artifact's bytes from `app.size` to the end); a device that installed this runtime from a member with this SHA-256 fetches only `app`.",
      ),
  })
    .optional()
    .doc(
      "The artifact's runtime (package.json `tillqr.runtime` and `tillqr.nodeAbi`). A device whose /usr/bin/node has another ABI refuses a `system` job (`incompatible`) before downloading.",
    ),
  app: object({
    size: int({ min: 1, max: 8_589_934_591 }).doc("Length of the first gzip member (the application files): the artifact's bytes 0 to size-1."),
    sha256: sha256Hex().doc('SHA-256 of those bytes.'),
  })
    .optional()
    .doc(
      'Where the artifact is split (an application member, then the runtime member `runtime.id`): a device that has that runtime fetches only these bytes and checks them against this SHA-256; any other fetches the whole artifact and checks `sha256`. Present exactly when `runtime.id` and `runtime.sha256` are.',
    ),
  aud: array(string({ pattern: DEVICE_ID, expected: 'a device id' }), { min: 1, max: 10_000 })
    .optional()
    .doc('Optional: the only devices that may run it.'),
  iat: UNIX_SEC('When it was signed.'),
  exp: UNIX_SEC('Refused (and abandoned if still waiting for idle) after this time.'),
})
  .refine((j) => ((j.url === undefined) === (j.stream === undefined) ? 'exactly one of url and stream' : undefined))
  .refine((j) => {
    const split = j.runtime?.id !== undefined || j.runtime?.sha256 !== undefined || j.app !== undefined;
    if (!split) return undefined;
    if (j.runtime?.kind !== 'bundled' || j.runtime.id === undefined || j.runtime.sha256 === undefined || j.app === undefined)
      return 'app, runtime.id and runtime.sha256 come together, for a bundled runtime';
    return j.app.size < j.size ? undefined : 'app.size must be less than size';
  });

export const UPDATE_STATES = ['queued', 'downloading', 'verifying', 'installing', 'restarting', 'succeeded', 'failed', 'rejected', 'rolled_back'] as const;
export type UpdateState = (typeof UPDATE_STATES)[number];
export const FINAL_UPDATE_STATES: readonly UpdateState[] = ['succeeded', 'failed', 'rejected', 'rolled_back'];

export const UPDATE_REASONS = {
  malformed: 'Not a JWS, or the job does not match the schema.',
  unsupported_alg: 'The JWS alg is not EdDSA.',
  unknown_kid: 'The kid is not in trust.releaseKeys (a backend or fleet key is not accepted).',
  bad_signature: 'The signature does not verify.',
  wrong_audience: 'The job lists devices (`aud`) and this one is not among them.',
  expired: '`exp` has passed (also while the job waited for the sale to end).',
  not_yet_valid: '`iat` is in the future beyond trust.clockSkewSec.',
  updates_disabled: 'fleet.updates is false on this device.',
  wrong_from_version: 'The running version is not in `from`.',
  downgrade: 'The version is lower than the highest committed one and the job is not a rollback.',
  too_large: 'The artifact is larger than fleet.maxArtifactBytes.',
  busy: 'Another job is in progress.',
  download_failed: 'The artifact could not be downloaded (HTTP error, TLS, stalled, wrong size).',
  sha256_mismatch: 'The artifact does not match the signed SHA-256.',
  incompatible:
    'The release is for another architecture, or needs a Node.js runtime this device does not have (the detail says what was expected); checked on the job before downloading and on the unpacked release before switching.',
  bad_artifact: "The artifact is not a valid release (tar.gz with package.json and dist/src/cli/tillqr.js, safe paths, the job's version).",
  install_failed: 'Unpacking or switching the release failed (disk full, permissions).',
  config_rejected:
    "The new release's own `tillqr config check` refused this device's configuration file (the detail carries its output, secrets removed); nothing was switched.",
  interrupted: 'The device restarted during the install before the new release was switched in.',
  health_window: 'The new release did not connect to the broker and draw the display within fleet.healthWindowSec.',
  crash_loop: 'The new release failed to start fleet.maxBootAttempts times.',
} as const;
export type UpdateReason = keyof typeof UPDATE_REASONS;

export const updateStatusSchema = object({
  jobId: string({ pattern: JOB_ID, expected: 'a job id' }).optional().doc('The job (absent when a message was refused before its id could be trusted).'),
  version: version("The job's target version.").optional(),
  state: oneOf(UPDATE_STATES).doc('Where the job is.'),
  percent: int({ min: 0, max: 100 }).optional().doc('Download progress (state downloading), of `fetch.of`.'),
  fetch: object({
    bytes: int({ min: 0 }).doc('Bytes of the download on disk so far (a resumed transfer counts what it kept).'),
    of: int({ min: 0 }).doc('Bytes this job downloads: the whole artifact, or only its application member when the device has the runtime already.'),
    artifact: int({ min: 0 }).doc("The whole artifact's size (the job's `size`)."),
    blocks: int({ min: 0 }).optional().doc('Chunked transfer: blocks on disk so far.'),
    runtime: string({ pattern: RUNTIME_ID, expected: 'a runtime id' }).optional().doc('The runtime this device has already and does not download again.'),
  })
    .optional()
    .doc('What the download fetches (states downloading, verifying, installing, restarting).'),
  reason: oneOf(Object.keys(UPDATE_REASONS) as (keyof typeof UPDATE_REASONS)[])
    .optional()
    .doc('Why (failed, rejected, rolled_back).'),
  detail: string({ max: 512 }).optional().doc('A sentence for the operator.'),
  current: version('The version running now.'),
  at: UNIX_SEC('When the state was entered.'),
});

// ---- chunked transfer ----------------------------------------------------------------------

/** A request for blocks (the AWS IoT file-delivery idea: numbered blocks, asked for in windows, so a transfer resumes where it stopped). */
export const streamRequestSchema = object({
  stream: string({ pattern: STREAM_ID, expected: 'a stream id' }).doc('The stream named by the job.'),
  token: string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, expected: 'a client token' }).doc('Echoed in every answer block, so stale answers are told apart.'),
  blockSize: int({ min: 256, max: 262_144 }).doc('Bytes per block (the last block is shorter).'),
  blocks: array(int({ min: 0, max: 33_554_432 }), { min: 1, max: 256 }).doc('Block numbers wanted (block i covers bytes i*blockSize .. (i+1)*blockSize-1).'),
});

/** Header of a binary answer frame on stream/data: [u16 big-endian header length][header JSON][block bytes]. */
export const streamFrameHeaderSchema = object({
  stream: string({ pattern: STREAM_ID, expected: 'a stream id' }),
  token: string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, expected: 'a client token' }),
  block: int({ min: 0 }).optional().doc('Block number (absent on an error frame).'),
  size: int({ min: 0 }).optional().doc('Total stream size in bytes.'),
  error: oneOf(['unknown_stream', 'bad_request'] as const)
    .optional()
    .doc('The request was refused.'),
});

// ---- fleet sweep (decision 0012: clustered brokers deliver no retained message through a wildcard) ----

export const fleetPingSchema = object({
  typ: literal('ping').doc('Always "ping".'),
  id: string({ pattern: /^[A-Za-z0-9_-]{1,64}$/, expected: 'a sweep id of 1-64 letters, digits, "_" or "-"' }).doc('Names the sweep (for logs).'),
  spreadMs: int({ min: 0, max: 30_000 }).optional().doc('Each device answers after a random delay below this, so a large fleet does not answer in one burst.'),
});

export type FleetPing = Infer<typeof fleetPingSchema>;

export const fleetHelloSchema = object({
  typ: literal('hello').doc('Always "hello".'),
  memberOf: array(string({ pattern: GROUP_NAME, expected: 'a group name' }), { max: 16 }).doc("The device's groups (mqtt.groups): whose documents it wants."),
  at: UNIX_SEC('When the fleet connection came up.'),
});

export type FleetHello = Infer<typeof fleetHelloSchema>;

export type DesiredConfigDoc = Infer<typeof desiredConfigSchema>;
export type ReportedConfig = Infer<typeof reportedConfigSchema>;
export type UpdateJob = Infer<typeof updateJobSchema>;
export type UpdateStatus = Infer<typeof updateStatusSchema>;
export type StreamRequest = Infer<typeof streamRequestSchema>;
export type StreamFrameHeader = Infer<typeof streamFrameHeaderSchema>;

// ---- topics --------------------------------------------------------------------------------

export type FleetTopicName =
  'config/desired' | 'group config/desired' | 'config/reported' | 'update' | 'update/status' | 'stream/get' | 'stream/data' | 'fleet/ping' | 'fleet/hello';

export interface FleetTopicSpec {
  readonly name: FleetTopicName;
  /** The topic with `<prefix>`, `<deviceId>` and `<group>` placeholders. */
  readonly pattern: string;
  readonly direction: 'backend → device' | 'device → backend';
  readonly signedBy: 'fleet key' | 'release key' | 'none';
  readonly retained: boolean;
  readonly qos: 1;
  readonly schema: Schema<unknown>;
  readonly summary: string;
}

export const FLEET_TOPICS: readonly FleetTopicSpec[] = [
  {
    name: 'config/desired',
    pattern: '<prefix>/<deviceId>/config/desired',
    direction: 'backend → device',
    signedBy: 'fleet key',
    retained: true,
    qos: 1,
    schema: desiredConfigSchema,
    summary: "Desired configuration for one device (wins over its groups' documents).",
  },
  {
    name: 'group config/desired',
    pattern: '<prefix>/groups/<group>/config/desired',
    direction: 'backend → device',
    signedBy: 'fleet key',
    retained: true,
    qos: 1,
    schema: desiredConfigSchema,
    summary: 'Desired configuration for a group; among groups, the one listed first in mqtt.groups wins.',
  },
  {
    name: 'config/reported',
    pattern: '<prefix>/<deviceId>/config/reported',
    direction: 'device → backend',
    signedBy: 'none',
    retained: true,
    qos: 1,
    schema: reportedConfigSchema,
    summary: 'Versions applied, keys applied, per-key errors.',
  },
  {
    name: 'update',
    pattern: '<prefix>/<deviceId>/update',
    direction: 'backend → device',
    signedBy: 'release key',
    retained: true,
    qos: 1,
    schema: updateJobSchema,
    summary: 'An update job. Per device only (rollouts address batches of devices); publish retained, clear with an empty retained message.',
  },
  {
    name: 'update/status',
    pattern: '<prefix>/<deviceId>/update/status',
    direction: 'device → backend',
    signedBy: 'none',
    retained: true,
    qos: 1,
    schema: updateStatusSchema,
    summary: "The job's life: queued, downloading (percent), verifying, installing, restarting, then succeeded, failed, rejected or rolled_back.",
  },
  {
    name: 'stream/get',
    pattern: '<prefix>/<deviceId>/stream/get',
    direction: 'device → backend',
    signedBy: 'none',
    retained: false,
    qos: 1,
    schema: streamRequestSchema,
    summary: 'Chunked transfer: the device asks for numbered blocks of a stream (JSON).',
  },
  {
    name: 'stream/data',
    pattern: '<prefix>/<deviceId>/stream/data',
    direction: 'backend → device',
    signedBy: 'none',
    retained: false,
    qos: 1,
    schema: streamFrameHeaderSchema,
    summary: "Chunked transfer: one binary frame per block, [u16 header length][header JSON][bytes]; integrity comes from the job's signed SHA-256.",
  },
  {
    name: 'fleet/ping',
    pattern: '<prefix>/fleet/ping',
    direction: 'backend → device',
    signedBy: 'none',
    retained: false,
    qos: 1,
    schema: fleetPingSchema,
    summary:
      'A sweep (`tillqr fleet status`, group membership for release publish and rollout): every connected device publishes its `status`, `config/reported` and `update/status` again, live, so the fleet is seen on a clustered broker that delivers no retained message through a wildcard nor across nodes. Publish not retained.',
  },
  {
    name: 'fleet/hello',
    pattern: '<prefix>/<deviceId>/fleet/hello',
    direction: 'device → backend',
    signedBy: 'none',
    retained: false,
    qos: 1,
    schema: fleetHelloSchema,
    summary:
      "Sent by the fleet agent on every connect: a responder (`tillqr fleet responder`) publishes the device's `config/desired`, its groups' documents and its `update` job again, so a device that was away when they were pushed gets them on any cluster node (retained copies are per node on some clusters). Harmless without a responder.",
  },
];

/** Topic names for one device's fleet traffic. */
export class FleetTopics {
  readonly prefix: string;
  readonly deviceId: string;

  constructor(prefix: string, deviceId: string) {
    this.prefix = prefix;
    this.deviceId = deviceId;
  }

  device(name: 'config/desired' | 'config/reported' | 'update' | 'update/status' | 'stream/get' | 'stream/data'): string {
    return `${this.prefix}/${this.deviceId}/${name}`;
  }

  group(group: string): string {
    return groupDesiredTopic(this.prefix, group);
  }

  /** The device's hello (asks for its documents again: a cluster's retained copies are per node). */
  hello(): string {
    return `${this.prefix}/${this.deviceId}/fleet/hello`;
  }

  /** The fleet-wide sweep topic (fleet/ping). */
  ping(): string {
    return fleetPingTopic(this.prefix);
  }

  /** The group a full topic is the desired-config topic of, if any. */
  groupOf(topic: string): string | undefined {
    const head = `${this.prefix}/groups/`;
    if (!topic.startsWith(head) || !topic.endsWith('/config/desired')) return undefined;
    const g = topic.slice(head.length, -'/config/desired'.length);
    return GROUP_NAME.test(g) ? g : undefined;
  }
}

export function groupDesiredTopic(prefix: string, group: string): string {
  return `${prefix}/groups/${group}/config/desired`;
}

export function fleetPingTopic(prefix: string): string {
  return `${prefix}/fleet/ping`;
}
