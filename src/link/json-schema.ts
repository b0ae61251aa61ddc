/**
 * The contract's schemas (src/core/schema.ts DSL) as JSON Schema 2020-12, for integrators in other
 * languages: types, bounds, patterns, enums, required and unknown-key rules, each field's doc as
 * its description. A check the DSL runs in code (a refinement, e.g. an amount bound that depends on
 * the currency) is named in `$comment`, since no keyword expresses it. Pure.
 */
import type { Schema } from '../core/schema.js';

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export type JsonSchema = { [k: string]: unknown };

/** One schema as a JSON Schema object (no `$schema`: usable inside an AsyncAPI document too). */
export function toJsonSchema(s: Schema<unknown>): JsonSchema {
  const { values, refined, ...keywords } = s.json;
  const out: JsonSchema = {};
  if (s.meta.doc !== undefined) out.description = s.meta.doc;
  Object.assign(out, keywords);
  if (s.kind === 'object' && out.type === undefined) out.type = 'object';
  if (s.kind === 'union') out.description = [s.meta.doc, `One of: ${s.expected}.`].filter((x) => x !== undefined).join(' ');
  if (s.shape !== undefined) {
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const [name, field] of Object.entries(s.shape)) {
      properties[name] = toJsonSchema(field);
      if (!field.meta.optional && !field.meta.hasDefault) required.push(name);
    }
    out.properties = properties;
    if (required.length > 0) out.required = required;
    // Keep additionalProperties after the properties, where a reader looks for it.
    if ('additionalProperties' in out) {
      const ap = out.additionalProperties;
      delete out.additionalProperties;
      out.additionalProperties = ap;
    }
  }
  if (s.item !== undefined) out.items = toJsonSchema(s.item);
  if (values !== undefined) out.additionalProperties = toJsonSchema(values);
  if (s.meta.hasDefault) out.default = s.meta.defaultValue;
  if (s.meta.secret) out.writeOnly = true;
  if (refined === true)
    out.$comment =
      s.kind === 'object'
        ? 'The device also checks a rule across fields that no keyword states; see the field descriptions.'
        : `The device also checks: ${s.expected}.`;
  return out;
}

/** A standalone JSON Schema 2020-12 document. */
export function jsonSchemaDocument(s: Schema<unknown>, o: { id: string; title: string; description?: string }): JsonSchema {
  const body = toJsonSchema(s);
  const { description, ...rest } = body;
  const text = [o.description, typeof description === 'string' ? description : undefined].filter((x) => x !== undefined).join(' ');
  return { $schema: JSON_SCHEMA_DIALECT, $id: o.id, title: o.title, ...(text !== '' ? { description: text } : {}), ...rest };
}
