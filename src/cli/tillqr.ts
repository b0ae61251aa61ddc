#!/usr/bin/env node
/**
 * The `tillqr` command: one entry, subcommands loaded lazily so `tillqr emv decode` does not pay
 * for the daemon's imports (startup time matters on a Pi Zero 2 W).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, exitCodeFor, toTillqrError } from '../core/errors.js';
import { processIo, type CliIo } from './io.js';

type Command = { summary: string; load: () => Promise<{ run(argv: string[], io: CliIo): Promise<number> }> };

export const COMMANDS: Record<string, Command> = {
  run: { summary: 'run the daemon (the systemd unit runs this)', load: () => import('./run.js') },
  config: { summary: 'check, print (secrets redacted) or describe the configuration', load: () => import('./config.js') },
  render: { summary: 'draw a screen for a panel into a PNG, exactly as the panel shows it', load: () => import('./render.js') },
  emv: { summary: 'decode an EMV MPM QR payload to JSON, or encode one from a merchant profile', load: () => import('./emv.js') },
  provision: { summary: 'provision a device over its serial console from a bundle, then verify it (checklist)', load: () => import('./provision.js') },
  sim: { summary: 'run the daemon with simulated hardware, an embedded MQTT broker and a live counter page', load: () => import('./sim.js') },
  keys: { summary: 'generate a backend Ed25519 signing key pair and print its kid', load: () => import('./keys.js') },
  backend: { summary: 'sign and publish a charge, cancel or confirmation, and wait for the device', load: () => import('./backend.js') },
  fleet: { summary: 'fleet: device status table, config push, release sign/publish, staged rollout; boot-check for systemd', load: () => import('./fleet.js') },
  gpio: { summary: 'show the GPIO chip, its sysfs numbering and the PWM chips found on this Pi', load: () => import('./gpio.js') },
  say: { summary: 'say a payment as the till announces it, into a WAV file or through the speaker', load: () => import('./say.js') },
};

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `tillqr — QR payment display controller

usage: tillqr <command> [options]   (tillqr <command> --help for its options)

commands:
${lines.join('\n')}
  help${' '.repeat(Math.max(0, width - 4))}  show this text
`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(helpText());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === 'version') {
    const { VERSION } = await import('../version.js');
    io.stdout(`${VERSION}\n`);
    return EXIT.OK;
  }
  const cmd = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (cmd === undefined) {
    io.stderr(`tillqr: unknown command ${JSON.stringify(name)}; run "tillqr --help" for the list\n`);
    return EXIT.USAGE;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest, io);
  } catch (e) {
    const err = toTillqrError(e);
    io.stderr(`tillqr ${name}: ${err.message}\n`);
    return exitCodeFor(err);
  }
}

function isEntry(): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`tillqr: ${String(e)}\n`);
      process.exitCode = EXIT.SOFTWARE;
    },
  );
}
