/**
 * The shape shared by every console command: what it may use, what it returns. A command returns
 * data (sent as is in JSON mode) and a text for a person; it throws TillqrError to fail.
 */
import type { ConfigStore } from '../config/config-store.js';
import type { LogFields } from '../core/logger.js';
import type { Network } from './network.js';
import type { Provisioner } from './provisioner.js';
import type { ConsoleTarget } from './target.js';

export interface CommandResult {
  readonly data: unknown;
  readonly text: string;
}

/** What a command may ask of the session it runs in. */
export interface SessionControl {
  /** The reply goes to a program (JSON line), not a person. */
  readonly json: boolean;
  readonly authed: boolean;
  login(passphrase: string): Promise<void>;
  logout(): void;
  /** Mark this session logged in (it has just set the passphrase). */
  trust(): void;
  /** Ask a person for a secret on the next line, not echoed. Rejects in JSON mode. */
  askSecret(prompt: string): Promise<string>;
  /** Ask a person to type "yes". Rejects in JSON mode. */
  confirm(prompt: string): Promise<boolean>;
  /** Run after the reply has been written out (restart, reboot). */
  afterReply(action: () => Promise<void>): void;
}

export interface CommandContext {
  readonly store: ConfigStore;
  readonly target: ConsoleTarget;
  readonly network: Network;
  readonly provisioner: Provisioner;
  readonly version: string;
  /** Changes every time the daemon starts (lets a client see that a restart happened). */
  readonly bootId: string;
  readonly logTail: (n: number) => readonly string[];
  readonly audit: (action: string, fields?: LogFields) => void;
  readonly session: SessionControl;
}

export interface CommandSpec {
  /** One or two words: "status", "mqtt test". */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Allowed while the console is locked. */
  readonly open?: boolean;
  readonly minArgs?: number;
  readonly maxArgs?: number;
  /** For a typed line: the argument at this index is the raw rest of the line. */
  readonly restFrom?: number;
  run(args: readonly string[], ctx: CommandContext): Promise<CommandResult>;
}
