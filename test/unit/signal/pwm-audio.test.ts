import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pwmAudioFinding, readPwmAudioFinding } from '../../../src/signal/pwm-audio.js';

// /proc/asound/cards as the bcm2835 audio driver lists the jack (and HDMI) on Raspberry Pi OS.
const JACK_ON =
  ' 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0\n                      vc4-hdmi-0\n 2 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n                      bcm2835 Headphones\n';
const JACK_OFF = ' 0 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0\n                      vc4-hdmi-0\n';
const PI3 = 'Raspberry Pi 3 Model B Plus Rev 1.3\0';
const PI4 = 'Raspberry Pi 4 Model B Rev 1.5\0';

describe('the passive buzzer beside the audio jack', () => {
  it('is a fault on a Pi 3 with the jack on, naming the two ways out', () => {
    const f = pwmAudioFinding(PI3, JACK_ON, 'passive');
    expect(f?.severity).toBe('fault');
    expect(f?.message).toMatch(/^Raspberry Pi 3 Model B Plus Rev 1\.3: .*active buzzer.*dtparam=audio=off/);
    expect(pwmAudioFinding('Raspberry Pi Compute Module 3 Plus Rev 1.0', JACK_ON, 'passive')?.severity).toBe('fault');
  });

  it('is a warning on a Pi 4 or 400 (separate blocks, one clock)', () => {
    expect(pwmAudioFinding(PI4, JACK_ON, 'passive')?.severity).toBe('warning');
    expect(pwmAudioFinding('Raspberry Pi 400 Rev 1.1', JACK_ON, 'passive')?.severity).toBe('warning');
  });

  it('is nothing with the jack off, an active buzzer, a board without a jack, or off a Pi', () => {
    expect(pwmAudioFinding(PI3, JACK_OFF, 'passive')).toBeUndefined();
    expect(pwmAudioFinding(PI3, JACK_ON, 'active')).toBeUndefined();
    expect(pwmAudioFinding('Raspberry Pi Zero 2 W Rev 1.0', JACK_ON, 'passive')).toBeUndefined();
    expect(pwmAudioFinding('Raspberry Pi 5 Model B Rev 1.0', JACK_ON, 'passive')).toBeUndefined();
    expect(pwmAudioFinding(undefined, JACK_ON, 'passive')).toBeUndefined();
    expect(pwmAudioFinding(PI3, undefined, 'passive')).toBeUndefined();
  });

  it('reads the model and the card list from their files, and takes missing files for no finding', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-pwm-audio-'));
    await writeFile(join(dir, 'model'), PI3, 'latin1');
    await writeFile(join(dir, 'cards'), JACK_ON);
    expect((await readPwmAudioFinding('passive', { model: join(dir, 'model'), cards: join(dir, 'cards') }))?.severity).toBe('fault');
    expect(await readPwmAudioFinding('passive', { model: join(dir, 'model'), cards: join(dir, 'absent') })).toBeUndefined();
  });
});
