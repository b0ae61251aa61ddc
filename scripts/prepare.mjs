// `npm ci` / `npm install` run this (the `prepare` script): build dist/ when the development tools
// are installed. A production install (`npm ci --omit=dev`) has no TypeScript to build with, and
// needs nothing built: what runs on a till is a release bundle (npm run release, decision 0009).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('typescript/package.json');
} catch {
  console.log('prepare: TypeScript is not installed (a production install): dist/ is not built');
  process.exit(0);
}
const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
