/**
 * The console's port: the real `serialport` package (8N1 at the configured speed) behind a
 * small interface, so the console can be driven by anything that moves bytes. Writes are
 * dropped, not queued without end, when the other side stops reading.
 */
import type { SerialPort as SerialPortClass } from 'serialport';
import { TillqrError } from '../core/errors.js';

/** The `serialport` package (and its native binding) loads when the first port opens, not at import. */
const loadSerialPort = async (): Promise<typeof SerialPortClass> => (await import('serialport')).SerialPort;

export interface ConsolePort {
  /** Queue bytes; returns false when they were dropped because too much is still queued. */
  write(bytes: Uint8Array): boolean;
  /** Resolves when queued bytes have been handed to the OS. */
  drain(): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the port goes away (unplugged, closed); `error` when it was lost. */
  onClose(listener: (error: Error | undefined) => void): void;
}

export type PortOpener = (path: string, baudRate: number) => Promise<ConsolePort>;

export interface SerialPortOptions {
  /** Bytes allowed to wait in the write queue; more are dropped. */
  readonly maxQueuedBytes?: number;
}

export function serialPortOpener(opts: SerialPortOptions = {}): PortOpener {
  const maxQueued = opts.maxQueuedBytes ?? 256 * 1024;
  return async (path, baudRate) => {
    const SerialPort = await loadSerialPort();
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false, hupcl: false });
      let closed = false;
      const closeListeners: ((e: Error | undefined) => void)[] = [];
      const fireClose = (e: Error | undefined): void => {
        if (closed) return;
        closed = true;
        for (const l of closeListeners) l(e);
      };
      port.on('error', (e: Error) => fireClose(e));
      port.on('close', (e: Error | null | undefined) => fireClose(e ?? undefined));
      port.open((err) => {
        if (err) {
          reject(new TillqrError('CONSOLE_PORT', `cannot open ${path}: ${err.message}`, { path }, { cause: err }));
          return;
        }
        resolve({
          write(bytes) {
            if (closed || !port.isOpen || port.writableLength > maxQueued) return false;
            port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
            return true;
          },
          drain: () =>
            new Promise((res) => {
              if (closed || !port.isOpen) {
                res();
                return;
              }
              port.drain(() => res());
            }),
          close: () =>
            new Promise((res) => {
              if (!port.isOpen) {
                fireClose(undefined);
                res();
                return;
              }
              port.close(() => {
                fireClose(undefined);
                res();
              });
            }),
          onData: (l) => port.on('data', (d: Buffer) => l(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))),
          onClose: (l) => void closeListeners.push(l),
        });
      });
    });
  };
}
