/**
 * The link port: what the Device needs from a connection to the backend. MqttLink implements it
 * over a broker; tests and the fleet benchmark may plug in others.
 */
import type { DeviceEvent, DeviceStatus } from './contract.js';
import type { InboundTopic } from './topics.js';

export interface InboundMessage {
  readonly topic: InboundTopic;
  readonly payload: Buffer;
  /** The broker marked this delivery as a redelivery (MQTT DUP flag). */
  readonly dup: boolean;
}

export interface LinkHandlers {
  /** Handle one message; the link acknowledges it (QoS 1 PUBACK) when the promise settles. */
  message(m: InboundMessage): Promise<void>;
  /** Connected (again); called before any message of the new connection is handed over. */
  online(): void;
  /** The connection was lost (or the broker was silent past the keepalive). */
  offline(): void;
}

export interface DeviceLink {
  start(handlers: LinkHandlers): void;
  /** Queue an event (QoS 1); events raised while offline are sent after reconnecting. */
  publishEvent(event: DeviceEvent): void;
  /** Set the retained status; it is published now if connected and again on every reconnect. */
  setStatus(status: Omit<DeviceStatus, 'online'>): void;
  /** Publish `online: false`, disconnect and stop reconnecting. */
  close(): Promise<void>;
}
