/**
 * The server side of the chunked transfer (run by `tillqr fleet release publish --serve`, a
 * rollout, tests and the benchmark): it answers block requests on `<prefix>/+/stream/get` with
 * one binary frame per block on the asking device's stream/data topic. Streams are held in
 * memory by id; anyone who can publish on a device's stream/data topic could feed it bytes, which
 * is why the device trusts only the job's signed SHA-256, never the frames.
 */
import { streamRequestSchema } from '../link/contract-fleet.js';
import { blockCount } from './stream-codec.js';
import { encodeFrame } from './stream-codec.js';

export interface StreamServerOptions {
  readonly prefix: string;
  readonly publish: (topic: string, payload: Buffer) => void;
  /** Called for each request handled (for progress displays). */
  readonly onRequest?: (deviceId: string, stream: string, blocks: number) => void;
}

export class StreamServer {
  readonly #o: StreamServerOptions;
  readonly #streams = new Map<string, Buffer>();
  #served = 0;

  constructor(o: StreamServerOptions) {
    this.#o = o;
  }

  get subscription(): string {
    return `${this.#o.prefix}/+/stream/get`;
  }

  /** Bytes of block data sent so far. */
  get served(): number {
    return this.#served;
  }

  add(stream: string, data: Buffer): void {
    this.#streams.set(stream, data);
  }

  /** Handle a message on `<prefix>/<deviceId>/stream/get`; returns false for other topics. */
  handle(topic: string, payload: Buffer): boolean {
    const head = `${this.#o.prefix}/`;
    if (!topic.startsWith(head) || !topic.endsWith('/stream/get')) return false;
    const deviceId = topic.slice(head.length, -'/stream/get'.length);
    if (deviceId === '' || deviceId.includes('/')) return false;
    const out = `${head}${deviceId}/stream/data`;
    let raw: unknown;
    try {
      raw = JSON.parse(payload.toString('utf8'));
    } catch {
      return true;
    }
    const r = streamRequestSchema.safeParse(raw);
    if (!r.ok) {
      const o = raw as { stream?: unknown; token?: unknown };
      if (typeof o?.stream === 'string' && typeof o.token === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(o.stream) && /^[A-Za-z0-9_-]{1,64}$/.test(o.token)) {
        this.#o.publish(out, encodeFrame({ stream: o.stream, token: o.token, error: 'bad_request' }));
      }
      return true;
    }
    const req = r.value;
    const data = this.#streams.get(req.stream);
    if (data === undefined) {
      this.#o.publish(out, encodeFrame({ stream: req.stream, token: req.token, error: 'unknown_stream' }));
      return true;
    }
    const n = blockCount(data.length, req.blockSize);
    let sent = 0;
    for (const i of new Set(req.blocks)) {
      if (i >= n) continue;
      const block = data.subarray(i * req.blockSize, Math.min(data.length, (i + 1) * req.blockSize));
      this.#o.publish(out, encodeFrame({ stream: req.stream, token: req.token, block: i, size: data.length }, block));
      this.#served += block.length;
      sent++;
    }
    this.#o.onRequest?.(deviceId, req.stream, sent);
    return true;
  }
}
