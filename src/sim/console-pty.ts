/**
 * The simulator's serial console: a pseudo-terminal pair made by socat. The daemon's console owns
 * one end exactly as it owns /dev/serial0 on a Pi; a technician opens the other end with picocom,
 * screen or `tillqr provision --port`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { lstat, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConsolePty {
  /** Open this end as the technician (picocom, screen, tillqr provision --port). */
  readonly technicianPath: string;
  /** The daemon's end (config console.port). */
  readonly devicePath: string;
  close(): Promise<void>;
}

const exists = (p: string): Promise<boolean> =>
  lstat(p).then(
    () => true,
    () => false,
  );

/** Start the pty pair in `dir`; undefined (and a reason) when socat is not installed. */
export async function startConsolePty(dir: string): Promise<ConsolePty | { unavailable: string }> {
  const technicianPath = join(dir, 'console');
  const devicePath = join(dir, 'console-device');
  await Promise.all([rm(technicianPath, { force: true }), rm(devicePath, { force: true })]);
  let child: ChildProcess;
  try {
    child = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${technicianPath}`], { stdio: 'ignore' });
  } catch (e) {
    return { unavailable: `socat could not be started: ${(e as Error).message}` };
  }
  const failed = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`socat is not available (${e.message}); install it with apt-get install socat`));
    child.once('exit', (code) => resolve(`socat exited (${code ?? 'signal'})`));
  });
  for (let i = 0; i < 100; i++) {
    const why = await Promise.race([failed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 20))]);
    if (why !== undefined) return { unavailable: why };
    if ((await exists(devicePath)) && (await exists(technicianPath))) {
      return {
        technicianPath,
        devicePath,
        async close() {
          if (child.exitCode === null && child.signalCode === null) {
            const gone = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await gone;
          }
        },
      };
    }
  }
  child.kill('SIGKILL');
  return { unavailable: 'socat did not create the console pty in 2 s' };
}
