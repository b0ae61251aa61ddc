import { describe, expect, it } from 'vitest';
import { asciiJson, encodeRequest, errorResponse, okResponse, parseRequest, parseResponse } from '../../../src/console/json-lines.js';

describe('console JSON lines', () => {
  it('reads the request of the issue', () => {
    const r = parseRequest('{ "id": "7", "cmd": "set", "args": ["display.rotation", "90"] }');
    expect(r).toEqual({ ok: true, request: { id: '7', words: ['set', 'display.rotation', '90'] } });
  });

  it('puts the words of a multi-word cmd before the args', () => {
    expect(parseRequest('{"id":1,"cmd":"mqtt test"}')).toEqual({ ok: true, request: { id: 1, words: ['mqtt', 'test'] } });
    expect(parseRequest('{"id":"x","cmd":"mqtt","args":["test"]}')).toEqual({ ok: true, request: { id: 'x', words: ['mqtt', 'test'] } });
  });

  it('writes responses byte for byte, ASCII only', () => {
    expect(okResponse('7', { key: 'display.rotation', value: 90 })).toBe('{"id":"7","ok":true,"data":{"key":"display.rotation","value":90}}');
    expect(okResponse(3, undefined)).toBe('{"id":3,"ok":true,"data":null}');
    expect(errorResponse('8', 'CONSOLE_LOCKED', 'log in first')).toBe('{"id":"8","ok":false,"error":{"code":"CONSOLE_LOCKED","message":"log in first"}}');
    expect(okResponse('9', { name: 'カフェ森 é' })).toBe('{"id":"9","ok":true,"data":{"name":"\\u30ab\\u30d5\\u30a7\\u68ee \\u00e9"}}');
    expect(asciiJson({ s: 'a\u0001\u007f' })).toBe('{"s":"a\\u0001\\u007f"}');
    expect(encodeRequest('1', 'status')).toBe('{"id":"1","cmd":"status"}');
    expect(encodeRequest('2', 'get', ['deviceId'])).toBe('{"id":"2","cmd":"get","args":["deviceId"]}');
  });

  it('round-trips responses through the client parser', () => {
    expect(parseResponse(okResponse('9', { name: 'カフェ森' }))).toEqual({ id: '9', ok: true, data: { name: 'カフェ森' } });
    expect(parseResponse(errorResponse(null, 'CONSOLE_BAD_COMMAND', 'x'))).toEqual({
      id: null,
      ok: false,
      error: { code: 'CONSOLE_BAD_COMMAND', message: 'x' },
    });
    expect(parseResponse('tillqr> ')).toBeUndefined();
    expect(parseResponse('{"id":"1"}')).toBeUndefined();
    expect(parseResponse('[1]')).toBeUndefined();
  });

  it('answers bad requests with the id when one can be read', () => {
    const bad = parseRequest('{"id":"5","cmd":"set","args":[1]}');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.id).toBe('5');
      expect(bad.error.code).toBe('CONSOLE_BAD_COMMAND');
      expect(bad.error.message).toMatch(/args\[0\]/);
    }
    const noId = parseRequest('{"cmd":"status"}');
    expect(noId).toMatchObject({ ok: false, id: null });
    const notJson = parseRequest('{"id":"1",');
    expect(notJson).toMatchObject({ ok: false, id: null });
    if (!notJson.ok) expect(notJson.error.message).toMatch(/not a JSON line/);
    expect(parseRequest('{"id":"1","cmd":"status","extra":true}')).toMatchObject({ ok: false, id: '1' });
    expect(parseRequest('{"id":"1","cmd":"Status!"}')).toMatchObject({ ok: false, id: '1' });
    expect(parseRequest(`{"id":"${'x'.repeat(65)}","cmd":"status"}`)).toMatchObject({ ok: false, id: null });
  });
});
