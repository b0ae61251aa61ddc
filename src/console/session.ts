/**
 * One console session: the life of one open port. Bytes in go through the Improv
 * demultiplexer, then the line editor; lines run as commands one at a time from a bounded
 * queue; replies go out through the writer. Login state belongs to the session (a new session
 * after an unplug starts locked); the failure lockout belongs to the device and is passed in.
 * Nothing a peer sends can make this throw: every problem becomes an error reply.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { TillqrError, toTillqrError, type ErrorCode } from '../core/errors.js';
import type { LogFields, Logger } from '../core/logger.js';
import type { CommandContext, SessionControl } from './command-types.js';
import { parseTyped, parseWords, secretAfter, type Invocation } from './commands.js';
import { ConsoleWriter } from './console-writer.js';
import { ImprovDemux } from './improv-demux.js';
import { ImprovService } from './improv-service.js';
import { errorResponse, okResponse, parseRequest, type RequestId } from './json-lines.js';
import { LineEditor, type EditorEvent } from './line-editor.js';
import type { Lockout } from './lockout.js';
import type { Network } from './network.js';
import type { Provisioner } from './provisioner.js';
import { SessionAuth } from './session-auth.js';
import type { ConsoleTarget } from './target.js';

export interface SessionOptions {
  readonly store: ConfigStore;
  readonly target: ConsoleTarget;
  readonly network: Network;
  readonly provisioner: Provisioner;
  readonly lockout: Lockout;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly version: string;
  /** Changes every time the daemon starts. */
  readonly bootId: string;
  readonly logTail: (n: number) => readonly string[];
  /** Raw bytes to the port (may drop when the port is backed up). */
  readonly write: (bytes: Uint8Array) => void;
  /** Resolves when written bytes have left (before a restart or reboot). */
  readonly drain?: () => Promise<void>;
  /** Lines waiting to run before more are refused. */
  readonly maxQueuedLines?: number;
}

type Item = { kind: 'line'; text: string; json: boolean } | { kind: 'error'; code: ErrorCode; json: boolean };
type Prompt = { secret: boolean; resolve: (line: string) => void; reject: (e: Error) => void };

/** A partial header ("I", "IMP"...) waits this long for the rest before it counts as typed text. */
const HEADER_WAIT_MS = 250;
/** A partial Improv packet is dropped after this long without bytes. */
const PACKET_WAIT_MS = 2000;
/** Pause between a reply and a restart or reboot. */
const SETTLE_MS = 250;

export class ConsoleSession {
  readonly #o: SessionOptions;
  readonly #writer: ConsoleWriter;
  readonly #editor: LineEditor;
  readonly #demux = new ImprovDemux();
  readonly #improv: ImprovService;
  readonly #queue: Item[] = [];
  readonly #maxQueued: number;
  #running = false;
  #dropped = 0;
  #prompt: Prompt | undefined;
  readonly #auth: SessionAuth;
  #disposed = false;
  #demuxTimer: TimerHandle | undefined;
  /** The command and Improv requests in flight; dispose() waits for them (a `set` may be writing a file). */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(opts: SessionOptions) {
    this.#o = opts;
    this.#maxQueued = opts.maxQueuedLines ?? 16;
    this.#writer = new ConsoleWriter((b) => {
      if (!this.#disposed) opts.write(b);
    });
    this.#auth = new SessionAuth({
      store: opts.store,
      lockout: opts.lockout,
      clock: opts.clock,
      audit: (action, fields) => this.#audit(action, fields),
      onIdleLogout: (sec) => this.#writer.text(`${this.#writer.atLineStart ? '' : '\n'}(logged out after ${sec} s without input)\n${this.#promptText()}`),
    });
    this.#editor = new LineEditor({ maxLineBytes: () => opts.store.current.console.maxLineBytes, secretAfter });
    this.#improv = new ImprovService({
      network: opts.network,
      logger: opts.logger,
      unlocked: () => !this.locked,
      deviceInfo: () => ({
        firmware: 'tillqr',
        version: opts.version,
        hardware: opts.target.hardware(),
        name: opts.store.current.deviceId ?? 'tillqr (not provisioned)',
      }),
      send: (p) => this.#writer.packet(p),
    });
  }

  /** A passphrase is set and this session has not logged in. */
  get locked(): boolean {
    return this.#auth.locked;
  }

  get authed(): boolean {
    return this.#auth.authed;
  }

  /** Greet whoever opened the port. */
  start(): void {
    this.#writer.text(`\ntillqr ${this.#o.version} technician console. Type help.\n${this.locked ? 'Locked: log in with: login\n' : ''}`);
    this.#writer.text(this.#promptText());
  }

  feed(chunk: Uint8Array): void {
    if (this.#disposed) return;
    try {
      this.#clearTimer();
      this.#auth.touch();
      for (const e of this.#demux.push(chunk)) {
        if (e.kind === 'text') this.#onText(e.bytes);
        else this.#track(this.#improv.handle(e.bytes));
      }
      const holding = this.#demux.holding;
      if (holding !== 'none') {
        this.#demuxTimer = this.#o.clock.setTimeout(
          () => {
            this.#demuxTimer = undefined;
            for (const e of this.#demux.flush()) if (e.kind === 'text') this.#onText(e.bytes);
          },
          holding === 'header' ? HEADER_WAIT_MS : PACKET_WAIT_MS,
        );
      }
    } catch (e) {
      this.#o.logger.error('console input handling failed', { error: e });
    }
  }

  /** Ends the session: nothing more is read or written. Resolves once the work in flight has finished. */
  dispose(): Promise<void> {
    this.#disposed = true;
    this.#clearTimer();
    this.#auth.dispose();
    this.#prompt?.reject(new TillqrError('CONSOLE_PORT', 'the port closed'));
    this.#prompt = undefined;
    this.#queue.length = 0;
    return Promise.all(this.#inFlight).then(() => undefined);
  }

  #track(work: Promise<unknown>): void {
    const p = work.then(
      () => undefined,
      (e: unknown) => this.#o.logger.error('console request failed', { error: e }),
    );
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
  }

  #promptText(): string {
    return `${this.#o.store.current.deviceId ?? 'tillqr'}${this.locked ? ' (locked)' : ''}> `;
  }

  #clearTimer(): void {
    if (this.#demuxTimer !== undefined) this.#o.clock.clearTimeout(this.#demuxTimer);
    this.#demuxTimer = undefined;
  }

  #onText(bytes: Uint8Array): void {
    for (const e of this.#editor.push(bytes)) this.#onEditor(e);
  }

  #onEditor(e: EditorEvent): void {
    switch (e.kind) {
      case 'echo':
        this.#writer.raw(e.bytes);
        return;
      case 'cancel': {
        const p = this.#prompt;
        this.#prompt = undefined;
        if (p !== undefined) p.reject(new TillqrError('CONSOLE_BAD_COMMAND', 'cancelled'));
        else this.#writer.text(this.#promptText());
        return;
      }
      case 'line':
        if (this.#prompt !== undefined && !e.json) {
          const p = this.#prompt;
          this.#prompt = undefined;
          p.resolve(e.text);
          return;
        }
        this.#enqueue({ kind: 'line', text: e.text, json: e.json });
        return;
      case 'error':
        if (this.#prompt !== undefined && !e.json) {
          const p = this.#prompt;
          this.#prompt = undefined;
          p.reject(new TillqrError(e.code, e.code === 'CONSOLE_LINE_TOO_LONG' ? 'the answer is too long' : 'the answer is not valid text'));
          return;
        }
        this.#enqueue({ kind: 'error', code: e.code, json: e.json });
    }
  }

  #enqueue(item: Item): void {
    if (this.#queue.length >= this.#maxQueued) {
      this.#dropped++;
      if (item.kind === 'line' && item.json) {
        const parsed = parseRequest(item.text);
        this.#writer.line(errorResponse(parsed.ok ? parsed.request.id : parsed.id, 'CONSOLE_BUSY', 'too many requests at once; this one was dropped'));
      }
      return;
    }
    this.#queue.push(item);
    if (!this.#running) this.#track(this.#drainQueue());
  }

  async #drainQueue(): Promise<void> {
    this.#running = true;
    try {
      for (let item = this.#queue.shift(); item !== undefined && !this.#disposed; item = this.#queue.shift()) {
        if (this.#dropped > 0 && !item.json) {
          this.#writer.text(`error: input came too fast; ${this.#dropped} line${this.#dropped === 1 ? '' : 's'} dropped\n`);
          this.#dropped = 0;
        }
        try {
          await this.#handle(item);
        } catch (e) {
          this.#o.logger.error('console command handling failed', { error: e });
        }
      }
    } finally {
      this.#running = false;
    }
  }

  async #handle(item: Item): Promise<void> {
    if (item.kind === 'error') {
      const message =
        item.code === 'CONSOLE_LINE_TOO_LONG'
          ? `the line is longer than ${this.#o.store.current.console.maxLineBytes} bytes and was dropped`
          : 'the line is not valid UTF-8 text and was dropped';
      this.#replyError(item.json, null, new TillqrError(item.code, message));
      return;
    }
    if (!item.json) {
      let inv: Invocation | undefined;
      try {
        inv = parseTyped(item.text);
      } catch (e) {
        this.#replyError(false, null, toTillqrError(e));
        return;
      }
      if (inv === undefined) this.#writer.text(this.#promptText());
      else await this.#run(inv, false, null);
      return;
    }
    const parsed = parseRequest(item.text);
    if (!parsed.ok) {
      this.#replyError(true, parsed.id, parsed.error);
      return;
    }
    let inv: Invocation;
    try {
      inv = parseWords(parsed.request.words);
    } catch (e) {
      this.#replyError(true, parsed.request.id, toTillqrError(e));
      return;
    }
    await this.#run(inv, true, parsed.request.id);
  }

  async #run(inv: Invocation, json: boolean, id: RequestId | null): Promise<void> {
    if (this.locked && inv.spec.open !== true) {
      this.#replyError(json, id, new TillqrError('CONSOLE_LOCKED', 'the console is locked; log in first: login'));
      return;
    }
    const after: (() => Promise<void>)[] = [];
    const ctx: CommandContext = {
      store: this.#o.store,
      target: this.#o.target,
      network: this.#o.network,
      provisioner: this.#o.provisioner,
      version: this.#o.version,
      bootId: this.#o.bootId,
      logTail: this.#o.logTail,
      audit: (action, fields) => this.#audit(action, fields),
      session: this.#control(json, after),
    };
    try {
      const r = await inv.spec.run(inv.args, ctx);
      if (json) this.#writer.line(okResponse(id, r.data));
      else this.#writer.text(`${r.text}\n${this.#promptText()}`);
    } catch (e) {
      this.#replyError(json, id, toTillqrError(e));
      return;
    }
    for (const action of after) {
      await this.#o.drain?.();
      // Let the far end read the reply before the port closes (a pty drops unread bytes on close).
      await new Promise<void>((resolve) => this.#o.clock.setTimeout(resolve, SETTLE_MS));
      await action().catch((e: unknown) => this.#o.logger.error('console follow-up action failed', { error: e }));
    }
  }

  #replyError(json: boolean, id: RequestId | null, e: TillqrError): void {
    if (json) this.#writer.line(errorResponse(id, e.code, e.message));
    else this.#writer.text(`${this.#writer.atLineStart ? '' : '\n'}error: ${e.message}\n${this.#promptText()}`);
  }

  #audit(action: string, fields: LogFields = {}): void {
    this.#o.logger.info('audit', { actor: 'console', action, ...fields });
  }

  #control(json: boolean, after: (() => Promise<void>)[]): SessionControl {
    const ask = (secret: boolean, text: string): Promise<string> => {
      if (json) return Promise.reject(new TillqrError('CONSOLE_BAD_COMMAND', 'in JSON mode give every argument in the request'));
      this.#writer.text(text);
      this.#editor.secretLine = secret;
      return new Promise((resolve, reject) => {
        this.#prompt = { secret, resolve, reject };
      });
    };
    return {
      json,
      authed: this.#auth.authed,
      login: (pass) => this.#auth.login(pass),
      logout: () => this.#auth.logout(),
      trust: () => this.#auth.trust(),
      askSecret: (text) => ask(true, text),
      confirm: async (text) => (await ask(false, text)).trim().toLowerCase() === 'yes',
      afterReply: (action) => void after.push(action),
    };
  }
}
