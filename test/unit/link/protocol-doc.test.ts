import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS, SIGNED_SCHEMAS, eventSchema, statusSchema } from '../../../src/link/contract.js';
import { EXAMPLES, GENERATED_BEGIN, GENERATED_END, renderProtocolReference, spliceGenerated } from '../../../src/link/protocol-doc.js';

const DOC = new URL('../../../docs/protocol.md', import.meta.url);

describe('docs/protocol.md', () => {
  it('contains exactly the reference generated from the contract', async () => {
    const doc = await readFile(DOC, 'utf8');
    const generated = renderProtocolReference();
    if (process.env.TILLQR_UPDATE_DOCS === '1') await writeFile(DOC, spliceGenerated(doc, generated));
    const current = process.env.TILLQR_UPDATE_DOCS === '1' ? await readFile(DOC, 'utf8') : doc;
    const a = current.indexOf(GENERATED_BEGIN);
    const b = current.indexOf(GENERATED_END);
    expect(a, 'docs/protocol.md lost its generated-part markers').toBeGreaterThanOrEqual(0);
    expect(
      current.slice(a, b + GENERATED_END.length + 1),
      'docs/protocol.md is out of date: run TILLQR_UPDATE_DOCS=1 npx vitest run test/unit/link/protocol-doc.test.ts',
    ).toBe(generated);
  });

  it('names every rejection reason in the prose too', async () => {
    const doc = await readFile(DOC, 'utf8');
    const prose = doc.slice(0, doc.indexOf(GENERATED_BEGIN));
    for (const reason of Object.keys(REJECT_REASONS)) if (reason !== 'internal') expect(prose, reason).toContain(`\`${reason}\``);
  });

  it('shows examples that the device would accept as well-formed', () => {
    expect(SIGNED_SCHEMAS.charge.safeParse(EXAMPLES.charge).ok).toBe(true);
    expect(SIGNED_SCHEMAS.cancel.safeParse(EXAMPLES.cancel).ok).toBe(true);
    expect(SIGNED_SCHEMAS.payment.safeParse(EXAMPLES.payment).ok).toBe(true);
    expect(eventSchema.safeParse(EXAMPLES.events).ok).toBe(true);
    expect(statusSchema.safeParse(EXAMPLES.status).ok).toBe(true);
  });

  it('would notice a drift: a changed contract renders differently', () => {
    const doc = `x\n\n${renderProtocolReference()}`;
    const drifted = doc.replace('`replayed`', '`replayed_twice`');
    expect(spliceGenerated(drifted, renderProtocolReference())).toBe(doc);
    expect(drifted).not.toBe(doc);
  });
});
