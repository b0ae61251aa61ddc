import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImprovState, RpcCommand, encodeRpc, encodeState } from '../../../src/console/improv-codec.js';
import { ImprovDemux, type DemuxEvent } from '../../../src/console/improv-demux.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const text = (events: DemuxEvent[]): string => Buffer.concat(events.filter((e) => e.kind === 'text').map((e) => e.bytes)).toString('latin1');
const packets = (events: DemuxEvent[]): string[] => events.filter((e) => e.kind === 'packet').map((e) => hex(e.bytes));
const cat = (...parts: (string | Uint8Array)[]): Uint8Array => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));

/** Feed in the given chunks and collect every event. */
function run(chunks: Uint8Array[], demux = new ImprovDemux()): DemuxEvent[] {
  return chunks.flatMap((c) => demux.push(c));
}

describe('Improv demultiplexer', () => {
  const rpc = encodeRpc(RpcCommand.RequestState, new Uint8Array(0));

  it('takes a packet out of the byte stream and passes the rest as text', () => {
    const ev = run([cat('status\r', rpc, '\n', 'help\r')]);
    expect(packets(ev)).toEqual([hex(rpc)]);
    expect(text(ev)).toBe('status\rhelp\r');
  });

  it('finds the same packet however the stream is split', () => {
    const stream = cat('ab', rpc, '\r\n', 'cd');
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let cut2 = cut; cut2 <= stream.length; cut2 += 3) {
        const ev = run([stream.slice(0, cut), stream.slice(cut, cut2), stream.slice(cut2)]);
        expect(packets(ev)).toEqual([hex(rpc)]);
        expect(text(ev)).toBe('abcd');
      }
    }
  });

  it('swallows one newline (LF or CRLF) after a packet, not more', () => {
    expect(text(run([cat(rpc, '\n\n')]))).toBe('\n');
    expect(text(run([cat(rpc, '\r\n\r\n')]))).toBe('\r\n');
    expect(text(run([cat(rpc, 'x')]))).toBe('x');
  });

  it('gives back bytes that only looked like a header', () => {
    expect(text(run([cat('Info IMPOSSIBLE IMPROVE\r')]))).toBe('Info IMPOSSIBLE IMPROVE\r');
    expect(text(run([cat('IMPROV\x02\x01\x01\x02x')]))).toBe('IMPROV\x02\x01\x01\x02x'); // version 2 is not ours
    expect(text(run([cat('IIMPROV'), cat('\x01\x01\x01\x02'), Uint8Array.of(0xe2)]))).toBe('I');
  });

  it('holds a partial header until flushed as text; drops a partial packet on flush', () => {
    const d = new ImprovDemux();
    expect(run([cat('wifi IMP')], d).map((e) => e.kind)).toEqual(['text']);
    expect(d.holding).toBe('header');
    expect(text(d.flush())).toBe('IMP');
    expect(d.holding).toBe('none');
    run([rpc.slice(0, 9)], d);
    expect(d.holding).toBe('packet');
    expect(d.flush()).toEqual([]);
    expect(d.dropped).toBe(1);
    expect(packets(run([rpc], d))).toEqual([hex(rpc)]);
  });

  it('passes a packet with a wrong checksum on whole (the service answers it), and carries on', () => {
    const bad = rpc.slice();
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    const ev = run([cat(bad, 'help\r', rpc)]);
    expect(packets(ev)).toEqual([hex(bad), hex(rpc)]);
    expect(text(ev)).toBe('help\r');
  });

  it('separates any mix of text and packets under any chunking', () => {
    const textArb = fc.string({ unit: fc.constantFrom(...'abcdefghjkmnopqrstuvwxyz IMPROV\r\n{}'.split('')), maxLength: 30 });
    const packetArb = fc.constantFrom(rpc, encodeState(ImprovState.Ready), encodeRpc(RpcCommand.RequestScan, new Uint8Array(0)));
    fc.assert(
      fc.property(fc.array(fc.tuple(textArb, packetArb), { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }), (parts, sizes) => {
        // Text that ends in a partial header would be joined to the packet's header: keep the cases
        // apart with a separator the header cannot contain.
        const stream = cat(...parts.flatMap(([t, p]) => [`${t}.`, p, '\n']));
        const chunks: Uint8Array[] = [];
        for (let at = 0, i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length] ?? 1;
          chunks.push(stream.slice(at, at + n));
          at += n;
        }
        const d = new ImprovDemux();
        const ev = [...run(chunks, d), ...d.flush()];
        expect(packets(ev)).toEqual(parts.map(([, p]) => hex(p)));
        expect(text(ev)).toBe(parts.map(([t]) => `${t}.`).join(''));
      }),
    );
  });
});
