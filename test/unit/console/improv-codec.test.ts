import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ImprovError,
  ImprovState,
  PacketType,
  RpcCommand,
  checksum,
  decodePacket,
  decodeRpc,
  decodeStrings,
  decodeWifiSettings,
  encodeError,
  encodePacket,
  encodeRpc,
  encodeRpcResult,
  encodeState,
  encodeWifiSettings,
} from '../../../src/console/improv-codec.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const HEADER = '494d50524f56'; // "IMPROV"

describe('Improv serial codec', () => {
  it('encodes a current-state packet byte for byte', () => {
    // I+M+P+R+O+V = 477; + version 1 + type 1 + length 1 + state 2 = 482; 482 mod 256 = 0xe2
    expect(hex(encodeState(ImprovState.Ready))).toBe(`${HEADER}01010102e2`);
    expect(hex(encodeState(ImprovState.Provisioned))).toBe(`${HEADER}01010104e4`);
  });

  it('encodes an error-state packet byte for byte', () => {
    // 477 + 1 + 2 + 1 + 3 = 484 = 0x1e4 -> 0xe4
    expect(hex(encodeError(ImprovError.UnableToConnect))).toBe(`${HEADER}01020103e4`);
    expect(hex(encodeError(ImprovError.None))).toBe(`${HEADER}01020100e1`);
  });

  it('builds the Wi-Fi settings RPC of the specification example', () => {
    const payload = encodeWifiSettings('MyWirelessAP', 'mysecurepassword');
    const packet = encodeRpc(RpcCommand.SendWifi, payload);
    const data = `011e0c${Buffer.from('MyWirelessAP').toString('hex')}10${Buffer.from('mysecurepassword').toString('hex')}`;
    expect(hex(packet)).toBe(
      `${HEADER}0103${(data.length / 2).toString(16).padStart(2, '0')}${data}${checksum(packet, packet.length - 1)
        .toString(16)
        .padStart(2, '0')}`,
    );
    const decoded = decodePacket(packet);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.packet.type).toBe(PacketType.Rpc);
    const rpc = decodeRpc(decoded.packet.data);
    expect(rpc?.command).toBe(RpcCommand.SendWifi);
    expect(decodeWifiSettings(rpc!.payload)).toEqual({ ssid: 'MyWirelessAP', password: 'mysecurepassword' });
  });

  it('encodes an RPC result as command, length and length-prefixed strings', () => {
    const p = encodeRpcResult(RpcCommand.RequestInfo, ['tillqr', '1.0']);
    // data: 03, 0b (1+6+1+3), 06 "tillqr", 03 "1.0"
    const data = `030b06${Buffer.from('tillqr').toString('hex')}03${Buffer.from('1.0').toString('hex')}`;
    expect(hex(p)).toBe(`${HEADER}0104${(data.length / 2).toString(16).padStart(2, '0')}${data}${hex(Uint8Array.of(checksum(p, p.length - 1)))}`);
    // the empty list that ends a scan: 477 + 1 + 4 + 2 + 4 + 0 = 488 -> 0xe8
    expect(hex(encodeRpcResult(RpcCommand.RequestScan, []))).toBe(`${HEADER}0104020400e8`);
  });

  it('rejects a wrong checksum, version or length', () => {
    const good = encodeState(ImprovState.Ready);
    const badSum = good.slice();
    badSum[badSum.length - 1] = (badSum[badSum.length - 1] ?? 0) ^ 1;
    expect(decodePacket(badSum)).toMatchObject({ ok: false, reason: expect.stringMatching(/checksum/) });
    const v2 = good.slice();
    v2[6] = 2;
    expect(decodePacket(v2)).toMatchObject({ ok: false, reason: expect.stringMatching(/version/) });
    expect(decodePacket(good.slice(0, good.length - 2))).toMatchObject({ ok: false });
    expect(decodePacket(Buffer.from('IMPROX\x01\x01\x00\x00'))).toMatchObject({ ok: false, reason: expect.stringMatching(/header/) });
  });

  it('refuses malformed RPC bodies and Wi-Fi settings', () => {
    expect(decodeRpc(Uint8Array.of(1))).toBeUndefined();
    expect(decodeRpc(Uint8Array.of(1, 3, 0))).toBeUndefined();
    expect(decodeRpc(Uint8Array.of(2, 0))).toEqual({ command: 2, payload: new Uint8Array(0) });
    expect(decodeWifiSettings(Uint8Array.of(5, 0x61))).toBeUndefined(); // ssid length past the end
    expect(decodeWifiSettings(Uint8Array.of(0, 0))).toBeUndefined(); // empty SSID
    expect(decodeWifiSettings(Uint8Array.of(1, 0x61, 0, 1, 0x62))).toBeUndefined(); // three strings
    expect(decodeWifiSettings(Uint8Array.of(1, 0x61, 0))).toEqual({ ssid: 'a', password: '' });
    expect(decodeStrings(Uint8Array.of(1, 0xff))).toBeUndefined(); // not UTF-8
  });

  it('refuses data that cannot fit a packet', () => {
    expect(() => encodePacket(PacketType.RpcResult, new Uint8Array(256))).toThrow(RangeError);
    expect(() => encodeRpcResult(RpcCommand.RequestInfo, ['x'.repeat(300)])).toThrow(RangeError);
  });

  it('round-trips any packet', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 255 }), (type, data) => {
        const d = decodePacket(encodePacket(type, data));
        expect(d.ok).toBe(true);
        if (d.ok) {
          expect(d.packet.type).toBe(type);
          expect(hex(d.packet.data)).toBe(hex(data));
        }
      }),
    );
  });

  it('round-trips result strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }), (strings) => {
        const p = decodePacket(encodeRpcResult(RpcCommand.RequestScan, strings));
        if (!p.ok) throw new Error(p.reason);
        const rpc = decodeRpc(p.packet.data);
        expect(decodeStrings(rpc!.payload)).toEqual(strings);
      }),
    );
  });
});
