/**
 * `tillqr run [--config FILE]`: the daemon. Exits 78 (EX_CONFIG) with one line per problem when
 * the configuration is invalid; otherwise runs until SIGTERM/SIGINT and stops in order.
 */
import { configPath } from '../config/load.js';
import { EXIT, isTillqrError } from '../core/errors.js';
import { startDaemon } from '../main.js';
import { parse } from './args.js';
import type { CliIo } from './io.js';

const USAGE = 'tillqr run [--config FILE]   (default: $TILLQR_CONFIG or /etc/tillqr/config.json)';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(argv, { config: { type: 'string' }, help: { type: 'boolean' } }, USAGE);
  if (values.help === true) {
    io.stdout(`usage: ${USAGE}\n`);
    return EXIT.OK;
  }
  const path = configPath({ path: values.config, env: io.env });
  let daemon;
  try {
    daemon = await startDaemon({ configPath: path, env: io.env });
  } catch (e) {
    if (isTillqrError(e) && (e.code === 'CONFIG_INVALID' || e.code === 'CONFIG_UNREADABLE')) {
      io.stderr(`tillqr: refusing to start: ${e.message}\n`);
      return EXIT.CONFIG;
    }
    throw e;
  }
  // A bug must not take the till down silently: log it; systemd restarts us on a crash.
  process.on('unhandledRejection', (reason) => daemon.logger.error('unhandled rejection', { error: reason }));
  await (io.interrupted ?? new Promise<void>(() => undefined));
  await daemon.stop();
  return EXIT.OK;
}
