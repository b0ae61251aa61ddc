/**
 * docs/json-schema/*.schema.json and docs/asyncapi.json: exactly what the code's schemas generate
 * (the drift rule of docs/protocol.md), valid JSON Schema 2020-12 (compiled by ajv in strict
 * mode) that agrees with the device's own validator on the documented examples and the signed
 * test vectors, and an AsyncAPI 3.0 document that @asyncapi/parser accepts without an error.
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { Parser } from '@asyncapi/parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { SIGNED_SCHEMAS, TOPICS } from '../../../src/link/contract.js';
import { asyncApiDocument, contractFiles, jsonSchemaFiles } from '../../../src/link/contract-schemas.js';
import { EXAMPLES } from '../../../src/link/protocol-doc.js';
import { buildVectors } from '../../../src/link/test-vectors.js';

const DOCS = new URL('../../../docs/', import.meta.url);
const update = process.env.TILLQR_UPDATE_DOCS === '1';

function validator() {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const schemas = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const [name, content] of jsonSchemaFiles()) schemas.set(name.replace('.schema.json', ''), ajv.compile(JSON.parse(content) as object));
  return schemas;
}

describe('generated contract schemas', () => {
  it('docs/json-schema and docs/asyncapi.json hold exactly what the contract generates', async () => {
    const files = contractFiles();
    if (update) {
      await mkdir(new URL('json-schema/', DOCS), { recursive: true });
      for (const [path, content] of files) await writeFile(new URL(path, DOCS), content);
    }
    for (const [path, content] of files)
      expect(
        await readFile(new URL(path, DOCS), 'utf8'),
        `docs/${path} is out of date: run TILLQR_UPDATE_DOCS=1 npx vitest run test/unit/link/contract-schemas.test.ts`,
      ).toBe(content);
    const onDisk = (await readdir(new URL('json-schema/', DOCS))).map((f) => `json-schema/${f}`).sort();
    expect(onDisk, 'a schema file that the contract no longer generates').toEqual([...files.keys()].filter((k) => k.startsWith('json-schema/')).sort());
  });

  it('are valid JSON Schema 2020-12 that agree with the device on the examples and the signed test vectors', () => {
    const v = validator();
    expect([...v.keys()]).toEqual(
      expect.arrayContaining([
        'charge',
        'cancel',
        'payment',
        'events',
        'status',
        'jws-header',
        'config-desired',
        'config-reported',
        'update',
        'update-status',
        'stream-get',
        'stream-data-header',
      ]),
    );
    for (const t of TOPICS) expect(v.get(t.name)?.(EXAMPLES[t.name]), t.name).toBe(true);
    for (const vec of buildVectors().vectors) {
      const payload: unknown = JSON.parse(vec.payload);
      const kind = (payload as { typ: 'charge' | 'cancel' | 'payment' }).typ;
      // The JSON Schema and the device's validator give the same verdict on every payload.
      expect(v.get(kind)?.(payload), vec.name).toBe(SIGNED_SCHEMAS[kind].safeParse(payload).ok);
      expect(v.get('jws-header')?.(JSON.parse(vec.header)), vec.name).toBe(vec.expect.event !== 'rejected' || vec.expect.reason !== 'unsupported_alg');
    }
    // A few refusals the device makes, refused by the schema too.
    const charge = v.get('charge');
    expect(charge?.({ ...EXAMPLES.charge, tip: 1 })).toBe(false);
    expect(charge?.({ ...EXAMPLES.charge, amount: 0 })).toBe(false);
    expect(charge?.({ ...EXAMPLES.charge, currency: 'yen' })).toBe(false);
    expect(v.get('events')?.({ ...EXAMPLES.events, jti: 'x', detail: 'why' })).toBe(true);
    expect(v.get('events')?.({ ...EXAMPLES.events, type: 'refunded' })).toBe(false);
  });

  it('is an AsyncAPI 3.0 document that @asyncapi/parser accepts, with every topic, its direction, QoS, retain flag and JWS security', async () => {
    const doc = asyncApiDocument();
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(doc));
    const errors = diagnostics.filter((d) => Number(d.severity) === 0); // 0: error (1 warning, 2 information, 3 hint)
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document?.version()).toBe('3.0.0');
    const ops = document?.operations().all() ?? [];
    const charge = ops.find((o) => o.id() === 'receiveCharge');
    expect(charge?.action()).toBe('receive');
    expect(charge?.channels().all()[0]?.address()).toBe('tillqr/v1/{deviceId}/charge');
    expect(charge?.bindings().get('mqtt')?.value()).toMatchObject({ qos: 1, retain: false });
    expect(charge?.security().length).toBe(1);
    const status = ops.find((o) => o.id() === 'sendStatus');
    expect(status?.action()).toBe('send');
    expect(status?.bindings().get('mqtt')?.value()).toMatchObject({ qos: 1, retain: true });
    expect(ops.map((o) => o.id()).sort()).toEqual(
      expect.arrayContaining([
        'receiveCancel',
        'receivePayment',
        'sendEvents',
        'receiveConfigDesired',
        'receiveGroupConfigDesired',
        'receiveUpdate',
        'sendUpdateStatus',
        'sendStreamGet',
        'receiveStreamData',
      ]),
    );
  });
});
