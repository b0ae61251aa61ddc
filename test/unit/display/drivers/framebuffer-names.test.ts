/**
 * Framebuffer names as the kernel makes them: fb_fix_screeninfo.id is 16 bytes with the NUL and DRM
 * fbdev emulation names it "<driver>drmfb" (raspberrypi/linux drivers/gpu/drm/drm_fb_helper.c,
 * drm_fb_helper_fill_info); driver names from drivers/gpu/drm/tiny/panel-mipi-dbi.c ("panel-mipi-dbi"),
 * drivers/gpu/drm/vc4 ("vc4"), drivers/gpu/drm/rp1/rp1-dpi ("drm-rp1-dpi"), drivers/gpu/drm/tiny/simpledrm.c
 * ("simpledrm"); fbtft uses its driver name ("fb_ili9341").
 */
import { describe, expect, it } from 'vitest';
import { drmFbName, pickFbDevice, type FbDevice } from '../../../../src/display/drivers/framebuffer-sysfs.js';
import { PANELS } from '../../../../src/display/panels.js';

const fb = (index: number, name: string, xres: number, yres: number): FbDevice => ({
  index,
  name,
  xres,
  yres,
  bitsPerPixel: 16,
  stride: xres * 2,
  devPath: `/dev/fb${index}`,
  sysPath: `/sys/class/graphics/fb${index}`,
});

describe('framebuffer names from the kernel', () => {
  it('DRM names are cut to 15 characters', () => {
    expect(drmFbName('panel-mipi-dbi')).toBe('panel-mipi-dbid');
    expect(drmFbName('vc4')).toBe('vc4drmfb');
    expect(drmFbName('simpledrm')).toBe('simpledrmdrmfb');
    expect(drmFbName('drm-rp1-dpi')).toBe('drm-rp1-dpidrmf');
  });

  it('finds panel-mipi-dbi under its real (cut) name beside HDMI, even when sizes do not single it out', () => {
    const info = PANELS['lcd-320x240'];
    expect(pickFbDevice([fb(0, 'vc4drmfb', 320, 240), fb(1, 'panel-mipi-dbid', 320, 240)], info).index).toBe(1);
  });

  it('never takes simpledrm (the firmware framebuffer handed over at boot) for the LCD', () => {
    const info = PANELS['lcd-320x240'];
    expect(pickFbDevice([fb(0, 'simpledrmdrmfb', 320, 240), fb(1, 'fb_ili9341', 320, 240)], info).index).toBe(1);
    expect(() => pickFbDevice([fb(0, 'simpledrmdrmfb', 320, 240)], info)).toThrow(/no framebuffer for lcd-320x240/);
  });

  it('never takes a DPI panel (vc4 on a Pi 4, RP1 DPI on a Pi 5) for the SPI LCD', () => {
    const info = PANELS['lcd-480x320'];
    expect(() => pickFbDevice([fb(0, 'vc4drmfb', 480, 320)], info)).toThrow(/PANEL_NOT_FOUND|no framebuffer/);
    expect(() => pickFbDevice([fb(0, 'drm-rp1-dpidrmf', 480, 320)], info)).toThrow(/no framebuffer/);
  });

  it('an unknown driver of exactly the panel size is still taken when it is the only candidate', () => {
    const info = PANELS['lcd-240x240'];
    expect(pickFbDevice([fb(0, 'vc4drmfb', 1920, 1080), fb(1, 'newpaneldrmfb', 240, 240)], info).index).toBe(1);
  });
});
