/**
 * What the fleet agent needs from the rest of the daemon. src/main.ts wires these; tests and the
 * fleet benchmark plug in small ones.
 */

/** Exit code the daemon uses when it wants systemd to start it again (a new release, a restart-only config key). EX_TEMPFAIL. */
export const RESTART_EXIT_CODE = 75;

export interface FleetHealth {
  /** The payment link is connected to the broker. */
  readonly brokerConnected: boolean;
  /** The display has drawn at least one frame since start. */
  readonly displayDrawn: boolean;
}

export interface FleetHost {
  /** The version of the running code (package.json of the release). */
  readonly version: string;
  /** A sale is on screen (charge pending or a result still shown): no update may start. */
  saleActive(): boolean;
  /** Call `cb` each time the device becomes idle; returns an unsubscribe function. */
  onIdle(cb: () => void): () => void;
  health(): FleetHealth;
  /**
   * Stop in order and exit with RESTART_EXIT_CODE so systemd starts the daemon again (the
   * `current` release link may have changed). Called only while no sale is active.
   */
  restart(reason: string): void;
}

export interface FleetChannelHandlers {
  message(topic: string, payload: Buffer): void;
  online(): void;
  offline(): void;
}

/** The fleet agent's MQTT traffic: a fixed set of subscriptions (renewed on every connect) and publishes. */
export interface FleetChannel {
  start(subscriptions: readonly string[], handlers: FleetChannelHandlers): void;
  /** Publish at QoS 1; while offline the message is queued and sent after reconnecting. */
  publish(topic: string, payload: string | Buffer, opts: { retain: boolean }): void;
  readonly connected: boolean;
  close(): Promise<void>;
}
