/**
 * An in-memory DeviceLink for unit tests of the Device: the test delivers messages and sees the
 * events and statuses the device publishes. Integration tests use MqttLink on a real broker.
 */
import type { DeviceEvent, DeviceStatus } from '../../src/link/contract.js';
import type { DeviceLink, LinkHandlers } from '../../src/link/link.js';
import type { InboundTopic } from '../../src/link/topics.js';

export class MemoryLink implements DeviceLink {
  readonly events: DeviceEvent[] = [];
  readonly statuses: Omit<DeviceStatus, 'online'>[] = [];
  handlers: LinkHandlers | undefined;
  closed = false;

  start(handlers: LinkHandlers): void {
    this.handlers = handlers;
  }

  publishEvent(event: DeviceEvent): void {
    this.events.push(event);
  }

  setStatus(status: Omit<DeviceStatus, 'online'>): void {
    this.statuses.push(status);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Deliver a message as the broker would; resolves when the device has handled it (PUBACK time). */
  deliver(topic: InboundTopic, payload: string | Buffer, dup = false): Promise<void> {
    if (this.handlers === undefined) throw new Error('the device has not started the link');
    return this.handlers.message({ topic, payload: typeof payload === 'string' ? Buffer.from(payload) : payload, dup });
  }

  online(): void {
    this.handlers?.online();
  }

  offline(): void {
    this.handlers?.offline();
  }
}
