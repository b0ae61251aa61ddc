/**
 * `tillqr fleet ...`: the operator's commands (status, config push, release sign|publish, rollout,
 * serve) and the device's boot check (run by systemd before the daemon).
 *
 * Broker options for the operator commands: --url (or TILLQR_FLEET_URL), --prefix, --username,
 * --ca; the password only from TILLQR_FLEET_PASSWORD (never on the command line).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createLogger } from '../core/logger.js';
import { EXIT, isTillqrError, TillqrError } from '../core/errors.js';
import { groupDesiredTopic } from '../link/contract-fleet.js';
import { protocolFlag } from '../link/negotiate.js';
import { runBootCheck } from '../fleet/boot-check.js';
import { buildView, renderTable } from '../fleet/operator/fleet-view.js';
import { OperatorClient } from '../fleet/operator/operator-client.js';
import { publishAndFollow } from '../fleet/operator/follow.js';
import { readArtifact, readJob, streamToServe } from '../fleet/operator/input-files.js';
import { loadSigningKey, signDesiredConfig, signJob } from '../fleet/operator/sign.js';
import { StreamServer } from '../fleet/stream-server.js';
import { StateResponder } from '../fleet/operator/state-responder.js';
import { trustedKeyProblems } from '../payment/trust-config.js';
import { intFlag, parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `tillqr fleet <command>
  status                       table of devices: retained statuses, and every connected device's answer to a sweep
  config push --device ID|--group G --file desired.json --key fleet-key.pem [--version N] [--kid K]
  release sign --key release-key.pem --artifact FILE --version V (--url URL|--stream ID)
               [--from "1.2.x,1.3.0"] [--rollback] [--aud id,id] [--expires 7d] [--job-id ID] [--out FILE]
  release publish --job FILE (--device ID[,ID...]|--group G) [--serve ARTIFACT] [--wait [--batch-timeout 30m]]
  rollout --group G --version V --job FILE [--batch 10%] [--abort-when-failed 20%] [--batch-timeout 30m] [--serve ARTIFACT]
  serve --job FILE --artifact FILE   answer chunked-transfer requests until interrupted
  responder [--state FILE]          publish a device's documents again when it says hello (clusters)
  boot-check [--config FILE]        (systemd ExecStartPre) count starts, roll back a crash loop
broker: --url URL (or TILLQR_FLEET_URL) --prefix P --username U --ca FILE; password from TILLQR_FLEET_PASSWORD;
        MQTT 5, or 3.1.1 when the broker refuses 5 (--mqtt3 or --mqtt5 pins one, --verbose says which)`;

/** Each command's usage line, shown with every usage error of that command. */
const COMMAND_USAGE: Readonly<Record<string, string>> = {
  status: 'tillqr fleet status [--json]',
  'config push': 'tillqr fleet config push --device ID|--group G --file desired.json --key FILE [--version N] [--kid K]',
  'release sign':
    'tillqr fleet release sign --key FILE --artifact FILE --version V (--url URL|--stream ID) [--from V,...] [--rollback] [--aud ID,...] [--expires 7d] [--job-id ID] [--out FILE]',
  'release publish': 'tillqr fleet release publish --job FILE (--device ID[,ID...]|--group G) [--serve ARTIFACT] [--wait [--batch-timeout 30m]]',
  rollout: 'tillqr fleet rollout --group G --version V --job FILE [--batch 10%] [--abort-when-failed 20%] [--batch-timeout 30m] [--serve ARTIFACT]',
  serve: 'tillqr fleet serve --job FILE --artifact FILE',
  responder: 'tillqr fleet responder [--state FILE] [--verbose]',
  'boot-check': 'tillqr fleet boot-check [--config FILE]',
};

const OPTIONS = {
  url: { type: 'string' },
  prefix: { type: 'string' },
  username: { type: 'string' },
  ca: { type: 'string' },
  device: { type: 'string' },
  group: { type: 'string' },
  file: { type: 'string' },
  key: { type: 'string' },
  kid: { type: 'string' },
  version: { type: 'string' },
  artifact: { type: 'string' },
  from: { type: 'string' },
  stream: { type: 'string' },
  rollback: { type: 'boolean' },
  aud: { type: 'string' },
  expires: { type: 'string' },
  'job-id': { type: 'string' },
  out: { type: 'string' },
  job: { type: 'string' },
  serve: { type: 'string' },
  batch: { type: 'string' },
  'abort-when-failed': { type: 'string' },
  'batch-timeout': { type: 'string' },
  config: { type: 'string' },
  state: { type: 'string' },
  json: { type: 'boolean' },
  wait: { type: 'boolean' },
  mqtt3: { type: 'boolean' },
  mqtt5: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

export function durationSec(text: string, flag: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(text);
  if (m === null) throw new TillqrError('USAGE', `${flag}: ${JSON.stringify(text)} is not a duration like 90s, 30m, 12h or 7d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
}

export function percent(text: string, flag: string): number {
  const m = /^(\d{1,3})%?$/.exec(text);
  const n = m === null ? NaN : Number(m[1]);
  if (!(n >= 0 && n <= 100)) throw new TillqrError('USAGE', `${flag}: ${JSON.stringify(text)} is not a percentage from 0 to 100`);
  return n;
}

const list = (s: string | undefined): string[] =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

async function connect(v: Values, io: CliIo): Promise<{ client: OperatorClient; prefix: string }> {
  const url = v.url ?? io.env.TILLQR_FLEET_URL ?? 'mqtt://127.0.0.1:1883';
  const password = io.env.TILLQR_FLEET_PASSWORD;
  const client = await OperatorClient.connect({
    url,
    protocol: protocolFlag(v.mqtt3, v.mqtt5),
    ...(v.verbose === true ? { note: (line: string) => io.stderr(`${line}\n`) } : {}),
    ...(v.username !== undefined ? { username: v.username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(v.ca !== undefined ? { caFile: v.ca } : {}),
  });
  return { client, prefix: v.prefix ?? 'tillqr/v1' };
}

/** Devices that report membership of a group (their config/reported: retained, or answering the sweep). */
async function groupMembers(client: OperatorClient, prefix: string, group: string): Promise<string[]> {
  const view = buildView(prefix, await client.sweep(prefix));
  return [...view.values()]
    .filter((d) => d.reported?.memberOf.includes(group) === true)
    .map((d) => d.deviceId)
    .sort();
}

/**
 * Answer chunked-transfer requests for a stream; resolves once the broker has the subscription,
 * so jobs published after it cannot ask for blocks before anyone listens. Returns the stop function.
 */
async function startServing(client: OperatorClient, prefix: string, stream: string, artifact: { path: string; bytes: Buffer }, io: CliIo): Promise<() => void> {
  const server = new StreamServer({ prefix, publish: (t, p) => void client.publish(t, p, false).catch(() => undefined) });
  server.add(stream, artifact.bytes);
  const off = client.onMessage((t, p) => server.handle(t, p));
  await client.subscribe([server.subscription]);
  io.stderr(`serving stream ${stream} (${artifact.path})\n`);
  return off;
}

const untilInterrupted = (io: CliIo): Promise<unknown> => io.interrupted ?? new Promise(() => undefined);

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parse(argv, OPTIONS, USAGE);
  const [cmd, sub] = positionals;
  if (v.help === true || cmd === undefined) {
    io.stdout(`usage: ${USAGE}\n`);
    return v.help === true ? EXIT.OK : EXIT.USAGE;
  }
  try {
    return await dispatch(cmd, sub, v, io);
  } catch (e) {
    if (!isTillqrError(e, 'USAGE') || e.message.includes('\nusage: ')) throw e;
    throw new TillqrError(
      'USAGE',
      `${e.message}\nusage: ${COMMAND_USAGE[sub === undefined ? cmd : `${cmd} ${sub}`] ?? COMMAND_USAGE[cmd] ?? USAGE}`,
      e.context,
    );
  }
}

async function dispatch(cmd: string, sub: string | undefined, v: Values, io: CliIo): Promise<number> {
  switch (cmd) {
    case 'boot-check': {
      // Never fails the start (an invalid config included): decision 0008.
      await runBootCheck({
        configPath: v.config,
        env: io.env,
        logger: createLogger('fleet.boot-check', { sink: { write: (l) => io.stdout(l) } }),
        nowSec: Math.floor(Date.now() / 1000),
      });
      return EXIT.OK;
    }
    case 'release': {
      if (sub === 'sign') {
        const usage = COMMAND_USAGE['release sign'] ?? USAGE;
        const key = await loadSigningKey(required(v.key, '--key', usage), v.kid);
        if ((v.url === undefined) === (v.stream === undefined)) throw new TillqrError('USAGE', `give exactly one of --url and --stream\nusage: ${usage}`);
        const aud = list(v.aud);
        const { token, job } = await signJob(
          required(v.artifact, '--artifact', usage),
          {
            version: required(v.version, '--version', usage),
            from: v.from === undefined ? ['*'] : list(v.from),
            ...(v.url !== undefined ? { url: v.url } : {}),
            ...(v.stream !== undefined ? { stream: v.stream } : {}),
            rollback: v.rollback === true,
            ...(aud.length > 0 ? { aud } : {}),
            ttlSec: durationSec(v.expires ?? '7d', '--expires'),
            ...(v['job-id'] !== undefined ? { jobId: v['job-id'] } : {}),
          },
          key,
        );
        if (v.out !== undefined) await writeFile(v.out, token + '\n', { mode: 0o644 });
        else io.stdout(token + '\n');
        io.stderr(
          `signed job ${job.jobId}: ${job.version}, ${job.size} bytes, sha256 ${job.sha256.slice(0, 16)}..., kid ${key.kid}, expires ${new Date(job.exp * 1000).toISOString()}\n`,
        );
        return EXIT.OK;
      }
      if (sub === 'publish') {
        const usage = COMMAND_USAGE['release publish'] ?? USAGE;
        const { token, job } = await readJob(required(v.job, '--job', usage));
        const stream = streamToServe(job, v.serve);
        if ((v.group === undefined) === (list(v.device).length === 0))
          throw new TillqrError('USAGE', `give exactly one of --device and --group\nusage: ${usage}`);
        const served = v.serve === undefined ? undefined : await readArtifact(v.serve);
        const { client, prefix } = await connect(v, io);
        try {
          const devices = v.group !== undefined ? await groupMembers(client, prefix, v.group) : list(v.device);
          if (devices.length === 0) throw new TillqrError('USAGE', `no device reports membership of the group ${v.group ?? ''}\nusage: ${usage}`);
          const stopServing = stream !== undefined && served !== undefined ? await startServing(client, prefix, stream, served, io) : undefined;
          if (v.wait === true) {
            // Publish to all at once and follow every device to its outcome (failures with their detail).
            const timeoutMs = durationSec(v['batch-timeout'] ?? '30m', '--batch-timeout') * 1000;
            io.stdout(`publishing job ${job.jobId} (${job.version}) to ${devices.length} device(s): ${devices.join(', ')}\n`);
            const r = await publishAndFollow(client, prefix, token, job, devices, {
              batchPercent: 100,
              abortPercent: 100,
              batchTimeoutMs: timeoutMs,
              print: (l) => io.stdout(`${l}\n`),
            });
            stopServing?.();
            io.stdout(`done: ${r.succeeded.length} succeeded, ${r.failed.length} failed\n`);
            return r.failed.length > 0 ? EXIT.FAILURE : EXIT.OK;
          }
          for (const d of devices) await client.publish(`${prefix}/${d}/update`, token, true);
          io.stdout(`published job ${job.jobId} (${job.version}) to ${devices.length} device(s): ${devices.join(', ')}\n`);
          if (stopServing !== undefined) await untilInterrupted(io).finally(stopServing);
        } finally {
          await client.close();
        }
        return EXIT.OK;
      }
      throw new TillqrError('USAGE', `fleet release needs sign or publish\nusage: ${USAGE}`);
    }
    case 'serve': {
      const usage = COMMAND_USAGE.serve ?? USAGE;
      const { job } = await readJob(required(v.job, '--job', usage));
      if (job.stream === undefined) throw new TillqrError('USAGE', 'the job downloads over HTTPS; there is no stream to serve');
      const artifact = await readArtifact(required(v.artifact, '--artifact', usage));
      const { client, prefix } = await connect(v, io);
      try {
        const stopServing = await startServing(client, prefix, job.stream, artifact, io);
        await untilInterrupted(io).finally(stopServing);
      } finally {
        await client.close();
      }
      return EXIT.OK;
    }
    case 'responder': {
      const { client, prefix } = await connect(v, io);
      const r = new StateResponder({
        prefix,
        publish: (t, p) => void client.publish(t, p, true).catch(() => undefined),
        ...(v.state !== undefined ? { statePath: v.state } : {}),
        note: (l) => v.verbose === true && io.stderr(`${l}\n`),
      });
      try {
        await r.load();
        const off = client.onMessage((t, p) => r.handle(t, p));
        await client.subscribe(r.subscriptions);
        io.stderr(`answering fleet hellos (${r.size} document(s) held)\n`);
        await untilInterrupted(io).finally(off);
        await r.flushed();
      } finally {
        await client.close();
      }
      return EXIT.OK;
    }
    case 'status': {
      const { client, prefix } = await connect(v, io);
      try {
        const view = buildView(prefix, await client.sweep(prefix));
        if (v.json === true) io.stdout(JSON.stringify([...view.values()], null, 2) + '\n');
        else io.stdout(view.size === 0 ? 'no devices have reported yet\n' : renderTable(view.values(), Math.floor(Date.now() / 1000)));
      } finally {
        await client.close();
      }
      return EXIT.OK;
    }
    case 'config': {
      if (sub !== 'push') throw new TillqrError('USAGE', `fleet config needs push\nusage: ${USAGE}`);
      const usage = COMMAND_USAGE['config push'] ?? USAGE;
      if ((v.device === undefined) === (v.group === undefined)) throw new TillqrError('USAGE', `give exactly one of --device and --group\nusage: ${usage}`);
      let config: unknown;
      try {
        config = JSON.parse(await readFile(required(v.file, '--file', usage), 'utf8'));
      } catch (e) {
        throw new TillqrError('USAGE', `${v.file}: ${(e as Error).message}`);
      }
      if (config === null || typeof config !== 'object' || Array.isArray(config))
        throw new TillqrError('USAGE', `${v.file}: must hold a JSON object (a partial config.json)`);
      const keyProblems = trustedKeyProblems((config as Record<string, unknown>).trust);
      if (keyProblems.length > 0)
        throw new TillqrError('JWS_BAD_KEY', `${v.file}: not pushed; devices would refuse these keys:\n${keyProblems.map((p) => `  ${p}`).join('\n')}`, {
          file: v.file,
        });
      const key = await loadSigningKey(required(v.key, '--key', usage), v.kid);
      const version = intFlag(v.version, '--version', { min: 1 }) ?? Math.floor(Date.now() / 1000);
      const target = v.device !== undefined ? `device:${v.device}` : `group:${v.group ?? ''}`;
      const token = signDesiredConfig(target, version, config as Record<string, unknown>, key);
      const { client, prefix } = await connect(v, io);
      try {
        const topic = v.device !== undefined ? `${prefix}/${v.device}/config/desired` : groupDesiredTopic(prefix, v.group ?? '');
        await client.publish(topic, token, true);
        io.stdout(`published desired config version ${version} for ${target} (retained on ${topic})\n`);
      } finally {
        await client.close();
      }
      return EXIT.OK;
    }
    case 'rollout': {
      const usage = COMMAND_USAGE.rollout ?? USAGE;
      const group = required(v.group, '--group', usage);
      const { token, job } = await readJob(required(v.job, '--job', usage));
      if (job.version !== required(v.version, '--version', usage)) throw new TillqrError('USAGE', `the job installs ${job.version}, not ${v.version}`);
      const batchPercent = percent(v.batch ?? '10%', '--batch');
      const abortPercent = percent(v['abort-when-failed'] ?? '20%', '--abort-when-failed');
      const batchTimeoutMs = durationSec(v['batch-timeout'] ?? '30m', '--batch-timeout') * 1000;
      if (batchPercent === 0) throw new TillqrError('USAGE', '--batch must be above 0%');
      const stream = streamToServe(job, v.serve);
      const served = v.serve === undefined ? undefined : await readArtifact(v.serve);
      const { client, prefix } = await connect(v, io);
      try {
        const view = buildView(prefix, await client.sweep(prefix));
        const members = [...view.values()].filter((d) => d.reported?.memberOf.includes(group) === true);
        const todo = members
          .filter((d) => (d.update?.current ?? d.status?.version) !== job.version)
          .map((d) => d.deviceId)
          .sort();
        io.stdout(`${group}: ${members.length} device(s), ${members.length - todo.length} already on ${job.version}, ${todo.length} to update\n`);
        const stopServing = stream !== undefined && served !== undefined ? await startServing(client, prefix, stream, served, io) : () => undefined;
        const result = await publishAndFollow(client, prefix, token, job, todo, {
          batchPercent,
          abortPercent,
          batchTimeoutMs,
          print: (l) => io.stdout(`${l}\n`),
        });
        stopServing();
        io.stdout(
          result.aborted
            ? `ABORTED: ${result.failed.length} failed, more than ${abortPercent}%; ${result.skipped.length} device(s) not started\n`
            : `done: ${result.succeeded.length} succeeded, ${result.failed.length} failed\n`,
        );
        return result.aborted || result.failed.length > 0 ? EXIT.FAILURE : EXIT.OK;
      } finally {
        await client.close();
      }
    }
    default:
      throw new TillqrError('USAGE', `unknown fleet command ${JSON.stringify(cmd)}\nusage: ${USAGE}`);
  }
}
