/**
 * `tillqr provision --example` prints a complete, commented bundle that the device's own
 * validator and the published JSON Schema both accept, and docs/provisioning.md documents every
 * top-level field of the bundle format.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { renderExampleBundle, stripLineComments } from '../../../src/cli/provision-example.js';
import { run as provision } from '../../../src/cli/provision.js';
import { captureIo } from '../../../src/cli/io.js';
import { bundleSchema, parseBundle } from '../../../src/console/bundle.js';

describe('provision --example', () => {
  it('prints commented JSON that the device validates whole', async () => {
    const io = captureIo();
    expect(await provision(['--example'], io)).toBe(0);
    const text = io.out.join('');
    expect(text).toBe(renderExampleBundle());
    expect(text).toMatch(/^\s+\/\/ .*docs\/provisioning\.md/m);
    expect(() => JSON.parse(text) as unknown).toThrow();
    const { bundle } = parseBundle(stripLineComments(text));
    expect(bundle.deviceId).toBe('shop-042-till-1');
    // Every top-level field of the format appears in the example.
    expect(Object.keys(JSON.parse(stripLineComments(text)) as object).sort()).toEqual(
      Object.keys(bundleSchema.shape ?? {})
        .filter((k) => k !== 'signal')
        .sort(),
    );
  });

  it('validates against docs/json-schema/provisioning-bundle.schema.json, which refuses what the device refuses', async () => {
    const schema = JSON.parse(await readFile(new URL('../../../docs/json-schema/provisioning-bundle.schema.json', import.meta.url), 'utf8')) as object;
    const validate = new Ajv2020({ strict: true }).compile(schema);
    const example = JSON.parse(stripLineComments(renderExampleBundle())) as Record<string, unknown>;
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, passphrase: 'short' })).toBe(false);
    expect(validate({ ...example, extra: 1 })).toBe(false);
  });

  it('docs/provisioning.md names every top-level field', async () => {
    const doc = await readFile(new URL('../../../docs/provisioning.md', import.meta.url), 'utf8');
    for (const k of Object.keys(bundleSchema.shape ?? {})) expect(doc, k).toContain(`\`${k}\``);
  });
});
