/**
 * Output to the console port. Knows whether the cursor is at the start of a line, because a JSON
 * reply and an Improv packet must each start on a fresh line (after a prompt, a CRLF comes
 * first). Text for people gets CRLF line ends, as a raw-mode terminal needs.
 */
const CRLF = Uint8Array.of(0x0d, 0x0a);
const LF = 0x0a;

export class ConsoleWriter {
  readonly #write: (bytes: Uint8Array) => void;
  #atLineStart = true;

  constructor(write: (bytes: Uint8Array) => void) {
    this.#write = write;
  }

  get atLineStart(): boolean {
    return this.#atLineStart;
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#write(bytes);
    this.#atLineStart = bytes[bytes.length - 1] === LF;
  }

  /** Text for a person: every line end becomes CRLF. */
  text(s: string): void {
    this.raw(Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'utf8'));
  }

  /** One whole line on a line of its own (JSON replies). */
  line(s: string): void {
    if (!this.#atLineStart) this.raw(CRLF);
    this.raw(Buffer.from(`${s}\r\n`, 'utf8'));
  }

  /** An Improv packet on a line of its own, newline after it (as Improv clients expect). */
  packet(bytes: Uint8Array): void {
    if (!this.#atLineStart) this.raw(CRLF);
    const out = new Uint8Array(bytes.length + 1);
    out.set(bytes, 0);
    out[bytes.length] = LF;
    this.raw(out);
  }
}
