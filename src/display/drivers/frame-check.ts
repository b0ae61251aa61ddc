import { TillqrError } from '../../core/errors.js';
import type { Frame } from '../frame.js';
import type { PanelInfo } from '../panel.js';

/** Throw PANEL_FRAME_SIZE unless `frame` is exactly the panel's native size and fully backed by data. */
export function checkFrame(info: PanelInfo, frame: Frame): void {
  const stride = Math.ceil(info.width / 8);
  if (frame.width !== info.width || frame.height !== info.height || frame.stride !== stride || frame.data.length < stride * info.height) {
    throw new TillqrError(
      'PANEL_FRAME_SIZE',
      `frame is ${frame.width}x${frame.height} (stride ${frame.stride}, ${frame.data.length} bytes) but ${info.id} needs ${info.width}x${info.height} (stride ${stride})`,
      { panel: info.id, width: frame.width, height: frame.height, expectedWidth: info.width, expectedHeight: info.height },
    );
  }
}
