/**
 * docs/protocol.md answers what an integrator in another language must know: every section it
 * points to exists, the byte order of the stream/data header length, that config/desired and
 * update are compact JWS (and their header), and the bounds of every number in the tables.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GENERATED_BEGIN } from '../../../src/link/protocol-doc.js';

const doc = await readFile(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

describe('docs/protocol.md has no gaps', () => {
  it('every section it refers to ("see ... above/below") exists', () => {
    const headings = new Set([...doc.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]?.trim()));
    const refs = [...doc.matchAll(/see "([^"]+)" (above|below)/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(headings, r).toContain(r);
    expect(doc).not.toContain('the fleet section above');
  });

  it('states the stream/data frame layout with its byte order, and that fleet documents are compact JWS with their header', () => {
    const prose = doc.slice(0, doc.indexOf(GENERATED_BEGIN));
    expect(prose).toMatch(/big-endian \(network byte order\) unsigned 16-bit\*\* header\s+length/);
    expect(prose).toMatch(/`config\/desired` \(device and group\) and `update` payloads are compact JWS/);
    expect(prose).toContain('{"alg":"EdDSA","kid":"<kid>"}');
  });

  it('gives the bounds of every number in the field tables', () => {
    const rows = doc
      .slice(doc.indexOf(GENERATED_BEGIN))
      .split('\n')
      .filter((l) => /^\| `[^`]+` \| (yes|no) \|/.test(l));
    const numeric = rows.filter((l) => /whole number|Unix time|minor units/.test(l.split('|')[3] ?? ''));
    expect(numeric.length).toBeGreaterThan(10);
    // An upper bound, not only "at least 0".
    for (const row of numeric) expect(row.split('|')[3], row).toMatch(/\b(to|at most) \d/);
  });
});
