/**
 * device/install.sh on synthetic /boot/firmware/config.txt files, read back the way the firmware
 * reads them: a model filter ([pi4], [cm4], [pi5], ...) applies to the lines after it until the
 * next filter, and [all] resets. Filters and the models they match from raspberrypi/documentation
 * documentation/asciidoc/computers/config_txt/conditional.adoc ([pi3] also matches 3B+ and CM3,
 * [pi4] also 400 and CM4, [pi5] also 500 and CM5, [pi0] also Zero W and Zero 2 W).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeArtifact, tempDir } from './fleet-kit.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const SCRIPT = join(REPO, 'device/install.sh');

/** The filters each model matches. */
const MODEL_FILTERS = {
  'Pi 3 Model B': ['pi3'],
  'Pi 3 Model B+': ['pi3', 'pi3+'],
  'Pi Zero 2 W': ['pi0', 'pi0w', 'pi02'],
  'Pi 4 Model B': ['pi4'],
  'Compute Module 4': ['pi4', 'cm4'],
  'Pi 5': ['pi5'],
} as const;
type Model = keyof typeof MODEL_FILTERS;

/** The settings a model applies from a config.txt (comments and blank lines dropped). */
function applied(text: string, model: Model): string[] {
  const filters: readonly string[] = MODEL_FILTERS[model];
  let active = true;
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = /^\[(.+)\]$/.exec(line);
    if (f) {
      active = f[1] === 'all' || filters.includes(f[1] ?? '');
      continue;
    }
    if (active) out.push(line);
  }
  return out;
}

async function installOn(configTxt: string): Promise<string> {
  const root = await tempDir('tillqr-root-');
  await mkdir(join(root, 'boot/firmware'), { recursive: true });
  await writeFile(join(root, 'boot/firmware/config.txt'), configTxt);
  await run('bash', [SCRIPT, artifact], { env: { ...process.env, ROOT: root } });
  return readFile(join(root, 'boot/firmware/config.txt'), 'utf8');
}

let artifact = '';
beforeAll(async () => {
  artifact = await makeArtifact('1.5.0');
});

/** The tail of Raspberry Pi OS Bookworm/Trixie's own config.txt: it ends in a model section. */
const PI_OS_TAIL =
  '# Enable DRM VC4 V3D driver\ndtoverlay=vc4-kms-v3d\nmax_framebuffers=2\narm_64bit=1\n\n[cm4]\notg_mode=1\n\n[cm5]\ndtoverlay=dwc2,dr_mode=host\n\n[all]\n';

describe('device/install.sh: the config.txt block on every model', () => {
  it('a file that ends in [pi4] does not confine the block to the Pi 4', async () => {
    const cfg = await installOn('dtparam=audio=on\n[pi4]\narm_boost=1\n');
    for (const model of ['Pi 3 Model B', 'Pi Zero 2 W', 'Pi 5'] as const) {
      const got = applied(cfg, model);
      expect(got, model).toEqual(expect.arrayContaining(['dtparam=spi=on', 'dtoverlay=pwm,pin=13,func=4']));
      expect(got, model).not.toContain('arm_boost=1'); // the owner's [pi4] line stays a Pi 4 line
    }
    expect(applied(cfg, 'Pi 4 Model B')).toEqual(expect.arrayContaining(['arm_boost=1', 'dtparam=spi=on']));
  });

  it('USB gadget mode only on the Zero 2 W: a Pi 3B/3B+ keeps its USB ports and Ethernet', async () => {
    const cfg = await installOn('dtparam=audio=on\n[pi4]\narm_boost=1\n');
    const gadget = 'dtoverlay=dwc2,dr_mode=peripheral';
    expect(applied(cfg, 'Pi Zero 2 W')).toContain(gadget);
    for (const model of ['Pi 3 Model B', 'Pi 3 Model B+', 'Pi 4 Model B', 'Pi 5'] as const) expect(applied(cfg, model), model).not.toContain(gadget);
  });

  it('Pi 5: UART0 on the header is turned on (dtparam=uart0=on), other models keep enable_uart=1 only', async () => {
    const cfg = await installOn(PI_OS_TAIL);
    expect(applied(cfg, 'Pi 5')).toEqual(expect.arrayContaining(['dtparam=uart0=on', 'enable_uart=1']));
    for (const model of ['Pi 3 Model B', 'Pi Zero 2 W', 'Pi 4 Model B'] as const) expect(applied(cfg, model), model).not.toContain('dtparam=uart0=on');
    // The image's own CM lines keep their filters.
    expect(applied(cfg, 'Compute Module 4')).toContain('otg_mode=1');
    expect(applied(cfg, 'Pi 3 Model B')).not.toContain('otg_mode=1');
  });

  it('lines the owner adds after the block apply to every model again, and a second run changes nothing', async () => {
    const first = await installOn('[cm4]\notg_mode=1\n');
    const withTail = `${first}dtparam=i2c_arm=on\n`;
    const root = await tempDir('tillqr-root-');
    await mkdir(join(root, 'boot/firmware'), { recursive: true });
    await writeFile(join(root, 'boot/firmware/config.txt'), withTail);
    await run('bash', [SCRIPT, artifact], { env: { ...process.env, ROOT: root } });
    const again = await readFile(join(root, 'boot/firmware/config.txt'), 'utf8');
    expect(again).toBe(withTail);
    for (const model of Object.keys(MODEL_FILTERS) as Model[]) expect(applied(again, model), model).toContain('dtparam=i2c_arm=on');
    const block = again.slice(again.indexOf('# BEGIN tillqr'), again.indexOf('# END tillqr'));
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines[0]).toBe('[all]');
    expect(lines.at(-1)).toBe('[all]');
  });
});
