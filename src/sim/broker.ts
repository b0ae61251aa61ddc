/**
 * The simulator's embedded MQTT broker: aedes on a loopback TCP port, so `npm start` needs no
 * Mosquitto. aedes speaks MQTT 3.1.1 only, so the sim config sets mqtt.protocolVersion 4 for it.
 * A port already taken is a SIM_PORT_IN_USE error that says which flag picks another.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../core/logger.js';
import { listenOn } from './listen.js';

export interface EmbeddedBrokerOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly logger: Logger;
}

export class EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  readonly #aedes: Aedes;
  readonly #server: Server;
  readonly #sockets: Set<Socket>;
  #closed = false;

  private constructor(aedes: Aedes, server: Server, sockets: Set<Socket>, host: string, port: number) {
    this.#aedes = aedes;
    this.#server = server;
    this.#sockets = sockets;
    this.port = port;
    this.url = `mqtt://${host}:${port}`;
  }

  static async start(o: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const host = o.host ?? '127.0.0.1';
    const log = o.logger;
    const aedes = await Aedes.createBroker({ heartbeatInterval: 60_000 });
    aedes.on('clientError', (client, e) => log.debug('broker client error', { client: client.id, error: e.message }));
    aedes.on('connectionError', (_client, e) => log.debug('broker connection error', { error: e.message }));
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      aedes.handle(socket);
    });
    let port: number;
    try {
      port = await listenOn(server, host, o.port, {
        what: 'the embedded MQTT broker',
        flag: '--mqtt-port',
        hint: 'or use a running broker with --broker mqtt://HOST:PORT',
      });
    } catch (e) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw e;
    }
    const b = new EmbeddedBroker(aedes, server, sockets, host, port);
    log.info('embedded MQTT broker listening', { url: b.url });
    return b;
  }

  get clients(): number {
    return this.#aedes.connectedClients;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const serverClosed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    await new Promise<void>((resolve) => this.#aedes.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await serverClosed;
  }
}
