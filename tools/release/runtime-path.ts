/**
 * `tsx tools/release/runtime-path.ts ARCH`: fetch (once, cached) the Node.js runtime the ARCH
 * release carries and print the folder holding its `node`: .ci/run puts it first on PATH to run
 * the test suite on that runtime too (every runtime tillqr ships is one the suite runs on).
 */
import { join } from 'node:path';
import { bundledRuntime } from './runtime.js';
import { isArch, TARGETS } from './targets.js';

const arch = process.argv[2] ?? '';
if (!isArch(arch)) {
  process.stderr.write(`usage: tsx tools/release/runtime-path.ts arm64|armhf|x64\n`);
  process.exit(64);
}
const rt = TARGETS[arch].runtime;
if (rt.kind !== 'bundled') {
  process.stderr.write(`the ${arch} release carries no runtime (it runs on the system's Node.js ${rt.major})\n`);
  process.exit(69);
}
const files = await bundledRuntime(rt, (s) => process.stderr.write(`${s}\n`));
process.stdout.write(`${join(files.dir, 'bin')}\n`);
