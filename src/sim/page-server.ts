/**
 * The simulator page's HTTP server, on node:http with no framework: the static files from
 * src/sim/public (served from the source tree, so nothing generated is committed), the event
 * stream, the current frame as a PNG, and JSON POST actions. POSTs must be JSON from this page's
 * own origin (a form on another site cannot send that without a CORS preflight nobody answers).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { isTillqrError, TillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { listenOn } from './listen.js';
import type { SseHub } from './sse.js';

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
  '/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
  // Browsers ask for /favicon.ico whatever the page links: the same picture, never a 404.
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const MAX_BODY = 16 * 1024;

export type Action = (body: Record<string, unknown>) => Promise<unknown>;

export interface PageApi {
  /** Everything a freshly opened page needs. */
  snapshot(): unknown;
  /** The frame on the simulated panel, as a person sees it, as a PNG. */
  framePng(): Buffer | undefined;
  readonly actions: Readonly<Record<string, Action>>;
}

export interface PageServerOptions {
  readonly host?: string;
  readonly port: number;
  readonly publicDir: string;
  readonly api: PageApi;
  readonly hub: SseHub;
  readonly logger: Logger;
}

export class PageServer {
  readonly url: string;
  readonly #server: Server;
  readonly #sockets: Set<Socket>;

  private constructor(server: Server, sockets: Set<Socket>, url: string) {
    this.#server = server;
    this.#sockets = sockets;
    this.url = url;
  }

  static async start(o: PageServerOptions): Promise<PageServer> {
    const host = o.host ?? '127.0.0.1';
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      handle(req, res, o).catch((e: unknown) => {
        o.logger.error('simulator page request failed', { url: req.url, error: e });
        if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
        else res.destroy();
      });
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
    const port = await listenOn(server, host, o.port, { what: 'the simulator page', flag: '--port' });
    return new PageServer(server, sockets, `http://${host}:${port}/`);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, o: PageServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const path = url.pathname;
  if (req.method === 'GET' || req.method === 'HEAD') {
    const file = STATIC[path];
    if (file !== undefined) {
      const body = await readFile(join(o.publicDir, file.file));
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/events') return o.hub.attach(req, res, o.api.snapshot());
    if (path === '/api/state') return sendJson(res, 200, o.api.snapshot());
    if (path === '/frame.png') {
      const png = o.api.framePng();
      if (png === undefined) return sendJson(res, 404, { ok: false, error: { code: 'NO_FRAME', message: 'the panel has not drawn anything yet' } });
      res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store', 'content-length': png.length });
      res.end(png);
      return;
    }
    return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `nothing at ${path}` } });
  }
  if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'METHOD', message: `${req.method ?? '?'} is not allowed` } });
  const name = path.startsWith('/api/') ? path.slice(5) : undefined;
  const action = name !== undefined && Object.prototype.hasOwnProperty.call(o.api.actions, name) ? o.api.actions[name] : undefined;
  if (action === undefined) return sendJson(res, 404, { ok: false, error: { code: 'NOT_FOUND', message: `no action at ${path}` } });
  const refusal = refuseForeign(req);
  if (refusal !== undefined) return sendJson(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: refusal } });
  let body: Record<string, unknown>;
  try {
    body = await readJsonBody(req);
  } catch (e) {
    return sendJson(res, 400, { ok: false, error: { code: 'BAD_REQUEST', message: (e as Error).message } });
  }
  try {
    const result = await action(body);
    sendJson(res, 200, { ok: true, result: result ?? null });
  } catch (e) {
    if (!isTillqrError(e)) throw e;
    const status = e.code === 'INTERNAL' ? 500 : e.code === 'LINK_NOT_CONNECTED' || e.code === 'LINK_TIMEOUT' ? 503 : 400;
    sendJson(res, status, { ok: false, error: { code: e.code, message: e.message } });
  }
}

function refuseForeign(req: IncomingMessage): string | undefined {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) return 'actions take a JSON body (content-type: application/json)';
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host ?? ''}`) return `requests from ${origin} are not accepted`;
  return undefined;
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new TillqrError('USAGE', `the request body is larger than ${MAX_BODY} bytes`);
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new TillqrError('USAGE', `the request body is not JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TillqrError('USAGE', 'the request body must be a JSON object');
  return v as Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': body.length });
  res.end(body);
}
