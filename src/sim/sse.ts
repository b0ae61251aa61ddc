/**
 * Server-Sent Events for the simulator page: every open page gets each broadcast as
 * `event: NAME` / `data: JSON`. A new page first gets `hello` with the whole current state, so it
 * never waits for the next change to draw. A comment line every 15 s keeps proxies from closing
 * an idle stream. A page that stops reading is dropped rather than buffered without end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_BUFFERED = 4 * 1024 * 1024;

export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(heartbeatMs = 15_000) {
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) res.write(': keep-alive\n\n');
    }, heartbeatMs);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Take over a GET request as an event stream; `hello` is sent first. */
  attach(req: IncomingMessage, res: ServerResponse, hello: unknown): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 1000\n\n');
    res.write(frameOf('hello', hello));
    this.#clients.add(res);
    const drop = (): void => {
      this.#clients.delete(res);
    };
    req.once('close', drop);
    res.once('close', drop);
  }

  broadcast(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frameOf(event, data);
    for (const res of this.#clients) {
      if (res.writableLength > MAX_BUFFERED) {
        this.#clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(text);
    }
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }
}

/** One SSE message; JSON never contains a raw newline, so one data line is enough. */
export function frameOf(event: string, data: unknown): string {
  if (!/^[a-z][a-z0-9-]*$/.test(event)) throw new Error(`bad SSE event name ${JSON.stringify(event)}`);
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
