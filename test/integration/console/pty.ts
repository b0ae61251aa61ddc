/**
 * A pseudo-terminal pair made by socat: `device` is the path the console opens, `host` the one
 * the test (or `tillqr provision`) opens, like the two ends of a USB-serial cable. `kill()`
 * makes both paths vanish as an unplug does; `start()` again brings them back under the same
 * names.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../../helpers/child.js';

const SOCAT = '/usr/bin/socat';

export class PtyPair {
  readonly dir: string;
  readonly device: string;
  readonly host: string;
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(dir: string) {
    this.dir = dir;
    this.device = join(dir, 'device-tty');
    this.host = join(dir, 'host-tty');
  }

  static async create(): Promise<PtyPair> {
    const p = new PtyPair(await mkdtemp(join(tmpdir(), 'tillqr-pty-')));
    await p.start();
    return p;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const child = spawn(SOCAT, ['-d', `pty,raw,echo=0,link=${this.device}`, `pty,raw,echo=0,link=${this.host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => {
      this.#log = (this.#log + d.toString()).slice(-4000);
    });
    const deadline = Date.now() + 10_000;
    while (!(existsSync(this.device) && existsSync(this.host))) {
      if (!this.running) throw new Error(`socat exited: ${this.#log}`);
      if (Date.now() > deadline) throw new Error(`socat made no pty links within 10 s: ${this.#log}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Both ends vanish (as when the USB adapter is pulled out). */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
    const done = exited(child);
    child.kill('SIGTERM');
    await done;
    this.#child = undefined;
    // socat removes its links on exit; make sure, so the console really sees the path go.
    await rm(this.device, { force: true });
    await rm(this.host, { force: true });
  }

  async close(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
