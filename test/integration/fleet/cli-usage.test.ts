/**
 * `tillqr fleet` with bad flags or files: a clear message with the usage line on stderr and exit
 * 64 (EX_USAGE), before anything is published. In-process through the real dispatcher, and once
 * as a real child process (exit code and streams as a shell sees them).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exited, helperPath, spawnTs } from '../../helpers/child.js';
import { makeArtifact, tempDir } from './fleet-kit.js';
import { fleetCli, keyFile } from './operator-kit.js';

// A port nothing listens on: any command that got as far as connecting would fail differently (exit 69).
const NO_BROKER = 'mqtt://127.0.0.1:1';

describe('tillqr fleet: bad flags and files', () => {
  let dir: string;
  let key: string;
  let artifact: string;
  let httpsJob: string;
  let streamJob: string;
  let desired: string;

  beforeAll(async () => {
    dir = await tempDir('tillqr-usage-');
    key = (await keyFile('release')).path;
    artifact = await makeArtifact('1.1.0');
    httpsJob = join(dir, 'https.jws');
    streamJob = join(dir, 'stream.jws');
    desired = join(dir, 'desired.json');
    await writeFile(desired, JSON.stringify({ display: { rotation: 90 } }));
    const a = await fleetCli([
      'release',
      'sign',
      '--key',
      key,
      '--artifact',
      artifact,
      '--version',
      '1.1.0',
      '--url',
      'https://example.test/a.tar.gz',
      '--out',
      httpsJob,
    ]);
    const b = await fleetCli(['release', 'sign', '--key', key, '--artifact', artifact, '--version', '1.1.0', '--stream', 's-1', '--out', streamJob]);
    expect([a.code, b.code]).toEqual([0, 0]);
  });

  it('no command prints the usage and exits 64; --help exits 0', async () => {
    const none = await fleetCli([]);
    expect(none.code).toBe(64);
    expect(none.out).toMatch(/^usage: tillqr fleet <command>/);
    const help = await fleetCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('rollout --group G --version V --job FILE');
  });

  const cases: [string, () => string[], RegExp][] = [
    ['an unknown command', () => ['frobnicate'], /unknown fleet command "frobnicate"/],
    ['an unknown flag', () => ['status', '--bogus'], /Unknown option '--bogus'/],
    ['a flag without its value', () => ['status', '--url'], /--url/],
    ['config without push', () => ['config', 'pull'], /fleet config needs push/],
    [
      'config push with both --device and --group',
      () => ['config', 'push', '--device', 'a', '--group', 'b', '--file', 'x', '--key', key],
      /exactly one of --device and --group/,
    ],
    ['config push without --file', () => ['config', 'push', '--device', 'a', '--key', key], /--file is required/],
    [
      'config push with a version that is not a number',
      () => ['config', 'push', '--device', 'a', '--file', desired, '--key', key, '--version', 'two'],
      /--version: "two" is not a whole number/,
    ],
    ['release without sign or publish', () => ['release', 'push'], /fleet release needs sign or publish/],
    [
      'release sign with both --url and --stream',
      () => ['release', 'sign', '--key', key, '--artifact', artifact, '--version', '1.1.0', '--url', 'https://x/a', '--stream', 's'],
      /exactly one of --url and --stream/,
    ],
    [
      'release sign with a plain-HTTP url',
      () => ['release', 'sign', '--key', key, '--artifact', artifact, '--version', '1.1.0', '--url', 'http://x/a'],
      /https:\/\/ URL/,
    ],
    [
      'release sign with a bad --expires',
      () => ['release', 'sign', '--key', key, '--artifact', artifact, '--version', '1.1.0', '--stream', 's', '--expires', 'soon'],
      /--expires: "soon" is not a duration/,
    ],
    [
      'release sign with a missing artifact',
      () => ['release', 'sign', '--key', key, '--artifact', join(dir, 'nope.tar.gz'), '--version', '1.1.0', '--stream', 's'],
      /nope\.tar\.gz/,
    ],
    [
      'release sign with a missing key',
      () => ['release', 'sign', '--key', join(dir, 'nope.pem'), '--artifact', artifact, '--version', '1.1.0', '--stream', 's'],
      /cannot read the key file/,
    ],
    ['release publish without a target', () => ['release', 'publish', '--job', httpsJob], /exactly one of --device and --group/],
    ['release publish with a missing job file', () => ['release', 'publish', '--job', join(dir, 'nope.jws'), '--device', 'a'], /nope\.jws/],
    ['release publish of a file that is not a job', () => ['release', 'publish', '--job', artifact, '--device', 'a'], /not a signed update job/],
    ['release publish --serve with an HTTPS job', () => ['release', 'publish', '--job', httpsJob, '--device', 'a', '--serve', artifact], /no stream to serve/],
    ['serve an HTTPS job', () => ['serve', '--job', httpsJob, '--artifact', artifact], /no stream to serve/],
    ['serve without --artifact', () => ['serve', '--job', streamJob], /--artifact is required/],
    ['rollout without --group', () => ['rollout', '--version', '1.1.0', '--job', streamJob], /--group is required/],
    ['rollout with another version than the job', () => ['rollout', '--group', 'g', '--version', '1.2.0', '--job', streamJob], /installs 1\.1\.0, not 1\.2\.0/],
    ['rollout with --batch 0%', () => ['rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--batch', '0%'], /--batch must be above 0%/],
    [
      'rollout with --batch 150%',
      () => ['rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--batch', '150%'],
      /--batch: "150%" is not a percentage/,
    ],
    [
      'rollout with --abort-when-failed abc',
      () => ['rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--abort-when-failed', 'abc'],
      /--abort-when-failed: "abc" is not a percentage/,
    ],
    [
      'rollout with a bad --batch-timeout',
      () => ['rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--batch-timeout', '5 minutes'],
      /--batch-timeout: "5 minutes" is not a duration/,
    ],
    [
      'rollout --serve with a missing artifact',
      () => ['rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--serve', join(dir, 'gone.tar.gz')],
      /gone\.tar\.gz/,
    ],
  ];

  it.each(cases)('%s: a clear message, the usage line, exit 64', async (_what, argv, message) => {
    const r = await fleetCli(argv(), { env: { TILLQR_FLEET_URL: NO_BROKER } });
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/usage: tillqr fleet/);
    expect(r.code).toBe(64);
    expect(r.out).toBe('');
  });

  it('a bad flag from a real shell: exit 64, the usage line on stderr, nothing on stdout', async () => {
    const child = spawnTs(
      helperPath('../../src/cli/tillqr.ts'),
      ['fleet', 'rollout', '--group', 'g', '--version', '1.1.0', '--job', streamJob, '--batch', 'ten'],
      { env: { ...process.env, TILLQR_FLEET_URL: NO_BROKER } },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exited(child)).toEqual({ code: 64, signal: null });
    expect(err).toMatch(/^tillqr fleet: --batch: "ten" is not a percentage from 0 to 100\nusage: tillqr fleet rollout/);
    expect(out).toBe('');
  });

  it('a desired-config file that is not JSON names the file', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "display": ');
    const r = await fleetCli(['config', 'push', '--device', 'a', '--file', file, '--key', key, '--url', NO_BROKER]);
    expect(r.code).toBe(64);
    expect(r.err).toContain('broken.json');
  });
});
