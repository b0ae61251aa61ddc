/**
 * Console commands that read or change the configuration: get, set, config, provision,
 * factory-reset, login, logout.
 */
import { schemaAt } from '../config/env-overrides.js';
import { configSchema } from '../config/schema.js';
import { TillqrError, toTillqrError } from '../core/errors.js';
import type { Schema } from '../core/schema.js';
import { parseBundle } from './bundle.js';
import type { CommandSpec } from './command-types.js';
import { unquoteValue } from './tokenize.js';

/** Does this key hold a secret, itself or anywhere below it (`set mqtt {...}`)? */
export function isSecretKey(key: string): boolean {
  const holds = (s: Schema<unknown> | undefined): boolean => s !== undefined && (s.meta.secret || Object.values(s.shape ?? {}).some(holds) || holds(s.item));
  return holds(schemaAt(configSchema, key.split('.')));
}

const show = (v: unknown): string => (v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v));

export const configCommands: readonly CommandSpec[] = [
  {
    name: 'get',
    usage: 'get KEY',
    summary: 'show one configuration key (secrets redacted)',
    minArgs: 1,
    maxArgs: 1,
    run(args, ctx) {
      const key = args[0] ?? '';
      const value = ctx.store.get(key);
      return Promise.resolve({ data: { key, value: value ?? null }, text: `${key} = ${show(value)}` });
    },
  },
  {
    name: 'set',
    usage: 'set KEY VALUE',
    summary: 'change a key: checked against the schema, saved atomically, live or "restart required"',
    minArgs: 2,
    maxArgs: 2,
    restFrom: 1,
    async run(args, ctx) {
      const key = args[0] ?? '';
      const value = ctx.session.json ? (args[1] ?? '') : unquoteValue(args[1] ?? '');
      const secret = isSecretKey(key);
      let change;
      try {
        change = await ctx.store.setText(key, value, 'console');
      } catch (e) {
        const err = toTillqrError(e);
        // A schema message quotes the value: never for a secret key.
        if (secret)
          throw new TillqrError(err.code, `${key}: the value was not accepted (${schemaAt(configSchema, key.split('.'))?.expected ?? 'see config keys'})`);
        throw err;
      }
      ctx.audit('set', { path: key, changed: change.changed.length > 0 });
      const restart = change.restartRequired.length > 0;
      const shown = ctx.store.get(key);
      const note = change.changed.length === 0 ? 'unchanged' : restart ? 'saved; restart required (run: restart)' : 'saved and applied';
      return { data: { key, value: shown ?? null, changed: change.changed, restartRequired: restart }, text: `${key} = ${show(shown)} (${note})` };
    },
  },
  {
    name: 'config',
    usage: 'config',
    summary: 'the whole configuration, secrets redacted',
    maxArgs: 0,
    run(_args, ctx) {
      const c = ctx.store.redacted();
      return Promise.resolve({ data: c, text: JSON.stringify(c, null, 2) });
    },
  },
  {
    name: 'provision',
    usage: 'provision BUNDLE',
    summary: 'apply a provisioning bundle (JSON or base64) in one step',
    minArgs: 1,
    maxArgs: 1,
    restFrom: 0,
    async run(args, ctx) {
      const decoded = parseBundle(args[0] ?? '');
      const r = await ctx.provisioner.apply(decoded, 'console');
      ctx.session.trust();
      const lines = [
        `provisioned as ${r.deviceId}: ${r.changed.length} keys changed, ${r.files.length} TLS files written`,
        r.restartRequired.length > 0 ? 'restart required for the new broker and device id (run: restart)' : 'applied',
      ];
      if (r.ownerChange !== undefined)
        lines.push(
          `${r.ownerChange.scope === 'identity' ? 'the device id changes' : 'the fleet keys change'}: the restart wipes the previous owner's ${r.ownerChange.wipes.join(', ')}`,
        );
      if (r.wifi !== undefined)
        lines.push(r.wifi.connected ? `Wi-Fi: joined "${r.wifi.ssid}"` : `Wi-Fi: could not join "${r.wifi.ssid}": ${r.wifi.error ?? 'unknown error'}`);
      return { data: { ...r, restartRequired: r.restartRequired.length > 0, restartKeys: r.restartRequired }, text: lines.join('\n') };
    },
  },
  {
    name: 'factory-reset',
    usage: 'factory-reset [yes]',
    summary: 'erase the configuration and all owner state (payment, fleet, TLS files, lockout), then restart (asks to confirm)',
    maxArgs: 1,
    async run(args, ctx) {
      const given = (args[0] ?? '').toLowerCase() === 'yes';
      if (!given) {
        if (ctx.session.json) throw new TillqrError('CONSOLE_NEEDS_CONFIRM', 'factory-reset needs the argument "yes"');
        const ok = await ctx.session.confirm(
          'This erases the configuration, the passphrase, TLS keys, payment history and the fleet\'s documents. Type "yes" to go on: ',
        );
        if (!ok) return { data: { reset: false }, text: 'cancelled; nothing was changed' };
      }
      ctx.audit('factory-reset');
      // Stop what writes owner state (the sale, the fleet agent) first, so nothing writes it back.
      await ctx.target.factoryReset();
      const r = await ctx.provisioner.factoryReset('console');
      ctx.session.logout();
      ctx.session.afterReply(() => ctx.target.restart());
      const kinds = [...new Set(r.wiped.map((w) => w.what))];
      return { data: { reset: true, wiped: kinds, paths: r.wiped.map((w) => w.path) }, text: `factory reset done; restarting\nwiped: ${kinds.join(', ')}` };
    },
  },
  {
    name: 'login',
    usage: 'login [PASSPHRASE]',
    summary: 'unlock the console (asks for the passphrase when not given)',
    open: true,
    maxArgs: 1,
    restFrom: 0,
    async run(args, ctx) {
      let pass = args[0];
      if (pass === undefined || pass === '') pass = await ctx.session.askSecret('passphrase: ');
      await ctx.session.login(pass);
      return { data: { authed: true }, text: 'logged in' };
    },
  },
  {
    name: 'logout',
    usage: 'logout',
    summary: 'lock the console again',
    open: true,
    maxArgs: 0,
    run(_args, ctx) {
      ctx.session.logout();
      return Promise.resolve({ data: { authed: false }, text: 'logged out' });
    },
  },
];
