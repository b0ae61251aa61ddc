/**
 * Signing on the operator's side: update jobs (release key) and desired configuration (fleet key).
 * The kid is the RFC 7638 thumbprint of the public key unless given.
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { TillqrError } from '../../core/errors.js';
import { desiredConfigSchema, updateJobSchema, type DesiredConfigDoc, type UpdateJob } from '../../link/contract-fleet.js';
import { b64urlDecode, signCompact } from '../../payment/jws.js';
import { parseEd25519PrivateKey, thumbprintKid } from '../../payment/keys.js';
import { gzipMemberAt, sha256Split } from '../installer.js';
import { readArtifactInfo } from './artifact-info.js';

export interface SigningKey {
  readonly key: KeyObject;
  readonly kid: string;
}

export async function loadSigningKey(path: string, kid?: string): Promise<SigningKey> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (e) {
    throw new TillqrError('USAGE', `cannot read the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const key = parseEd25519PrivateKey(pem);
  return { key, kid: kid ?? thumbprintKid(key) };
}

export interface JobSpec {
  readonly version: string;
  readonly from: readonly string[];
  readonly url?: string;
  readonly stream?: string;
  readonly rollback?: boolean;
  readonly aud?: readonly string[];
  readonly ttlSec: number;
  readonly jobId?: string;
  readonly nowSec?: number;
}

/** Build and sign an update job for an artifact file (size and SHA-256 computed here). */
export async function signJob(artifact: string, spec: JobSpec, k: SigningKey): Promise<{ token: string; job: UpdateJob }> {
  const size = await stat(artifact).then(
    (st) => st.size,
    (e: unknown) => {
      throw new TillqrError('USAGE', `cannot read the artifact ${artifact}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    },
  );
  // The artifact's own arch and runtime go into the signed job: a device that cannot run it refuses before downloading.
  const info = await readArtifactInfo(artifact);
  if (info.version !== undefined && info.arch !== undefined && info.version !== spec.version) {
    throw new TillqrError('USAGE', `--version ${spec.version}: the artifact is release ${info.version}`);
  }
  // A split artifact (decision 0009): its package.json names the runtime member, the last `bytes`
  // bytes; the job signs both members' SHA-256 and where they meet, so a device that has the
  // runtime fetches the application member only.
  const rt = info.runtime;
  const part = rt?.kind === 'bundled' ? rt.part : undefined;
  const appSize = part !== undefined ? size - part.bytes : size;
  const sums = await sha256Split(artifact, appSize);
  if (part !== undefined && (appSize <= 0 || sums.tail !== part.sha256 || !(await gzipMemberAt(artifact, appSize))))
    throw new TillqrError(
      'USAGE',
      `${artifact}: its last ${part.bytes} bytes are not the runtime member its package.json names (${part.id}, SHA-256 ${part.sha256}); rebuild it with npm run release`,
    );
  const sha256 = sums.whole;
  const runtime =
    rt === undefined
      ? undefined
      : rt.kind === 'bundled'
        ? { kind: rt.kind, node: rt.node, nodeAbi: rt.nodeAbi, ...(part !== undefined ? { id: part.id, sha256: part.sha256 } : {}) }
        : rt;
  const iat = spec.nowSec ?? Math.floor(Date.now() / 1000);
  const body = {
    typ: 'update',
    jobId: spec.jobId ?? `${spec.version}-${randomUUID().slice(0, 8)}`,
    version: spec.version,
    from: [...spec.from],
    size,
    sha256,
    ...(spec.url !== undefined ? { url: spec.url } : {}),
    ...(spec.stream !== undefined ? { stream: spec.stream } : {}),
    rollback: spec.rollback ?? false,
    ...(info.arch !== undefined ? { arch: info.arch } : {}),
    ...(runtime !== undefined ? { runtime } : {}),
    ...(part !== undefined ? { app: { size: appSize, sha256: sums.head } } : {}),
    ...(spec.aud !== undefined ? { aud: [...spec.aud] } : {}),
    iat,
    exp: iat + spec.ttlSec,
  };
  const r = updateJobSchema.safeParse(body);
  if (!r.ok) throw new TillqrError('USAGE', `the job is not valid:\n${r.issues.map((i) => `  ${i.message}`).join('\n')}`);
  return { token: signCompact(JSON.stringify(body), k.key, { kid: k.kid }), job: r.value };
}

export function signDesiredConfig(
  target: string,
  version: number,
  config: Record<string, unknown>,
  k: SigningKey,
  nowSec = Math.floor(Date.now() / 1000),
): string {
  const body = { typ: 'config', target, version, iat: nowSec, config };
  const r = desiredConfigSchema.safeParse(body);
  if (!r.ok) throw new TillqrError('USAGE', `the document is not valid:\n${r.issues.map((i) => `  ${i.message}`).join('\n')}`);
  const doc: DesiredConfigDoc = r.value;
  return signCompact(JSON.stringify(doc), k.key, { kid: k.kid });
}

/** Read a job's payload without verifying it (the operator's own file; devices verify). */
export function peekJob(token: string): UpdateJob {
  const part = token.trim().split('.')[1];
  const bytes = part === undefined ? undefined : b64urlDecode(part);
  let body: unknown;
  try {
    body = bytes === undefined ? undefined : JSON.parse(bytes.toString('utf8'));
  } catch {
    body = undefined;
  }
  const r = updateJobSchema.safeParse(body);
  if (!r.ok) throw new TillqrError('USAGE', 'the file is not a signed update job (tillqr fleet release sign makes one)');
  return r.value;
}
