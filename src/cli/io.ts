/** What a CLI command may touch, passed in so commands are testable without spawning processes. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Resolves when the user interrupts (SIGINT/SIGTERM) for long-running commands. */
  readonly interrupted?: Promise<void>;
}

export function processIo(): CliIo {
  // `tillqr ... | head` closes the pipe early: that is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    interrupted,
  };
}

/** An io that keeps what was printed: for tests. */
export function captureIo(env: NodeJS.ProcessEnv = {}, cwd = process.cwd()): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, cwd, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}
