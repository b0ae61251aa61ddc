/**
 * The page server on a real port: static files, the event stream, and the guards on actions
 * (JSON only, same origin only, bounded body, clear errors).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TillqrError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { PageServer } from '../../../src/sim/page-server.js';
import { publicDir } from '../../../src/sim/public-dir.js';
import { SseHub } from '../../../src/sim/sse.js';

const logger = createLogger('test', { sink: { write: () => undefined } });
const hub = new SseHub();
const calls: Record<string, unknown>[] = [];
let server: PageServer;

beforeAll(async () => {
  server = await PageServer.start({
    port: 0,
    publicDir: publicDir(),
    hub,
    logger,
    api: {
      snapshot: () => ({ hello: 'world' }),
      framePng: () => undefined,
      actions: {
        echo: (b) => {
          calls.push(b);
          return Promise.resolve({ got: b });
        },
        refuse: () => Promise.reject(new TillqrError('MONEY_INVALID', '"12.5" has too many decimals')),
      },
    },
  });
});
afterAll(async () => {
  hub.close();
  await server?.close();
});

const url = (p: string): string => new URL(p, server.url).toString();
const post = (p: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url(p), { method: 'POST', headers, body });

describe('the simulator page server', () => {
  it('serves the page, its script and style', async () => {
    const html = await fetch(url('/'));
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('<canvas id="panel"');
    expect((await fetch(url('/app.js'))).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(url('/style.css'))).headers.get('content-type')).toMatch(/text\/css/);
    expect((await fetch(url('/../package.json'))).status).toBe(404);
    expect((await fetch(url('/frame.png'))).status).toBe(404);
  });

  it('runs an action with a JSON body and answers with its result', async () => {
    const r = await post('/api/echo', JSON.stringify({ amount: '1200' }));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, result: { got: { amount: '1200' } } });
  });

  it('answers a refused action with its code and message', async () => {
    const r = await post('/api/refuse', '{}');
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ ok: false, error: { code: 'MONEY_INVALID', message: '"12.5" has too many decimals' } });
  });

  it('refuses what a page on another site could send', async () => {
    const before = calls.length;
    const form = await post('/api/echo', 'amount=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(403);
    const foreign = await post('/api/echo', '{}', { 'content-type': 'application/json', origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toContain('http://evil.example');
    expect(calls.length).toBe(before);
  });

  it('says what is wrong with a bad body, an unknown action or method', async () => {
    const bad = await post('/api/echo', '{"amount":');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/not JSON/);
    const arr = await post('/api/echo', '[1]');
    expect(arr.status).toBe(400);
    const huge = await post('/api/echo', JSON.stringify({ x: 'y'.repeat(20_000) }));
    expect(huge.status).toBe(400);
    expect((await post('/api/nope', '{}')).status).toBe(404);
    expect((await post('/api/toString', '{}')).status).toBe(404);
    expect((await fetch(url('/api/echo'), { method: 'PUT' })).status).toBe(405);
  });

  it('streams hello first, then broadcasts, as Server-Sent Events', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(url('/events'), (res) => {
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          buf += d;
          if (buf.includes('event: hello') && !buf.includes('event: sale')) hub.broadcast('sale', { orderId: 'A-1' });
          if (buf.includes('event: sale')) {
            req.destroy();
            resolve(buf);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(text).toContain('event: hello\ndata: {"hello":"world"}\n\n');
    expect(text).toContain('event: sale\ndata: {"orderId":"A-1"}\n\n');
    expect(text.indexOf('event: hello')).toBeLessThan(text.indexOf('event: sale'));
  });
});
