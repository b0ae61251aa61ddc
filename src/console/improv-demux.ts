/**
 * Splits the bytes arriving on the console port into Improv packets and everything else (which
 * goes to the line console). Packets may arrive split across any number of chunks. Bytes that
 * look like the start of a header are held until they either complete `IMPROV` + version 1 or
 * stop matching (then they are text after all). A newline right after a packet belongs to the
 * packet (Improv clients send one) and is swallowed. Pure: the caller decides when input has
 * been idle long enough to call `flush()`.
 */
import { IMPROV_HEADER, IMPROV_VERSION } from './improv-codec.js';

export type DemuxEvent = { readonly kind: 'text'; readonly bytes: Uint8Array } | { readonly kind: 'packet'; readonly bytes: Uint8Array };

type Phase = 'text' | 'header' | 'body' | 'after-packet' | 'after-cr';

const HEADER_LEN = IMPROV_HEADER.length + 1; // with the version byte
const CR = 0x0d;
const LF = 0x0a;

export class ImprovDemux {
  #phase: Phase = 'text';
  /** Bytes of a candidate packet (header and what follows). */
  #held: number[] = [];
  /** Total packet length once the length byte is known. */
  #need = 0;
  /** Partial packets dropped by flush(). */
  dropped = 0;

  /** What is held back: nothing, the start of a header (might be typed text), or part of a packet. */
  get holding(): 'none' | 'header' | 'packet' {
    if (this.#phase === 'header') return 'header';
    if (this.#phase === 'body') return 'packet';
    return 'none';
  }

  push(chunk: Uint8Array): DemuxEvent[] {
    const events: DemuxEvent[] = [];
    let text: number[] = [];
    const emitText = (): void => {
      if (text.length > 0) events.push({ kind: 'text', bytes: Uint8Array.from(text) });
      text = [];
    };
    for (const byte of chunk) {
      let again = true;
      while (again) {
        again = false;
        switch (this.#phase) {
          case 'after-packet':
          case 'after-cr':
            if (byte === LF) {
              this.#phase = 'text';
              break;
            }
            if (byte === CR && this.#phase === 'after-packet') {
              this.#phase = 'after-cr';
              break;
            }
            this.#phase = 'text';
            again = true;
            break;
          case 'text':
            if (byte === IMPROV_HEADER[0]) {
              this.#phase = 'header';
              this.#held = [byte];
            } else {
              text.push(byte);
            }
            break;
          case 'header': {
            const at = this.#held.length;
            const want = at < IMPROV_HEADER.length ? IMPROV_HEADER[at] : IMPROV_VERSION;
            if (byte === want) {
              this.#held.push(byte);
              if (this.#held.length === HEADER_LEN) this.#phase = 'body';
            } else {
              text.push(...this.#held);
              this.#held = [];
              this.#phase = 'text';
              again = true;
            }
            break;
          }
          case 'body':
            this.#held.push(byte);
            if (this.#held.length === HEADER_LEN + 2) this.#need = HEADER_LEN + 2 + byte + 1;
            if (this.#held.length > HEADER_LEN + 2 && this.#held.length === this.#need) {
              emitText();
              events.push({ kind: 'packet', bytes: Uint8Array.from(this.#held) });
              this.#held = [];
              this.#need = 0;
              this.#phase = 'after-packet';
            }
            break;
        }
      }
    }
    emitText();
    return events;
  }

  /**
   * Input has been idle: a held header start is text after all (a person typed "I..."), a
   * partial packet is dropped (its sender went away mid-packet).
   */
  flush(): DemuxEvent[] {
    const held = this.#held;
    const phase = this.#phase;
    this.#held = [];
    this.#need = 0;
    this.#phase = 'text';
    if (phase === 'header') return [{ kind: 'text', bytes: Uint8Array.from(held) }];
    if (phase === 'body') this.dropped++;
    return [];
  }
}
