/**
 * device/install.sh with VOICE=<output> (into a fake root): the output's config.txt line lands
 * after an [all] so every model applies it, espeak-ng and alsa-utils are installed and the service
 * user joins `audio`; `jack` warns that a passive buzzer shares the jack's PWM block; without VOICE
 * nothing of this happens; an unknown output is refused.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeArtifact, tempDir } from '../fleet/fleet-kit.js';

const run = promisify(execFile);
const SCRIPT = new URL('../../../device/install.sh', import.meta.url).pathname;

let artifact = '';
beforeAll(async () => {
  artifact = await makeArtifact('1.5.0');
});

/** Settings the firmware applies on a Pi Zero 2 W (filters pi0, pi0w, pi02) and on a Pi 5. */
function applied(text: string, filters: readonly string[]): string[] {
  let active = true;
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = /^\[(.+)\]$/.exec(line);
    if (f) active = f[1] === 'all' || filters.includes(f[1] ?? '');
    else if (active) out.push(line);
  }
  return out;
}

async function install(voice: string | undefined): Promise<{ config: string; skipped: string; stdout: string }> {
  const root = await tempDir('tillqr-root-voice-');
  await mkdir(join(root, 'boot/firmware'), { recursive: true });
  await writeFile(join(root, 'boot/firmware/config.txt'), '[pi4]\ndtoverlay=vc4-kms-v3d\n');
  const env: NodeJS.ProcessEnv = { ...process.env, ROOT: root };
  if (voice !== undefined) env['VOICE'] = voice;
  else delete env['VOICE'];
  const { stdout } = await run('bash', [SCRIPT, artifact], { env });
  return {
    config: await readFile(join(root, 'boot/firmware/config.txt'), 'utf8'),
    skipped: await readFile(join(root, 'install-skipped.log'), 'utf8'),
    stdout,
  };
}

describe('install.sh VOICE=', () => {
  it('max98357a: the overlay on every model, the packages and the audio group', async () => {
    const r = await install('max98357a');
    for (const filters of [['pi0', 'pi0w', 'pi02'], ['pi5'], ['pi4']]) expect(applied(r.config, filters)).toContain('dtoverlay=max98357a');
    expect(r.skipped).toContain('apt-get install -y --no-install-recommends espeak-ng alsa-utils');
    expect(r.skipped).toContain('usermod -a -G audio tillqr');
  });

  it('hifiberry-dac: its overlay on every model', async () => {
    const r = await install('hifiberry-dac');
    for (const filters of [['pi0', 'pi0w', 'pi02'], ['pi5'], ['pi4']]) expect(applied(r.config, filters)).toContain('dtoverlay=hifiberry-dac');
    expect(r.config).not.toMatch(/max98357a|audio=on/);
    expect(r.stdout).not.toMatch(/share one PWM block/);
  });

  it('jack: the analogue audio on, and a warning that it shares the PWM block with a passive buzzer', async () => {
    const r = await install('jack');
    for (const filters of [['pi3'], ['pi4']]) expect(applied(r.config, filters)).toContain('dtparam=audio=on');
    expect(r.stdout).toMatch(/VOICE=jack: on a Pi 3 the jack and a passive buzzer share one PWM block; use an active buzzer \(docs\/hardware.md\)/);
    expect(r.skipped).toContain('usermod -a -G audio tillqr');
  });

  it('usb: packages and group, no config.txt line', async () => {
    const r = await install('usb');
    expect(r.config).not.toMatch(/max98357a|hifiberry|audio=on/);
    expect(r.skipped).toContain('usermod -a -G audio tillqr');
  });

  it('unset: no sound lines, no speech packages', async () => {
    const r = await install(undefined);
    expect(r.config).not.toMatch(/max98357a|hifiberry|audio=on/);
    expect(r.skipped).not.toContain('espeak-ng');
    expect(r.skipped).not.toContain('-G audio');
  });

  it('an unknown output is refused with the list', async () => {
    const err = await install('bluetooth').catch((e: unknown) => e as { code: number; stderr: string });
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toMatch(/VOICE=bluetooth: use max98357a, hifiberry-dac, jack or usb/);
  });
});
