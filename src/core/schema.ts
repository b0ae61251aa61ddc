/**
 * A small validation DSL used at every boundary (config files, MQTT payloads, console commands,
 * provisioning bundles, update jobs). Each problem is reported with its key path, the value seen
 * and what was expected, so a technician can fix it from one message. Schemas also carry metadata
 * for config keys: `secret` (redacted wherever printed), `restart` (needs a restart to apply) and a
 * doc line, from which docs are generated.
 */
export * from './schema-core.js';
export * from './schema-kinds.js';
