/**
 * A host-side Improv Wi-Fi Serial client, written for the tests independently of the device's
 * codec: it frames RPC commands (header, version 1, type 3, length, data, sum checksum, newline)
 * and reads the device's packets the way web clients do: only at the start of a line, nine
 * bytes first, then the announced length plus the checksum.
 */
import type { ConsolePort } from '../../../src/console/serial-port.js';

export interface HostPacket {
  readonly type: number;
  readonly data: number[];
  readonly checksumOk: boolean;
}

const HEADER = [...Buffer.from('IMPROV', 'ascii')];

export function frameRpc(command: number, payload: number[]): number[] {
  const body = [...HEADER, 1, 0x03, payload.length + 2, command, payload.length, ...payload];
  const sum = body.reduce((a, b) => a + b, 0) & 0xff;
  return [...body, sum, 0x0a];
}

export function wifiPayload(ssid: string, password: string): number[] {
  const s = [...Buffer.from(ssid, 'utf8')];
  const p = [...Buffer.from(password, 'utf8')];
  return [s.length, ...s, p.length, ...p];
}

export function resultStrings(data: number[]): { command: number; strings: string[] } {
  const command = data[0] ?? -1;
  const total = data[1] ?? 0;
  const strings: string[] = [];
  let i = 2;
  while (i < 2 + total) {
    const n = data[i] ?? 0;
    strings.push(Buffer.from(data.slice(i + 1, i + 1 + n)).toString('utf8'));
    i += n + 1;
  }
  return { command, strings };
}

export class ImprovHost {
  readonly packets: HostPacket[] = [];
  readonly #port: ConsolePort;
  #line: number[] = [];
  #isImprov: boolean | undefined;
  #need = 0;

  constructor(port: ConsolePort) {
    this.#port = port;
    port.onData((chunk) => {
      for (const b of chunk) this.#byte(b);
    });
  }

  #byte(b: number): void {
    if (this.#isImprov === false) {
      if (b === 0x0a) this.#isImprov = undefined;
      return;
    }
    if (this.#isImprov === true) {
      this.#line.push(b);
      if (this.#line.length === this.#need) {
        const line = this.#line;
        const sum = line.slice(0, -1).reduce((a, x) => a + x, 0) & 0xff;
        this.packets.push({ type: line[7] ?? -1, data: line.slice(9, -1), checksumOk: sum === line[line.length - 1] && line[6] === 1 });
        this.#isImprov = undefined;
        this.#line = [];
      }
      return;
    }
    if (b === 0x0a) {
      this.#line = [];
      return;
    }
    this.#line.push(b);
    if (this.#line.length < 9) return;
    this.#isImprov = this.#line.slice(0, 6).every((x, i) => x === HEADER[i]);
    if (!this.#isImprov) {
      this.#line = [];
      return;
    }
    this.#need = 9 + (this.#line[8] ?? 0) + 1;
  }

  /** Send a framed RPC, optionally split into pieces written separately. */
  async send(bytes: number[], pieces = 1): Promise<void> {
    const size = Math.ceil(bytes.length / pieces);
    for (let at = 0; at < bytes.length; at += size) {
      this.#port.write(Uint8Array.from(bytes.slice(at, at + size)));
      await this.#port.drain();
      if (pieces > 1) await new Promise((r) => setTimeout(r, 15));
    }
  }

  /** Wait for packets after index `from` to satisfy `done`. */
  async waitFor(from: number, done: (p: readonly HostPacket[]) => boolean, what: string, timeoutMs = 10_000): Promise<HostPacket[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const got = this.packets.slice(from);
      if (done(got)) return got;
      if (Date.now() > end) throw new Error(`Improv: timed out waiting for ${what}; got ${JSON.stringify(got)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
