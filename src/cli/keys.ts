/**
 * `tillqr keys generate --out DIR [--name NAME] [--force]`: write an Ed25519 key pair for a
 * backend, release or fleet signer (NAME.key.pem, mode 0600, and NAME.pub.pem) and print its kid
 * with the entry to paste into the matching trust list (trustListFor).
 * `tillqr keys kid FILE`: the kid of a public (or private) key PEM; a weak public key (small
 * order, non-canonical) is refused rather than given a kid to paste into a trust list.
 */
import { access, readFile } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { EXIT, TillqrError } from '../core/errors.js';
import { readEd25519PublicKey } from '../payment/jws.js';
import { generateEd25519KeyPair, thumbprintKid } from '../payment/keys.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `tillqr keys generate --out DIR [--name NAME] [--force]
       tillqr keys kid FILE`;

const HELP = `usage: ${USAGE}

generate  write an Ed25519 signing key pair for a backend: DIR/NAME.key.pem (PKCS#8, mode 0600:
          keep it on the backend only) and DIR/NAME.pub.pem (SPKI: goes into every device's
          trust.backendKeys; for a NAME with "release" in it trust.releaseKeys, with "fleet"
          trust.fleetKeys). NAME defaults to "backend". Prints the kid: the RFC 7638 JWK
          thumbprint of the public key, recomputable by anyone from the public key.
kid       print the kid of a public or private key PEM.
`;

/**
 * The trust list a key of this name belongs in: a release key signs update jobs
 * (trust.releaseKeys), a fleet key desired configs (trust.fleetKeys), anything else is a backend's.
 */
export function trustListFor(name: string): 'trust.backendKeys' | 'trust.fleetKeys' | 'trust.releaseKeys' {
  if (/release/i.test(name)) return 'trust.releaseKeys';
  if (/fleet/i.test(name)) return 'trust.fleetKeys';
  return 'trust.backendKeys';
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function generate(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(argv, { out: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean' } }, USAGE);
  const dir = resolve(io.cwd, required(values.out, '--out', USAGE));
  const name = values.name ?? 'backend';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new TillqrError('USAGE', `--name ${JSON.stringify(name)}: use letters, digits, ".", "_" or "-"`);
  const privPath = join(dir, `${name}.key.pem`);
  const pubPath = join(dir, `${name}.pub.pem`);
  if (values.force !== true) {
    for (const p of [privPath, pubPath]) {
      if (await exists(p)) throw new TillqrError('USAGE', `${p} exists; use --force to replace it (devices trusting the old key will refuse the new one)`);
    }
  }
  const pair = generateEd25519KeyPair();
  await writeFileAtomic(privPath, pair.privateKeyPem, { mode: 0o600 });
  await writeFileAtomic(pubPath, pair.publicKeyPem, { mode: 0o644 });
  io.stdout(`${pair.kid}\n`);
  const list = trustListFor(name);
  const sim = list === 'trust.backendKeys' ? `for the simulator: npx tillqr sim --trust ${pubPath}\n` : '';
  io.stderr(
    `wrote ${privPath} (private, mode 0600) and ${pubPath}\nsign with --key ${privPath} --kid=${pair.kid} (with "=": a kid may start with "-")\nadd to ${list} on each device:\n${JSON.stringify({ kid: pair.kid, publicKeyPem: pair.publicKeyPem })}\n${sim}`,
  );
  return EXIT.OK;
}

async function kid(argv: string[], io: CliIo): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE);
  const file = positionals[0];
  if (file === undefined || positionals.length !== 1) throw new TillqrError('USAGE', `keys kid takes one PEM file\nusage: ${USAGE}`);
  let pem: string;
  try {
    pem = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new TillqrError('USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = readEd25519PublicKey(pem);
  if (!r.ok) throw new TillqrError('JWS_BAD_KEY', `${file}: the public key ${r.problem}`, { file });
  io.stdout(`${thumbprintKid(r.key)}\n`);
  return EXIT.OK;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub ?? '') {
    case 'generate':
      return generate(rest, io);
    case 'kid':
      return kid(rest, io);
    case '--help':
    case 'help':
      io.stdout(HELP);
      return EXIT.OK;
    default:
      io.stderr(`usage: ${USAGE}\n`);
      return EXIT.USAGE;
  }
}
