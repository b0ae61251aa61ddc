import { describe, expect, it } from 'vitest';
import { statusSchema } from '../../../src/link/contract.js';
import { parseJsonPayload } from '../../../src/link/json-payload.js';

describe('parseJsonPayload', () => {
  it('gives the value of a payload that matches, and undefined for one that is not JSON or does not match', () => {
    const ok = { online: true, state: 'idle', version: '1.0.0', since: 10 };
    expect(parseJsonPayload(statusSchema, Buffer.from(JSON.stringify(ok)))).toEqual(ok);
    expect(parseJsonPayload(statusSchema, Buffer.from('{"online":'))).toBeUndefined();
    expect(parseJsonPayload(statusSchema, Buffer.from([0xff, 0xfe, 0x00]))).toBeUndefined();
    expect(parseJsonPayload(statusSchema, Buffer.from(JSON.stringify({ ...ok, state: 'dancing' })))).toBeUndefined();
  });
});
