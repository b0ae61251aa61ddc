/**
 * The operator's side of fleet tests: run `tillqr fleet ...` in-process through the real command
 * dispatcher (so errors become the exit codes and messages an operator sees), and signing keys
 * as PEM files the commands read.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { captureIo } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/tillqr.js';
import { generateEd25519KeyPair, parseEd25519PrivateKey } from '../../../src/payment/keys.js';
import { tempDir, type TestKey } from './fleet-kit.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `tillqr fleet <argv>` with a captured io; `interrupted` stands in for Ctrl-C on long-running commands. */
export async function fleetCli(argv: string[], o: { env?: NodeJS.ProcessEnv; interrupted?: Promise<void> } = {}): Promise<CliRun> {
  const io = captureIo(o.env ?? {});
  const code = await main(['fleet', ...argv], o.interrupted !== undefined ? { ...io, interrupted: o.interrupted } : io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}

/** A Ed25519 key for the devices to trust, with its private half in a PEM file for the CLI. */
export async function keyFile(name: string): Promise<TestKey & { readonly path: string }> {
  const k = generateEd25519KeyPair();
  const path = join(await tempDir('tillqr-keys-'), `${name}.pem`);
  await writeFile(path, k.privateKeyPem, { mode: 0o600 });
  return { key: parseEd25519PrivateKey(k.privateKeyPem), kid: k.kid, publicKeyPem: k.publicKeyPem, path };
}

/** Rows of a `fleet status` table as objects keyed by the header (columns are separated by 2+ spaces). */
export function tableRows(text: string): Record<string, string>[] {
  const [head, ...rows] = text.trimEnd().split('\n');
  const cols = (head ?? '').split(/ {2,}/);
  return rows.map((r) => Object.fromEntries(r.split(/ {2,}/).map((c, i) => [cols[i] ?? `col${i}`, c])));
}

/** A deferred "Ctrl-C" for long-running commands. */
export function interruptor(): { interrupted: Promise<void>; interrupt: () => void } {
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((r) => (interrupt = r));
  return { interrupted, interrupt };
}
