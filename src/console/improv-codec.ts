/**
 * Improv Wi-Fi Serial (version 1) wire format, as pure functions.
 *
 *   'I' 'M' 'P' 'R' 'O' 'V' | version (1) | type | length | data[length] | checksum
 *
 * The checksum is the sum of every preceding byte of the packet (header included) mod 256. Web
 * clients put a newline after each packet and look for packets only at the start of a line, so
 * the device does the same. Types: 0x01 current state and 0x02 error state (device to client),
 * 0x03 RPC command (client to device), 0x04 RPC result (device to client). RPC data is
 * `command | length | payload`; results carry a list of length-prefixed UTF-8 strings.
 */
export const IMPROV_HEADER = Uint8Array.of(0x49, 0x4d, 0x50, 0x52, 0x4f, 0x56);
export const IMPROV_VERSION = 1;

export const PacketType = { CurrentState: 0x01, ErrorState: 0x02, Rpc: 0x03, RpcResult: 0x04 } as const;
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

export const ImprovState = { Stopped: 0x00, Ready: 0x02, Provisioning: 0x03, Provisioned: 0x04 } as const;
export type ImprovStateValue = (typeof ImprovState)[keyof typeof ImprovState];

export const ImprovError = { None: 0x00, InvalidRpc: 0x01, UnknownRpc: 0x02, UnableToConnect: 0x03, Unknown: 0xff } as const;
export type ImprovErrorValue = (typeof ImprovError)[keyof typeof ImprovError];

export const RpcCommand = { SendWifi: 0x01, RequestState: 0x02, RequestInfo: 0x03, RequestScan: 0x04 } as const;

export interface ImprovPacket {
  readonly type: number;
  readonly data: Uint8Array;
}

export function checksum(bytes: Uint8Array, end = bytes.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return sum;
}

/** One packet, without the trailing newline (the writer adds it). */
export function encodePacket(type: number, data: Uint8Array): Uint8Array {
  if (data.length > 255) throw new RangeError(`Improv packet data of ${data.length} bytes exceeds 255`);
  const out = new Uint8Array(IMPROV_HEADER.length + 3 + data.length + 1);
  out.set(IMPROV_HEADER, 0);
  out[6] = IMPROV_VERSION;
  out[7] = type;
  out[8] = data.length;
  out.set(data, 9);
  out[out.length - 1] = checksum(out, out.length - 1);
  return out;
}

export type DecodeResult = { ok: true; packet: ImprovPacket } | { ok: false; reason: string };

/** Decode one whole packet (header to checksum). */
export function decodePacket(bytes: Uint8Array): DecodeResult {
  if (bytes.length < 10) return { ok: false, reason: 'shorter than an Improv packet' };
  for (let i = 0; i < IMPROV_HEADER.length; i++) if (bytes[i] !== IMPROV_HEADER[i]) return { ok: false, reason: 'no IMPROV header' };
  if (bytes[6] !== IMPROV_VERSION) return { ok: false, reason: `unsupported version ${bytes[6] ?? '?'}` };
  const len = bytes[8] ?? 0;
  if (bytes.length !== 10 + len) return { ok: false, reason: `length byte says ${len} data bytes, packet has ${bytes.length - 10}` };
  const sum = checksum(bytes, bytes.length - 1);
  if (bytes[bytes.length - 1] !== sum) return { ok: false, reason: `checksum ${bytes[bytes.length - 1] ?? 0} should be ${sum}` };
  return { ok: true, packet: { type: bytes[7] ?? 0, data: bytes.slice(9, 9 + len) } };
}

export const encodeState = (state: ImprovStateValue): Uint8Array => encodePacket(PacketType.CurrentState, Uint8Array.of(state));
export const encodeError = (error: ImprovErrorValue): Uint8Array => encodePacket(PacketType.ErrorState, Uint8Array.of(error));

/** The data of an RPC result: command, length, then each string as length + UTF-8 bytes. */
export function encodeRpcResult(command: number, strings: readonly string[]): Uint8Array {
  const parts = strings.map((s) => Buffer.from(s, 'utf8'));
  for (const p of parts) if (p.length > 255) throw new RangeError('an Improv result string is longer than 255 bytes');
  const body = parts.reduce((n, p) => n + 1 + p.length, 0);
  if (body > 253) throw new RangeError('an Improv result is longer than 253 bytes');
  const data = new Uint8Array(2 + body);
  data[0] = command;
  data[1] = body;
  let at = 2;
  for (const p of parts) {
    data[at++] = p.length;
    data.set(p, at);
    at += p.length;
  }
  return encodePacket(PacketType.RpcResult, data);
}

/** Parse a list of length-prefixed strings (RPC result bodies, Wi-Fi settings). */
export function decodeStrings(bytes: Uint8Array): string[] | undefined {
  const out: string[] = [];
  const dec = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  while (at < bytes.length) {
    const n = bytes[at] ?? 0;
    if (at + 1 + n > bytes.length) return undefined;
    try {
      out.push(dec.decode(bytes.subarray(at + 1, at + 1 + n)));
    } catch {
      return undefined;
    }
    at += 1 + n;
  }
  return out;
}

export interface RpcCall {
  readonly command: number;
  readonly payload: Uint8Array;
}

/** The data of an RPC command packet: command, length, payload (length must match). */
export function decodeRpc(data: Uint8Array): RpcCall | undefined {
  if (data.length < 2) return undefined;
  const len = data[1] ?? 0;
  if (data.length !== 2 + len) return undefined;
  return { command: data[0] ?? 0, payload: data.slice(2) };
}

export function encodeRpc(command: number, payload: Uint8Array): Uint8Array {
  const data = new Uint8Array(2 + payload.length);
  data[0] = command;
  data[1] = payload.length;
  data.set(payload, 2);
  return encodePacket(PacketType.Rpc, data);
}

/** Wi-Fi settings payload: ssid length, ssid, password length, password (nothing after). */
export function decodeWifiSettings(payload: Uint8Array): { ssid: string; password: string } | undefined {
  const strings = decodeStrings(payload);
  if (strings?.length !== 2) return undefined;
  const [ssid, password] = strings as [string, string];
  return ssid.length === 0 ? undefined : { ssid, password };
}

export function encodeWifiSettings(ssid: string, password: string): Uint8Array {
  const s = Buffer.from(ssid, 'utf8');
  const p = Buffer.from(password, 'utf8');
  return Uint8Array.from([s.length, ...s, p.length, ...p]);
}
