/**
 * One typed error for the whole daemon. Codes are grouped by subsystem (the prefix before the
 * first underscore) and map to console replies, MQTT events and process exit codes.
 */
export const ERROR_CODES = {
  // config
  CONFIG_INVALID: 'the configuration does not match the schema',
  CONFIG_UNREADABLE: 'the configuration file cannot be read or parsed',
  CONFIG_UNKNOWN_KEY: 'no such configuration key',
  CONFIG_NEWER: 'the configuration file was written by a newer release: only the keys this release knows are used',
  // store
  STORE_WRITE_FAILED: 'a file could not be written atomically',
  STORE_READ_FAILED: 'a persisted file could not be read',
  STORE_CORRUPT: 'a persisted file does not parse',
  // emv / money
  EMV_MALFORMED: 'the payload is not a well-formed EMV TLV string',
  EMV_CRC_MISMATCH: 'the payload CRC does not match its contents',
  EMV_INVALID_FIELD: 'a field value breaks the EMV MPM rules',
  MONEY_INVALID: 'an amount or currency is not valid',
  // signed messages
  JWS_MALFORMED: 'not a JWS compact serialization',
  JWS_BAD_SIGNATURE: 'the signature does not verify',
  JWS_UNKNOWN_KID: 'the key id is not trusted',
  JWS_BAD_KEY: 'a key is not a usable Ed25519 key',
  // display
  PANEL_BUSY_TIMEOUT: 'the panel BUSY line did not release in time',
  PANEL_UNKNOWN: 'no such panel id',
  PANEL_IO: 'the panel could not be written',
  PANEL_FRAME_SIZE: 'the frame does not match the panel size',
  PANEL_NOT_FOUND: 'the panel device was not found',
  PANEL_UNAVAILABLE: 'the panel could not be opened (no SPI device, driver or framebuffer); retried with back-off',
  QR_TOO_LARGE: 'the payload cannot be drawn scannably on this panel',
  FONTS_MISSING: 'font files the renderer needs are not installed',
  AMOUNT_UNSHOWABLE: 'the amount cannot be drawn whole on this panel in this mounting and language',
  // gpio / signals
  GPIO_BUSY: 'the GPIO line is already in use',
  GPIO_PERMISSION: 'no permission to use GPIO',
  GPIO_NO_LINE: 'no such GPIO line',
  GPIO_UNAVAILABLE: 'sysfs GPIO is not available on this kernel',
  GPIO_IO: 'a GPIO line could not be read or written',
  PWM_UNAVAILABLE: 'no PWM channel available',
  PWM_IO: 'a PWM channel could not be configured',
  PWM_SHARED_WITH_AUDIO: "the passive buzzer's PWM block also drives the audio jack (Pi 3 with dtparam=audio=on)",
  // voice
  AUDIO_UNAVAILABLE: 'a program the voice needs (espeak-ng, aplay) is not installed',
  AUDIO_ENGINE: 'the speech engine could not say the phrase',
  AUDIO_DEVICE: 'the audio device (ALSA PCM voice.device) could not play',
  AUDIO_BAD_WAV: 'a sound file is not a 16-bit PCM WAV',
  // link
  LINK_MALFORMED: 'an MQTT message does not match its schema',
  LINK_TOO_LARGE: 'an MQTT message is larger than the limit',
  LINK_NOT_CONNECTED: 'the broker is not reachable',
  LINK_TIMEOUT: 'no answer arrived in time',
  // console
  CONSOLE_BAD_COMMAND: 'unknown or malformed console command',
  CONSOLE_LOCKED: 'the console is locked; a passphrase is needed',
  CONSOLE_LINE_TOO_LONG: 'the line is longer than the console accepts',
  CONSOLE_BAD_INPUT: 'the input is not valid UTF-8 text',
  CONSOLE_AUTH_FAILED: 'wrong technician passphrase',
  CONSOLE_LOCKED_OUT: 'too many wrong passphrases; wait before trying again',
  CONSOLE_BUSY: 'input arrived faster than the console handles it and was dropped',
  CONSOLE_PORT: 'the serial port could not be opened or was lost',
  CONSOLE_TIMEOUT: 'the device did not answer in time',
  CONSOLE_NEEDS_CONFIRM: 'the command must be confirmed',
  CONSOLE_TEST_FAILED: 'a device test (broker, display, LED, buzzer) failed',
  PROVISION_INVALID: 'the provisioning bundle is not valid',
  NETWORK_UNAVAILABLE: 'NetworkManager (nmcli) is not available',
  NETWORK_FAILED: 'the Wi-Fi network could not be joined',
  // fleet
  UPDATE_REJECTED: 'the update job was refused',
  UPDATE_FAILED: 'the update could not be installed',
  // simulator
  SIM_PORT_IN_USE: 'a port the simulator needs is already in use',
  // generic
  INTERNAL: 'an internal error',
  USAGE: 'the command was used wrongly',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export type ErrorContext = Readonly<Record<string, unknown>>;

export class TillqrError extends Error {
  override readonly name = 'TillqrError';
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message?: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.code = code;
    this.context = context;
  }

  /** The subsystem is the code's prefix, e.g. `PANEL` for `PANEL_BUSY_TIMEOUT`. */
  get subsystem(): string {
    return this.code.split('_', 1)[0] ?? 'INTERNAL';
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isTillqrError(e: unknown, code?: ErrorCode): e is TillqrError {
  return e instanceof TillqrError && (code === undefined || e.code === code);
}

/** Any thrown value as a TillqrError, keeping a TillqrError as it is. */
export function toTillqrError(e: unknown, code: ErrorCode = 'INTERNAL'): TillqrError {
  if (e instanceof TillqrError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new TillqrError(code, message, {}, { cause: e });
}

/** sysexits(3) codes the CLI and daemon exit with. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 64,
  DATAERR: 65,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  IOERR: 74,
  CONFIG: 78,
} as const;

export function exitCodeFor(e: TillqrError): number {
  switch (e.subsystem) {
    case 'CONFIG':
      return EXIT.CONFIG;
    case 'USAGE':
      return EXIT.USAGE;
    case 'STORE':
      return EXIT.IOERR;
    case 'EMV':
    case 'MONEY':
    case 'JWS':
      return EXIT.DATAERR;
    case 'LINK':
    case 'FONTS':
    case 'AUDIO':
      return EXIT.UNAVAILABLE;
    default:
      return EXIT.SOFTWARE;
  }
}
