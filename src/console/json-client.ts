/**
 * The laptop side of the console's JSON mode (the `tillqr provision` command and tests): sends
 * one request line, waits for the response line with the same id, and ignores everything else
 * the port carries (banner, prompts, echo, Improv packets).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError, type ErrorCode, ERROR_CODES } from '../core/errors.js';
import { encodeRequest, parseResponse, type JsonResponse } from './json-lines.js';
import type { ConsolePort } from './serial-port.js';

const MAX_LINE = 1024 * 1024;

interface Pending {
  resolve: (r: JsonResponse) => void;
  reject: (e: Error) => void;
  timer: TimerHandle;
}

export class ConsoleClient {
  readonly #port: ConsolePort;
  readonly #clock: Clock;
  readonly #pending = new Map<string, Pending>();
  #buf = '';
  #next = 1;
  #closed = false;
  /** Every non-JSON line the device printed (for diagnostics). */
  readonly chatter: string[] = [];

  constructor(port: ConsolePort, clock: Clock) {
    this.#port = port;
    this.#clock = clock;
    port.onData((chunk) => this.#onData(chunk));
    port.onClose(() => {
      this.#closed = true;
      for (const [id, p] of this.#pending) {
        this.#clock.clearTimeout(p.timer);
        p.reject(new TillqrError('CONSOLE_PORT', 'the serial port closed'));
        this.#pending.delete(id);
      }
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onData(chunk: Uint8Array): void {
    this.#buf += Buffer.from(chunk).toString('latin1');
    let nl = this.#buf.indexOf('\n');
    while (nl >= 0) {
      const line = Buffer.from(this.#buf.slice(0, nl), 'latin1').toString('utf8').replace(/\r$/, '');
      this.#buf = this.#buf.slice(nl + 1);
      this.#onLine(line);
      nl = this.#buf.indexOf('\n');
    }
    if (this.#buf.length > MAX_LINE) this.#buf = '';
  }

  #onLine(line: string): void {
    const start = line.indexOf('{"id"');
    const r = start >= 0 ? parseResponse(line.slice(start)) : undefined;
    if (r === undefined || r.id === null) {
      if (line.trim() !== '') {
        this.chatter.push(line);
        if (this.chatter.length > 200) this.chatter.shift();
      }
      return;
    }
    const p = this.#pending.get(String(r.id));
    if (p === undefined) return;
    this.#pending.delete(String(r.id));
    this.#clock.clearTimeout(p.timer);
    p.resolve(r);
  }

  /** Send a request and wait for its response. */
  send(cmd: string, args: readonly string[] = [], timeoutMs = 10_000): Promise<JsonResponse> {
    if (this.#closed) return Promise.reject(new TillqrError('CONSOLE_PORT', 'the serial port is closed'));
    const id = String(this.#next++);
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#pending.delete(id);
        reject(new TillqrError('CONSOLE_TIMEOUT', `no answer to "${cmd}" within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      // Ctrl-U first: clears half a line a person may have left, and is silent otherwise.
      this.#port.write(Buffer.from(`\x15${encodeRequest(id, cmd, args)}\n`, 'utf8'));
    });
  }

  /** Send a request; resolves with its data, rejects with the device's error code and message. */
  async request(cmd: string, args: readonly string[] = [], timeoutMs = 10_000): Promise<unknown> {
    const r = await this.send(cmd, args, timeoutMs);
    if (r.ok) return r.data;
    const code: ErrorCode = Object.prototype.hasOwnProperty.call(ERROR_CODES, r.error.code) ? (r.error.code as ErrorCode) : 'INTERNAL';
    throw new TillqrError(code, r.error.message, { deviceCode: r.error.code });
  }

  async close(): Promise<void> {
    await this.#port.close();
  }
}
