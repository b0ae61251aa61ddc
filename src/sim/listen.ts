/**
 * Listen on a TCP port and say clearly which flag to change when the port is taken.
 */
import type { Server } from 'node:net';
import { TillqrError } from '../core/errors.js';

export interface ListenLabel {
  /** What wanted the port, e.g. "the simulator page". */
  readonly what: string;
  /** The flag that picks another port. */
  readonly flag: string;
  /** Extra advice appended to the message. */
  readonly hint?: string;
}

/** Resolves with the bound port (useful with port 0). */
export function listenOn(server: Server, host: string, port: number, label: ListenLabel): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(
          new TillqrError(
            'SIM_PORT_IN_USE',
            `${host}:${port} is already in use, so ${label.what} cannot listen there: stop what holds it or pick another port with ${label.flag} N${label.hint !== undefined ? ` (${label.hint})` : ''}`,
            { host, port },
          ),
        );
      } else if (e.code === 'EACCES') {
        reject(
          new TillqrError(
            'SIM_PORT_IN_USE',
            `${label.what} may not listen on ${host}:${port} (ports below 1024 need privileges): pick another with ${label.flag} N`,
            { host, port },
          ),
        );
      } else {
        reject(new TillqrError('INTERNAL', `${label.what} cannot listen on ${host}:${port}: ${e.message}`, { host, port }, { cause: e }));
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
