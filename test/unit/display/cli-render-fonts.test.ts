/**
 * `tillqr render` without the fonts it needs refuses (exit 69 through the CLI) instead of
 * writing a picture whose text is boxes; the daemon raises a `fonts` fault instead.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../../src/cli/io.js';
import { run } from '../../../src/cli/render.js';
import { EXIT, exitCodeFor, TillqrError } from '../../../src/core/errors.js';
import { defaultFontFiles, missingFonts } from '../../../src/display/render/fonts/font-files.js';

const dir = mkdtempSync(join(tmpdir(), 'tillqr-nofonts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tillqr render without fonts', () => {
  it('refuses with FONTS_MISSING naming the Debian packages, and writes nothing', async () => {
    const io = captureIo({ TILLQR_FONT_ROOT: dir }, dir);
    const err = await run(['--panel', 'waveshare-2in9-v2', '--screen', 'charge', '--amount', '1200', '--currency', 'JPY', '--out', 'x.png'], io).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TillqrError);
    const e = err as TillqrError;
    expect(e.code).toBe('FONTS_MISSING');
    expect(e.message).toMatch(/apt-get install unifont/);
    expect(e.message).toMatch(/apt-get install fonts-dejavu-core/);
    expect(exitCodeFor(e)).toBe(EXIT.UNAVAILABLE);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  it('finds the fonts at their Debian places under a root', () => {
    expect(missingFonts(defaultFontFiles('/'))).toEqual([]); // test:deps installs them here
    expect(missingFonts(defaultFontFiles(dir))).toHaveLength(2);
  });
});
