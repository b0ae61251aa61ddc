/**
 * The machine-readable contract, generated from the code's schemas next to docs/protocol.md and
 * under the same drift test: a JSON Schema 2020-12 file for every payload (docs/json-schema/; the
 * signed messages' JWS payloads with their claims, and the JWS header) and an AsyncAPI 3.0
 * document for every topic (docs/asyncapi.json: direction, QoS, retained, payload, security).
 * The AsyncAPI document describes the device: it receives what a backend sends.
 */
import { bundleSchema } from '../console/bundle.js';
import type { Schema } from '../core/schema.js';
import { KID_PATTERN } from '../payment/trust-config.js';
import { FLEET_TOPICS } from './contract-fleet.js';
import { TOPICS } from './contract.js';
import { jsonSchemaDocument, toJsonSchema, type JsonSchema } from './json-schema.js';

const AMOUNT_RULE =
  'amount is at most the EMV tag 54 bound for its currency: 9999999999999 minor units for a currency without decimals, 999999999999 for one with decimals (see the amount description)';
const SCHEMA_ID = (name: string): string => `urn:tillqr:v1:${name}`;

interface PayloadSpec {
  readonly file: string;
  readonly title: string;
  readonly schema: Schema<unknown>;
  /** Signed: the schema is the JWS payload; the MQTT payload is the compact JWS. */
  readonly signedBy: 'backend key' | 'fleet key' | 'release key' | 'none';
  readonly binary?: true;
}

const file = (name: string): string => name.replace(/^group /, 'group-').replace(/\//g, '-');

function payloadSpecs(): PayloadSpec[] {
  const out: PayloadSpec[] = TOPICS.map((t) => ({
    file: t.name,
    title: `tillqr ${t.name}${t.signed ? ' (the JSON inside the JWS)' : ''}`,
    schema: t.schema,
    signedBy: t.signed ? 'backend key' : 'none',
  }));
  for (const t of FLEET_TOPICS) {
    if (t.name === 'group config/desired') continue; // the same document as config/desired
    out.push({
      file: t.name === 'stream/data' ? 'stream-data-header' : file(t.name),
      title: `tillqr ${t.name}${t.name === 'stream/data' ? ' frame header' : ''}${t.signedBy !== 'none' ? ' (the JSON inside the JWS)' : ''}`,
      schema: t.schema,
      signedBy: t.signedBy,
      ...(t.name === 'stream/data' ? { binary: true as const } : {}),
    });
  }
  return out;
}

function withRefinementComment(s: JsonSchema): JsonSchema {
  return typeof s.$comment === 'string' && 'amount' in ((s.properties as JsonSchema | undefined) ?? {})
    ? { ...s, $comment: `The device also checks: ${AMOUNT_RULE}.` }
    : s;
}

export const JWS_HEADER_SCHEMA: JsonSchema = {
  description: 'The protected header of every signed message (compact JWS, RFC 7515). EdDSA over Ed25519 (RFC 8037); no other alg, no crit.',
  type: 'object',
  properties: {
    alg: { const: 'EdDSA', description: 'Always "EdDSA"; anything else is refused `unsupported_alg`.' },
    kid: {
      type: 'string',
      pattern: KID_PATTERN.source,
      description:
        'The signing key: a kid listed in trust.backendKeys (charge, cancel, payment), trust.fleetKeys (config/desired) or trust.releaseKeys (update).',
    },
    crit: false,
  },
  required: ['alg', 'kid'],
};

/** Every JSON Schema file: docs/json-schema/<name>.schema.json -> its content. */
export function jsonSchemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const p of payloadSpecs()) {
    const doc = withRefinementComment(jsonSchemaDocument(p.schema, { id: SCHEMA_ID(p.file), title: p.title }));
    files.set(`${p.file}.schema.json`, `${JSON.stringify(doc, null, 2)}\n`);
  }
  const bundle = jsonSchemaDocument(bundleSchema, {
    id: SCHEMA_ID('provisioning-bundle'),
    title: 'tillqr provisioning bundle',
    description:
      'What `tillqr provision --bundle FILE` sends to a device over its serial console (docs/provisioning.md). The file may carry whole-line // comments; the device gets the JSON without them. The device also checks that certificates parse, that keyPem belongs to certPem, that TLS material comes with an mqtts:// or wss:// URL, and that every trusted key is a usable Ed25519 key.',
  });
  files.set('provisioning-bundle.schema.json', `${JSON.stringify(bundle, null, 2)}\n`);
  const header = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCHEMA_ID('jws-header'),
    title: 'tillqr JWS protected header',
    ...JWS_HEADER_SCHEMA,
  };
  files.set('jws-header.schema.json', `${JSON.stringify(header, null, 2)}\n`);
  return files;
}

const COMPACT_JWS = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$';

function address(pattern: string): string {
  return pattern.replace('<prefix>', 'tillqr/v1').replace('<deviceId>', '{deviceId}').replace('<group>', '{group}');
}

/** The AsyncAPI 3.0 document (JSON). */
export function asyncApiDocument(): JsonSchema {
  const channels: JsonSchema = {};
  const operations: JsonSchema = {};
  const messages: JsonSchema = {};
  const schemas: JsonSchema = { jwsHeader: JWS_HEADER_SCHEMA };
  const specs = payloadSpecs();
  const topics = [
    ...TOPICS.map((t) => ({
      name: t.name,
      pattern: `<prefix>/<deviceId>/${t.name}`,
      toDevice: t.direction === 'backend → device',
      retained: t.retained,
      summary: t.summary,
      spec: specs.find((s) => s.file === t.name),
    })),
    ...FLEET_TOPICS.map((t) => ({
      name: t.name,
      pattern: t.pattern,
      toDevice: t.direction === 'backend → device',
      retained: t.retained,
      summary: t.summary,
      spec: specs.find(
        (s) => s.file === (t.name === 'stream/data' ? 'stream-data-header' : t.name === 'group config/desired' ? 'config-desired' : file(t.name)),
      ),
    })),
  ];
  for (const t of topics) {
    const spec = t.spec;
    if (spec === undefined) throw new Error(`no payload spec for ${t.name}`);
    const id = file(t.name).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const schemaName = file(spec.file).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    schemas[schemaName] ??= withRefinementComment(toJsonSchema(spec.schema));
    const signed = spec.signedBy !== 'none';
    const payload = spec.binary
      ? {
          type: 'string',
          format: 'binary',
          description:
            "A binary frame: a big-endian (network byte order) unsigned 16-bit header length n, then n bytes of UTF-8 JSON (the frame header schema), then the block's bytes.",
        }
      : signed
        ? {
            type: 'string',
            pattern: COMPACT_JWS,
            description: `A compact JWS (RFC 7515), EdDSA, signed by a ${spec.signedBy}. Its protected header is #/components/schemas/jwsHeader; its payload is the JSON object #/components/schemas/${schemaName}.`,
          }
        : { $ref: `#/components/schemas/${schemaName}` };
    messages[id] = {
      name: id,
      title: t.name,
      summary: t.summary,
      contentType: spec.binary ? 'application/octet-stream' : signed ? 'application/jose' : 'application/json',
      payload,
      ...(signed ? { 'x-jws-payload': { $ref: `#/components/schemas/${schemaName}` }, 'x-jws-header': { $ref: '#/components/schemas/jwsHeader' } } : {}),
      ...(spec.binary ? { 'x-frame-header': { $ref: `#/components/schemas/${schemaName}` } } : {}),
    };
    channels[id] = {
      address: address(t.pattern),
      title: t.name,
      description: `${t.summary} ${t.toDevice ? 'Published by the backend' : 'Published by the device'}, QoS 1, ${t.retained ? 'retained' : 'not retained'}.`,
      messages: { [id]: { $ref: `#/components/messages/${id}` } },
      parameters: {
        ...(t.pattern.includes('<deviceId>') ? { deviceId: { description: 'The device id (config deviceId): 1-64 letters, digits, ".", "_" or "-".' } } : {}),
        ...(t.pattern.includes('<group>') ? { group: { description: 'A group name the device lists in mqtt.groups.' } } : {}),
      },
    };
    const security = signed
      ? {
          security: [
            {
              $ref: `#/components/securitySchemes/${spec.signedBy === 'backend key' ? 'backendJws' : spec.signedBy === 'fleet key' ? 'fleetJws' : 'releaseJws'}`,
            },
          ],
        }
      : {};
    operations[`${t.toDevice ? 'receive' : 'send'}${id[0]?.toUpperCase() ?? ''}${id.slice(1)}`] = {
      action: t.toDevice ? 'receive' : 'send',
      channel: { $ref: `#/channels/${id}` },
      messages: [{ $ref: `#/channels/${id}/messages/${id}` }],
      summary: t.summary,
      ...security,
      bindings: { mqtt: { qos: 1, retain: t.retained, bindingVersion: '0.2.0' } },
    };
  }
  const jws = (list: string, what: string) => ({
    type: 'asymmetricEncryption',
    description: `${what} is a compact JWS (RFC 7515) signed with EdDSA over Ed25519 (RFC 8037) by a key listed in ${list} (by kid); the device refuses any other alg. A stolen broker password cannot forge it.`,
  });
  return {
    asyncapi: '3.0.0',
    id: 'urn:tillqr:v1',
    info: {
      title: 'tillqr device',
      version: '1',
      description:
        "The MQTT contract of a tillqr QR payment display, from the device's side: it receives charge, cancel and payment (signed) and fleet documents, and sends events and a retained status. Generated from src/link/contract.ts and contract-fleet.ts; the prose is docs/protocol.md. Topic prefix `tillqr/v1` is the default of mqtt.topicPrefix.",
    },
    defaultContentType: 'application/json',
    servers: {
      broker: {
        host: 'broker.example:8883',
        protocol: 'mqtts',
        protocolVersion: '5',
        description: 'Any standard MQTT 5 or 3.1.1 broker (Mosquitto, EMQX, HiveMQ, VerneMQ); TLS with mqtts://, or mqtt:// on a trusted network.',
        security: [{ $ref: '#/components/securitySchemes/brokerLogin' }, { $ref: '#/components/securitySchemes/brokerCertificate' }],
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      securitySchemes: {
        brokerLogin: {
          type: 'userPassword',
          description: 'The broker user name and password (mqtt.username, mqtt.password); see device/mosquitto/ for a per-device ACL.',
        },
        brokerCertificate: { type: 'X509', description: 'A TLS client certificate (mqtt.certFile, mqtt.keyFile).' },
        backendJws: jws('trust.backendKeys', 'Every charge, cancel and payment'),
        fleetJws: jws('trust.fleetKeys', 'Every desired configuration document'),
        releaseJws: jws('trust.releaseKeys', 'Every update job'),
      },
    },
  };
}

/** Every generated contract file under docs/: relative path -> content. */
export function contractFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, content] of jsonSchemaFiles()) out.set(`json-schema/${name}`, content);
  out.set('asyncapi.json', `${JSON.stringify(asyncApiDocument(), null, 2)}\n`);
  return out;
}
