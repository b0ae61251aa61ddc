/**
 * `tillqr emv decode <payload>`: the payload's tree as JSON (exit 0), or a one-line reason on
 * stderr (exit 1) when it is malformed or its CRC is wrong.
 * `tillqr emv encode --profile FILE [--amount N] [--reference R] [--bill B] [--terminal T]`:
 * a payload from a merchant profile (JSON, the config's `merchant` object or a whole config file).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT, TillqrError, isTillqrError } from '../core/errors.js';
import { decodeEmv } from '../payment/emv-decode.js';
import { encodeEmv, type EmvEncodeInput } from '../payment/emv-encode.js';
import { merchantConfigSchema } from '../payment/merchant-config.js';
import { parseMoney } from '../payment/money.js';
import { parse, required } from './args.js';
import type { CliIo } from './io.js';

const USAGE = `tillqr emv decode <payload>
       tillqr emv encode --profile FILE [--amount N] [--reference R] [--bill B] [--terminal T] [--static|--dynamic]`;

const HELP = `usage: ${USAGE}

decode   print the EMV MPM payload as JSON: every data object with its id, name and value,
         templates with their nested objects, the rules it breaks (warnings) and what it means.
         Exit 1 with the reason on stderr when it is malformed or its CRC does not match.
encode   print a payload for the merchant profile in FILE (JSON: the merchant object, or a config
         file with a "merchant" key). --amount is in the currency's units ("12.50", "1200").
         Dynamic (01 = 12) when an amount, bill or reference is given, else static (01 = 11).
`;

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}

function decode(argv: string[], io: CliIo): number {
  const { positionals } = parse(argv, {}, USAGE);
  if (positionals.length !== 1) throw new TillqrError('USAGE', `emv decode takes one payload (quote it)\nusage: ${USAGE}`);
  const decoded = decodeEmv(positionals[0] ?? '');
  io.stdout(`${JSON.stringify({ crc: decoded.crc, warnings: decoded.warnings, fields: decoded.fields, content: decoded.content }, null, 2)}\n`);
  return EXIT.OK;
}

async function loadProfile(file: string, io: CliIo): Promise<EmvEncodeInput['merchant']> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(resolve(io.cwd, file), 'utf8'));
  } catch (e) {
    throw new TillqrError('EMV_INVALID_FIELD', `cannot read profile ${file}: ${(e as Error).message}`);
  }
  const isConfig = raw !== null && typeof raw === 'object' && 'merchant' in raw && !('name' in raw);
  const candidate = isConfig ? (raw as { merchant: unknown }).merchant : raw;
  const r = merchantConfigSchema.safeParse(candidate);
  if (!r.ok) throw new TillqrError('EMV_INVALID_FIELD', `profile ${file}: ${r.issues.map((i) => i.message).join('; ')}`);
  return r.value;
}

async function encode(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      profile: { type: 'string' },
      amount: { type: 'string' },
      reference: { type: 'string' },
      bill: { type: 'string' },
      terminal: { type: 'string' },
      static: { type: 'boolean' },
      dynamic: { type: 'boolean' },
    },
    USAGE,
  );
  if (positionals.length > 0) throw new TillqrError('USAGE', `unexpected ${JSON.stringify(positionals[0])}\nusage: ${USAGE}`);
  if (values.static === true && values.dynamic === true) throw new TillqrError('USAGE', `--static and --dynamic exclude each other\nusage: ${USAGE}`);
  const merchant = await loadProfile(required(values.profile, '--profile', USAGE), io);
  const input: EmvEncodeInput = {
    merchant,
    ...(values.amount === undefined ? {} : { amount: parseMoney(values.amount, merchant.currency) }),
    ...(values.reference === undefined ? {} : { referenceLabel: values.reference }),
    ...(values.bill === undefined ? {} : { billNumber: values.bill }),
    ...(values.terminal === undefined ? {} : { terminalLabel: values.terminal }),
    ...(values.static === true ? { initiation: 'static' as const } : values.dynamic === true ? { initiation: 'dynamic' as const } : {}),
  };
  io.stdout(`${encodeEmv(input)}\n`);
  return EXIT.OK;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help' || rest.includes('--help')) {
    io.stdout(HELP);
    return sub === undefined ? EXIT.USAGE : EXIT.OK;
  }
  try {
    if (sub === 'decode') return decode(rest, io);
    if (sub === 'encode') return await encode(rest, io);
    throw new TillqrError('USAGE', `unknown emv command ${JSON.stringify(sub)}\nusage: ${USAGE}`);
  } catch (e) {
    if (isTillqrError(e, 'USAGE')) {
      io.stderr(`${e.message}\n`);
      return EXIT.USAGE;
    }
    if (isTillqrError(e) && (e.subsystem === 'EMV' || e.subsystem === 'MONEY')) {
      io.stderr(`${oneLine(e.message)}\n`);
      return EXIT.FAILURE;
    }
    throw e;
  }
}
