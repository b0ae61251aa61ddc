/**
 * The encoder alone (`qrcode/lib/core/qrcode.js`): the package's main entry also loads its PNG,
 * SVG and terminal renderers, and with them pngjs, zlib and assert, which the daemon never uses.
 */
declare module 'qrcode/lib/core/qrcode.js' {
  import type { create } from 'qrcode';
  const core: { create: typeof create };
  export default core;
}
