/**
 * Hostile input for the technician console, as fast-check arbitraries: typed lines (commands of
 * the real vocabulary with odd arguments, editing keys, escape sequences, control bytes, invalid
 * UTF-8), overlong lines, JSON-mode requests (well-formed with a unique id, and garbage objects),
 * Improv packets (valid frames of every type, RPC calls with random payloads, Wi-Fi settings) and
 * broken ones (bad checksum, wrong version, wrong length, cut short), text that starts like an
 * Improv header, and mixtures of these, each delivered in random chunk sizes.
 */
import fc from 'fast-check';
import { encodePacket, encodeRpc, encodeWifiSettings, IMPROV_HEADER } from '../../src/console/improv-codec.js';

export interface ConsoleItem {
  readonly cls: string;
  readonly bytes: Uint8Array;
  /** Where to cut the bytes into chunks (as the port delivers them). */
  readonly cuts: readonly number[];
  /** A JSON request with this id: exactly one reply must carry it. */
  readonly jsonId?: string | number;
  /** Whole JSON lines in the item (each must get exactly one reply). */
  readonly jsonLines: number;
  /** A well-formed Improv RPC packet: at least one Improv packet must answer it. */
  readonly improvRpc: boolean;
}

const VOCAB = [
  'help',
  'version',
  'status',
  'get',
  'set',
  'config',
  'wifi',
  'network',
  'network scan',
  'mqtt test',
  'display test',
  'led test',
  'buzzer test',
  'history',
  'log',
  'login',
  'logout',
  'provision',
  'factory-reset',
  'restart',
  'reboot',
  'HELP',
  'stat',
  'set set',
  '',
  'sudo',
  'exit',
];
const KEYS = [
  'deviceId',
  'logLevel',
  'mqtt.url',
  'mqtt.keepaliveSec',
  'mqtt.maxPayloadBytes',
  'display.rotation',
  'display.language',
  'signal.volume',
  'signal.quietHours',
  'sale.resultHoldSec',
  'console.maxLineBytes',
  'console.idleLogoutSec',
  'merchant.name',
  'trust.backendKeys',
  'nope',
  'mqtt',
  'a.b.c',
  '__proto__',
  'constructor.prototype',
];

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const terminator = fc.constantFrom('\r', '\n', '\r\n');

const word = fc.oneof(
  fc.constantFrom(...KEYS),
  fc.stringMatching(/^[a-z0-9._-]{1,20}$/),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom(
    '"quoted value"',
    "'single'",
    '"unterminated',
    '\\',
    '""',
    '{}',
    '[1,2]',
    'null',
    '-1',
    '1e400',
    '0x10',
    'yes',
    'no',
    '90',
    'ja',
    '💳',
    '\u202e',
  ),
  fc.integer({ min: 10, max: 20_000 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
);

function item(cls: string, bytes: Uint8Array, cutSeeds: readonly number[], extra: Partial<Omit<ConsoleItem, 'cls' | 'bytes' | 'cuts'>> = {}): ConsoleItem {
  const cuts = [...new Set(cutSeeds.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].filter((c) => c > 0).sort((a, b) => a - b);
  return { cls, bytes, cuts, jsonLines: 0, improvRpc: false, ...extra };
}

const cutsArb = fc.array(fc.nat(), { maxLength: 4 });

export function consoleItems(opts: { maxLineBytes: number; nextId: () => number }): fc.Arbitrary<ConsoleItem> {
  const typed = fc
    .record({ cmd: fc.constantFrom(...VOCAB), args: fc.array(word, { maxLength: 4 }), end: terminator, cuts: cutsArb })
    .map(({ cmd, args, end, cuts }) => item('typed-command', enc(`${[cmd, ...args].join(' ').replace(/^\{/, '(')}${end}`), cuts));
  const controlByte = fc.constantFrom(0x08, 0x7f, 0x15, 0x03, 0x09, 0x07, 0x00, 0x1b, 0x0c, 0x11, 0x13, 0x1a, 0x04);
  const editing = fc
    .record({
      parts: fc.array(
        fc.oneof(
          fc.string({ maxLength: 12 }).map(enc),
          controlByte.map((b) => Uint8Array.of(b)),
          fc.constantFrom('\x1b[A', '\x1b[3~', '\x1bOP', '\x1b[200~', '\x1b[999999999999D', '\x1b').map(enc),
        ),
        { maxLength: 12 },
      ),
      end: terminator,
      cuts: cutsArb,
    })
    .map(({ parts, end, cuts }) => {
      const body = cat(...parts);
      if (body[0] === 0x7b) body[0] = 0x28; // a person's line, not JSON
      return item('typed-editing', cat(body, enc(end)), cuts);
    });
  const randomBytes = fc
    .record({ b: fc.uint8Array({ maxLength: 300 }), end: terminator, cuts: cutsArb })
    .map(({ b, end, cuts }) => item('random-bytes', cat(b, enc(end)), cuts));
  const invalidUtf8 = fc
    .record({
      pre: fc.constantFrom('set merchant.name ', 'wifi ', '{"id":"u","cmd":"version","x":"', ''),
      bad: fc.constantFrom([0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]),
      cuts: cutsArb,
    })
    .map(({ pre, bad, cuts }) =>
      item('invalid-utf8', cat(enc(pre), Uint8Array.from(bad), enc(pre.startsWith('{') ? '"}\n' : '\r')), cuts, { jsonLines: pre.startsWith('{') ? 1 : 0 }),
    );
  const overlong = fc.record({ json: fc.boolean(), over: fc.integer({ min: 1, max: 3000 }), cuts: cutsArb }).map(({ json, over, cuts }) => {
    const n = opts.maxLineBytes + over;
    const body = json ? `{"id":"long","cmd":"set","args":["merchant.name","${'x'.repeat(n)}"]}` : `set merchant.name ${'y'.repeat(n)}`;
    return item(json ? 'overlong-json' : 'overlong-typed', enc(`${body}\n`), cuts, { jsonLines: json ? 1 : 0 });
  });
  const jsonRequest = fc
    .record({
      cmd: fc.constantFrom(...VOCAB.filter((v) => v !== '')),
      args: fc.option(fc.array(word, { maxLength: 5 }), { nil: undefined }),
      numericId: fc.boolean(),
      cuts: cutsArb,
    })
    .map(({ cmd, args, numericId, cuts }) => {
      const n = opts.nextId();
      const id = numericId ? n : `f-${n}`;
      const req = args === undefined ? { id, cmd } : { id, cmd, args };
      const line = JSON.stringify(req);
      // Too long for the console: refused whole, so the reply cannot name the id.
      if (Buffer.byteLength(line) > opts.maxLineBytes) return item('overlong-json', enc(`${line}\n`), cuts, { jsonLines: 1 });
      return item('json-request', enc(`${line}\n`), cuts, { jsonId: id, jsonLines: 1 });
    });
  const jsonGarbage = fc
    .record({
      v: fc.oneof(
        fc.dictionary(fc.constantFrom('id', 'cmd', 'args', 'x', '__proto__'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
        fc.record({ id: fc.jsonValue({ maxDepth: 2 }), cmd: fc.jsonValue({ maxDepth: 2 }), args: fc.jsonValue({ maxDepth: 2 }) }),
        // Deeper than JSON.stringify can go: kept as text.
        fc.integer({ min: 1, max: 30_000 }).map((d) => ({ text: `{"id":"deep","cmd":"get","args":${'['.repeat(d)}${']'.repeat(d)}}` })),
      ),
      tail: fc.constantFrom('', ' ', ',', '}', 'garbage'),
      cuts: cutsArb,
    })
    .map(({ v, tail, cuts }) => {
      let text =
        v !== null && typeof v === 'object' && 'text' in v && typeof v.text === 'string' && v.text.startsWith('{"id":"deep"')
          ? v.text
          : (JSON.stringify(v) ?? '{}');
      if (!text.startsWith('{')) text = `{${text}`;
      return item('json-garbage', enc(`${text}${tail}\n`), cuts, { jsonLines: 1 });
    });
  const improvRpc = fc
    .record({
      command: fc.oneof(fc.constantFrom(1, 2, 3, 4), fc.nat({ max: 255 })),
      payload: fc.oneof(
        fc.uint8Array({ maxLength: 60 }),
        fc.record({ ssid: fc.string({ maxLength: 40 }), pass: fc.string({ maxLength: 70 }) }).map(({ ssid, pass }) => {
          try {
            return encodeWifiSettings(ssid, pass);
          } catch {
            return new Uint8Array(0);
          }
        }),
      ),
      nl: fc.boolean(),
      cuts: cutsArb,
    })
    .map(({ command, payload, nl, cuts }) => {
      const pkt = encodeRpc(command, payload.subarray(0, 250));
      return item('improv-rpc', cat(pkt, enc(nl ? '\n' : '')), cuts, { improvRpc: true });
    });
  const improvOther = fc
    .record({ type: fc.nat({ max: 255 }).filter((t) => t !== 3), data: fc.uint8Array({ maxLength: 255 }), cuts: cutsArb })
    .map(({ type, data, cuts }) => item('improv-other-type', encodePacket(type, data), cuts));
  const improvBroken = fc
    .record({
      how: fc.constantFrom('checksum', 'version', 'length-short', 'length-long', 'cut'),
      data: fc.uint8Array({ minLength: 2, maxLength: 40 }),
      k: fc.nat(),
      cuts: cutsArb,
    })
    .map(({ how, data, k, cuts }) => {
      const p = encodePacket(0x03, data);
      switch (how) {
        case 'checksum':
          p[p.length - 1] = ((p[p.length - 1] ?? 0) + 1 + (k % 254)) & 0xff;
          return item('improv-bad-checksum', p, cuts, { improvRpc: true });
        case 'version':
          p[6] = 2 + (k % 250);
          return item('improv-bad-version', cat(p, enc('\r')), cuts);
        case 'length-short':
          p[8] = Math.max(0, data.length - 1 - (k % data.length));
          return item('improv-bad-length', p, cuts);
        case 'length-long':
          p[8] = Math.min(255, data.length + 1 + (k % 50));
          return item('improv-bad-length', p, cuts);
        case 'cut':
          return item('improv-cut-short', p.subarray(0, IMPROV_HEADER.length + 1 + (k % (p.length - IMPROV_HEADER.length - 1))), cuts);
      }
    });
  const headerText = fc
    .record({ n: fc.integer({ min: 1, max: 6 }), rest: fc.string({ maxLength: 20 }), end: terminator, cuts: cutsArb })
    .map(({ n, rest, end, cuts }) => item('improv-header-as-text', enc(`${'IMPROV'.slice(0, n)}${rest.replace(/^\{/, '(')}${end}`), cuts));

  const single = fc.oneof(
    { arbitrary: typed, weight: 22 },
    { arbitrary: editing, weight: 8 },
    { arbitrary: randomBytes, weight: 8 },
    { arbitrary: invalidUtf8, weight: 3 },
    { arbitrary: overlong, weight: 1 },
    { arbitrary: jsonRequest, weight: 22 },
    { arbitrary: jsonGarbage, weight: 10 },
    { arbitrary: improvRpc, weight: 12 },
    { arbitrary: improvOther, weight: 3 },
    { arbitrary: improvBroken, weight: 6 },
    { arbitrary: headerText, weight: 3 },
  );
  const mixed = fc
    .record({ items: fc.array(single, { minLength: 2, maxLength: 4 }), cuts: cutsArb })
    .map(({ items, cuts }) => item('mixed', cat(...items.map((i) => i.bytes)), cuts));
  return fc.oneof({ arbitrary: single, weight: 9 }, { arbitrary: mixed, weight: 1 });
}
