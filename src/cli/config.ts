/**
 * `tillqr config check|print|keys [--config FILE]`: validate the configuration with one clear
 * message per problem (exit 78), print it with secrets redacted, or list every key with its
 * default, whether it needs a restart, and its environment variable. `check` is also what the
 * update agent runs from a new release against the live file before switching to it; keys the
 * release does not know are warnings (exit 0), as the daemon starts with the rest.
 */
import { EXIT } from '../core/errors.js';
import type { Schema } from '../core/schema.js';
import { envNameFor } from '../config/env-overrides.js';
import { compatWarnings, loadConfig } from '../config/load.js';
import { redactConfig } from '../config/redact.js';
import { configSchema } from '../config/schema.js';
import { parse } from './args.js';
import type { CliIo } from './io.js';

const USAGE = 'tillqr config check|print|keys [--config FILE]';

export interface KeyDoc {
  path: string;
  expected: string;
  default: unknown;
  restart: boolean;
  secret: boolean;
  env: string;
  doc: string | undefined;
}

export function listKeys(schema: Schema<unknown>, prefix = ''): KeyDoc[] {
  const out: KeyDoc[] = [];
  for (const [k, s] of Object.entries(schema.shape ?? {})) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (s.kind === 'object' && s.shape) {
      out.push(...listKeys(s, path).map((d) => ({ ...d, restart: d.restart || s.meta.restart })));
    } else {
      out.push({
        path,
        expected: s.expected,
        default: s.meta.defaultValue,
        restart: s.meta.restart,
        secret: s.meta.secret,
        env: envNameFor(path),
        doc: s.meta.doc,
      });
    }
  }
  return out;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv, { config: { type: 'string' }, help: { type: 'boolean' } }, USAGE);
  const sub = positionals[0];
  if (values.help === true || sub === undefined) {
    io.stdout(`usage: ${USAGE}\n`);
    return values.help === true ? EXIT.OK : EXIT.USAGE;
  }
  switch (sub) {
    case 'keys': {
      for (const k of listKeys(configSchema)) {
        io.stdout(
          `${k.path}  (${k.expected}${k.default !== undefined ? `; default ${JSON.stringify(k.default)}` : ''}${k.restart ? '; restart' : '; live'}${k.secret ? '; secret' : ''})  ${k.env}${k.doc ? `\n    ${k.doc}` : ''}\n`,
        );
      }
      return EXIT.OK;
    }
    case 'check':
    case 'print': {
      const loaded = await loadConfig({ path: values.config, env: io.env });
      if (sub === 'check') {
        io.stdout(`${loaded.path}: ok${loaded.fromEnv.length > 0 ? ` (from the environment: ${loaded.fromEnv.join(', ')})` : ''}\n`);
        // Read in part is still ok: the daemon starts with what it knows (decision 0008).
        for (const w of compatWarnings(loaded)) io.stdout(`warning: ${w}\n`);
        for (const m of loaded.migrations) io.stdout(`migration at the next start: format ${m.from} -> ${m.to}: ${m.describe}\n`);
      } else {
        io.stdout(JSON.stringify(redactConfig(configSchema, loaded.config), null, 2) + '\n');
      }
      return EXIT.OK;
    }
    default:
      io.stderr(`tillqr config: unknown subcommand ${JSON.stringify(sub)}\nusage: ${USAGE}\n`);
      return EXIT.USAGE;
  }
}
