/**
 * CRC-16/CCITT-FALSE as EMV MPM uses it (tag 63): polynomial 0x1021, initial value 0xFFFF, no
 * reflection, no final XOR, over the UTF-8 bytes of the payload up to and including "6304".
 */
const TABLE = ((): Uint16Array => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16CcittFalse(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

const utf8 = new TextEncoder();

/** The CRC of a string's UTF-8 bytes as four upper-case hex digits, as tag 63 carries it. */
export function emvCrcHex(text: string): string {
  return crc16CcittFalse(utf8.encode(text)).toString(16).toUpperCase().padStart(4, '0');
}

/**
 * The CRC some generators compute instead: over the low byte of each UTF-16 code unit (the common
 * `crc ^= s.charCodeAt(i) << 8` loop). Equal to emvCrcHex for ASCII text.
 */
export function codeUnitCrcHex(text: string): string {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return crc16CcittFalse(bytes).toString(16).toUpperCase().padStart(4, '0');
}
