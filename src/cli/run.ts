/**
 * `tillqr run [--config FILE]`: the daemon, until SIGTERM/SIGINT, then it stops in order.
 *
 * A configuration with an invalid key does not stop it (a till can always be repaired): it starts
 * degraded — display, LED and the serial console, no payments — with a CONFIG_INVALID fault, and
 * prints one line per problem (an environment override that names no key is one of them). A file
 * that is not JSON at all exits 78 (EX_CONFIG): nothing in it can be read, so nothing can be kept.
 *
 * A config file that is missing is an unprovisioned till (it starts to be provisioned over the
 * console) only when the path is the default one ($TILLQR_CONFIG, then /etc/tillqr/config.json).
 * A path given with --config was chosen on purpose: if it does not exist that is a typo or a
 * missing mount, and the till must not come up as a blank Pi instead (exit 78 naming the path).
 */
import { stat } from 'node:fs/promises';
import { configPath } from '../config/load.js';
import { EXIT, isTillqrError, TillqrError } from '../core/errors.js';
import { startDaemon } from '../main.js';
import { parse } from './args.js';
import type { CliIo } from './io.js';

const USAGE = [
  'tillqr run [--config FILE]',
  '  --config FILE  the configuration file; it must exist (exit 78 if it does not)',
  '  without --config: $TILLQR_CONFIG or /etc/tillqr/config.json; if that file is missing the till',
  '  starts unprovisioned, to be provisioned over the console',
].join('\n');

/** An explicitly named config file must exist (a directory or unreadable file is reported by the loader). */
async function requireExplicitFile(path: string): Promise<void> {
  try {
    await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TillqrError(
        'CONFIG_UNREADABLE',
        `--config ${path}: no such file (a config file given with --config must exist; without --config a missing default file starts an unprovisioned till)`,
        { path },
      );
    }
    // Anything else (EACCES, ...) is reported by the loader with the same path.
  }
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' }, help: { type: 'boolean' } }, USAGE);
  if (values.help === true) {
    io.stdout(`usage: ${USAGE}\n`);
    return EXIT.OK;
  }
  const path = configPath({ path: values.config, env: io.env });
  let daemon;
  try {
    if (values.config !== undefined) await requireExplicitFile(path);
    daemon = await startDaemon({ configPath: path, env: io.env, degradedOnInvalidConfig: true });
  } catch (e) {
    if (isTillqrError(e) && (e.code === 'CONFIG_INVALID' || e.code === 'CONFIG_UNREADABLE')) {
      io.stderr(`tillqr: refusing to start: ${e.message}\n`);
      return EXIT.CONFIG;
    }
    throw e;
  }
  const invalid = daemon.configStore.compat.invalid;
  if (invalid.length > 0) {
    io.stderr(
      `tillqr: the configuration is not valid; started degraded (console only, no payments) so it can be repaired:\n${invalid.map((p) => `  ${p}`).join('\n')}\n`,
    );
  }
  // A bug must not take the till down silently: log it; systemd restarts us on a crash.
  process.on('unhandledRejection', (reason) => daemon.logger.error('unhandled rejection', { error: reason }));
  // The Clock's timers do not hold the process (unref): without this, a till with nothing open yet
  // (no panel, console port absent, not provisioned) would simply exit and be restarted by systemd.
  const hold = setInterval(() => undefined, 60_000);
  try {
    await (io.interrupted ?? new Promise<void>(() => undefined));
  } finally {
    clearInterval(hold);
  }
  await daemon.stop();
  return EXIT.OK;
}
