/**
 * What a release artifact says about itself, read from its package.json without unpacking the
 * rest: the version and the `tillqr` block (arch, runtime, ABI) that `fleet release sign` copies
 * into the signed job, so a device of another architecture or runtime refuses the job before it
 * downloads anything. A tar.gz without that block (a development tree) says nothing.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { TillqrError } from '../../core/errors.js';
import { releaseRuntimeOf, type ReleaseRuntime } from '../host-runtime.js';
import { TarParser } from '../tar-reader.js';

export interface ArtifactInfo {
  readonly version?: string;
  readonly arch?: string;
  readonly runtime?: ReleaseRuntime;
}

const MAX_PACKAGE_JSON = 65_536;

/** Stream the archive until its top-level package.json has been read. */
export async function readArtifactInfo(path: string): Promise<ArtifactInfo> {
  const parser = new TarParser();
  let inPackage = false;
  const parts: Buffer[] = [];
  let size = 0;
  const input = createReadStream(path).pipe(createGunzip());
  try {
    for await (const chunk of input) {
      for (const ev of parser.push(chunk as Buffer)) {
        if (ev.kind === 'entry') inPackage = ev.entry.type === 'file' && (ev.entry.path === 'package.json' || ev.entry.path === './package.json');
        else if (ev.kind === 'data' && inPackage) {
          size += ev.chunk.length;
          if (size > MAX_PACKAGE_JSON) throw new TillqrError('USAGE', `${path}: package.json is larger than ${MAX_PACKAGE_JSON} bytes`);
          parts.push(ev.chunk);
        } else if (ev.kind === 'end-entry' && inPackage) {
          input.destroy();
          return infoOf(Buffer.concat(parts), path);
        }
      }
    }
  } catch (e) {
    if (e instanceof TillqrError) throw e;
    throw new TillqrError('USAGE', `${path} is not a readable tar.gz release artifact: ${(e as Error).message}`, {}, { cause: e });
  }
  return {};
}

function infoOf(bytes: Buffer, path: string): ArtifactInfo {
  let pkg: unknown;
  try {
    pkg = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new TillqrError('USAGE', `${path}: its package.json is not JSON`);
  }
  const version =
    typeof pkg === 'object' && pkg !== null && typeof (pkg as { version?: unknown }).version === 'string' ? (pkg as { version: string }).version : undefined;
  return { ...(version !== undefined ? { version } : {}), ...releaseRuntimeOf(pkg) };
}
