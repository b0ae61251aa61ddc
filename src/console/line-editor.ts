/**
 * Turns console bytes into lines, byte by byte, as pure code.
 *
 * A line whose first byte is `{` is a program's JSON line: nothing is echoed and no byte is an
 * editing key. Any other line is a person's: printable bytes are echoed (except where the line
 * holds a secret), Backspace/DEL erases a character, Ctrl-U erases the line, Ctrl-C abandons it,
 * escape sequences (arrow keys) and other control bytes are ignored. CR, LF and CRLF each end a
 * line. A line longer than the limit is discarded up to its end and reported once. The buffer
 * never grows past the limit, whatever arrives.
 */
export type EditorEvent =
  | { readonly kind: 'echo'; readonly bytes: Uint8Array }
  | { readonly kind: 'line'; readonly text: string; readonly json: boolean }
  | { readonly kind: 'error'; readonly code: 'CONSOLE_LINE_TOO_LONG' | 'CONSOLE_BAD_INPUT'; readonly json: boolean }
  | { readonly kind: 'cancel' };

export interface LineEditorOptions {
  /** Longest line in bytes (read on every byte, so it may change live). */
  maxLineBytes: () => number;
  /** Is the next character of a person's line, typed after `before`, part of a secret? */
  secretAfter?: (before: string) => boolean;
}

const CR = 0x0d;
const LF = 0x0a;
const BS = 0x08;
const DEL = 0x7f;
const CTRL_C = 0x03;
const CTRL_U = 0x15;
const ESC = 0x1b;
const TAB = 0x09;
const BEL = 0x07;
/** The secret decision is recomputed only while the line is this short (commands come first). */
const SECRET_SCAN_LIMIT = 512;
const ERASE = [BS, 0x20, BS];

type Mode = 'empty' | 'human' | 'json' | 'discard';

export class LineEditor {
  readonly #opts: LineEditorOptions;
  #mode: Mode = 'empty';
  #discardJson = false;
  #buf: number[] = [];
  /** Per character of a person's line: was it echoed? */
  #shown: boolean[] = [];
  #secret = false;
  #leadShown = true;
  #lastCr = false;
  /** 0 none, 1 after ESC, 2 inside CSI, 3 after ESC O. */
  #esc = 0;
  #escLen = 0;
  /** Mask the whole next line (a passphrase prompt). */
  secretLine = false;

  constructor(opts: LineEditorOptions) {
    this.#opts = opts;
  }

  /** Bytes held in the current line. */
  get pending(): number {
    return this.#buf.length;
  }

  push(chunk: Uint8Array): EditorEvent[] {
    const out: EditorEvent[] = [];
    let echo: number[] = [];
    const flushEcho = (): void => {
      if (echo.length > 0) out.push({ kind: 'echo', bytes: Uint8Array.from(echo) });
      echo = [];
    };
    const emit = (e: EditorEvent): void => {
      flushEcho();
      out.push(e);
    };

    for (const b of chunk) {
      const afterCr = this.#lastCr;
      this.#lastCr = b === CR;
      if (b === LF && afterCr) continue;
      if (b === CR || b === LF) {
        this.#endLine(emit, (bytes) => echo.push(...bytes));
        continue;
      }
      if (this.#mode === 'discard') continue;
      if (this.#mode === 'json') {
        this.#append(b, (bytes) => echo.push(...bytes));
        continue;
      }
      if (this.#esc !== 0) {
        this.#escape(b);
        continue;
      }
      if (this.#mode === 'empty' && b === 0x7b && !this.secretLine) {
        this.#mode = 'json';
        this.#append(b, (bytes) => echo.push(...bytes));
        continue;
      }
      switch (b) {
        case ESC:
          this.#esc = 1;
          this.#escLen = 0;
          break;
        case BS:
        case DEL:
          this.#backspace((bytes) => echo.push(...bytes));
          break;
        case CTRL_U:
          for (const shown of this.#shown) if (shown) echo.push(...ERASE);
          this.#reset();
          break;
        case CTRL_C:
          echo.push(0x5e, 0x43, CR, LF);
          this.#reset();
          this.secretLine = false;
          emit({ kind: 'cancel' });
          break;
        default:
          if (b === TAB) this.#humanByte(0x20, echo);
          else if (b >= 0x20) this.#humanByte(b, echo);
        // other control bytes are noise: ignored
      }
    }
    flushEcho();
    return out;
  }

  #humanByte(b: number, echo: number[]): void {
    if (this.#mode === 'empty') {
      this.#mode = 'human';
      this.#secret = this.secretLine || this.#secretAt();
    }
    const continuation = (b & 0xc0) === 0x80;
    if (!continuation) {
      if (!this.#secret && !this.secretLine && this.#buf.length < SECRET_SCAN_LIMIT) this.#secret = this.#secretAt();
      this.#leadShown = !(this.#secret || this.secretLine);
    }
    if (!this.#append(b, (bytes) => echo.push(...bytes))) return;
    if (!continuation) this.#shown.push(this.#leadShown);
    if (this.#leadShown) echo.push(b);
  }

  /** Append a byte, or switch to discarding when the line is too long. */
  #append(b: number, echo: (bytes: number[]) => void): boolean {
    if (this.#buf.length + 1 > this.#opts.maxLineBytes()) {
      if (this.#mode === 'human') echo([BEL]);
      this.#discardJson = this.#mode === 'json';
      this.#mode = 'discard';
      this.#buf = [];
      this.#shown = [];
      return false;
    }
    this.#buf.push(b);
    return true;
  }

  #secretAt(): boolean {
    const f = this.#opts.secretAfter;
    if (f === undefined) return false;
    return f(Buffer.from(this.#buf).toString('utf8'));
  }

  #backspace(echo: (bytes: number[]) => void): void {
    if (this.#buf.length === 0) return;
    let b = this.#buf.pop();
    while (b !== undefined && (b & 0xc0) === 0x80 && this.#buf.length > 0) b = this.#buf.pop();
    if (this.#shown.pop() === true) echo(ERASE);
    if (this.#buf.length === 0) {
      this.#mode = 'empty';
      this.#secret = false;
    } else if (this.#buf.length < SECRET_SCAN_LIMIT && !this.secretLine) {
      this.#secret = this.#secretAt();
    }
  }

  #escape(b: number): void {
    if (this.#esc === 1) {
      this.#esc = b === 0x5b ? 2 : b === 0x4f ? 3 : 0;
      return;
    }
    if (this.#esc === 3) {
      this.#esc = 0;
      return;
    }
    // CSI: parameters until a final byte 0x40-0x7e; bounded so noise cannot stall typing.
    this.#escLen++;
    if ((b >= 0x40 && b <= 0x7e) || this.#escLen > 16) this.#esc = 0;
  }

  #endLine(emit: (e: EditorEvent) => void, echo: (bytes: number[]) => void): void {
    const mode = this.#mode;
    const bytes = this.#buf;
    const json = mode === 'json' || (mode === 'discard' && this.#discardJson);
    this.#reset();
    this.secretLine = false;
    if (!json) echo([CR, LF]);
    if (mode === 'discard') {
      emit({ kind: 'error', code: 'CONSOLE_LINE_TOO_LONG', json });
      return;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    } catch {
      emit({ kind: 'error', code: 'CONSOLE_BAD_INPUT', json });
      return;
    }
    emit({ kind: 'line', text, json });
  }

  #reset(): void {
    this.#mode = 'empty';
    this.#discardJson = false;
    this.#buf = [];
    this.#shown = [];
    this.#secret = false;
    this.#leadShown = true;
    this.#esc = 0;
  }
}
