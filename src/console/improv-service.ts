/**
 * The device side of Improv Wi-Fi Serial: answers RPC commands (current state, device info,
 * Wi-Fi settings, network scan) one at a time. Joining or scanning needs an unlocked console
 * (an unprovisioned device, or a technician logged in on this port); while locked the state is
 * reported as "stopped" and those commands fail with the "unknown error" code.
 */
import { toTillqrError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import {
  ImprovError,
  ImprovState,
  PacketType,
  RpcCommand,
  decodePacket,
  decodeRpc,
  decodeWifiSettings,
  encodeError,
  encodeRpcResult,
  encodeState,
  type ImprovStateValue,
} from './improv-codec.js';
import { rssiFromSignal, wifiConnected, type Network } from './network.js';

export interface DeviceInfo {
  readonly firmware: string;
  readonly version: string;
  readonly hardware: string;
  readonly name: string;
}

export interface ImprovServiceOptions {
  readonly network: Network;
  readonly logger: Logger;
  /** May Wi-Fi be changed from this port now? */
  readonly unlocked: () => boolean;
  readonly deviceInfo: () => DeviceInfo;
  /** Write one packet (the writer starts it on a fresh line and ends it with a newline). */
  readonly send: (packet: Uint8Array) => void;
}

const clip = (s: string, bytes: number): string => {
  let out = s;
  while (Buffer.byteLength(out, 'utf8') > bytes) out = out.slice(0, -1);
  return out;
};

export class ImprovService {
  readonly #o: ImprovServiceOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(opts: ImprovServiceOptions) {
    this.#o = opts;
  }

  /** Handle one framed packet (from the demultiplexer); resolves when it has been answered. */
  handle(bytes: Uint8Array): Promise<void> {
    const run = (): Promise<void> => this.#handle(bytes).catch((e: unknown) => this.#o.logger.warn('improv request failed', { error: e }));
    this.#queue = this.#queue.then(run, run);
    return this.#queue;
  }

  async #handle(bytes: Uint8Array): Promise<void> {
    const { send } = this.#o;
    const decoded = decodePacket(bytes);
    if (!decoded.ok) {
      this.#o.logger.debug(() => `improv: bad packet (${decoded.reason})`);
      send(encodeError(ImprovError.InvalidRpc));
      return;
    }
    if (decoded.packet.type !== PacketType.Rpc) return;
    const rpc = decodeRpc(decoded.packet.data);
    if (rpc === undefined) {
      send(encodeError(ImprovError.InvalidRpc));
      return;
    }
    send(encodeError(ImprovError.None));
    switch (rpc.command) {
      case RpcCommand.RequestState: {
        const state = await this.#state();
        send(encodeState(state));
        if (state === ImprovState.Provisioned) send(encodeRpcResult(RpcCommand.RequestState, []));
        return;
      }
      case RpcCommand.RequestInfo: {
        const i = this.#o.deviceInfo();
        send(encodeRpcResult(RpcCommand.RequestInfo, [clip(i.firmware, 40), clip(i.version, 40), clip(i.hardware, 80), clip(i.name, 64)]));
        return;
      }
      case RpcCommand.SendWifi:
        await this.#wifi(rpc.payload);
        return;
      case RpcCommand.RequestScan:
        await this.#scan();
        return;
      default:
        send(encodeError(ImprovError.UnknownRpc));
    }
  }

  async #state(): Promise<ImprovStateValue> {
    if (!this.#o.unlocked()) return ImprovState.Stopped;
    try {
      return wifiConnected(await this.#o.network.status()) ? ImprovState.Provisioned : ImprovState.Ready;
    } catch {
      return ImprovState.Ready;
    }
  }

  async #wifi(payload: Uint8Array): Promise<void> {
    const { send, logger } = this.#o;
    if (!this.#o.unlocked()) {
      send(encodeError(ImprovError.Unknown));
      return;
    }
    const settings = decodeWifiSettings(payload);
    if (settings === undefined) {
      send(encodeError(ImprovError.InvalidRpc));
      return;
    }
    send(encodeState(ImprovState.Provisioning));
    try {
      await this.#o.network.connectWifi(settings.ssid, settings.password === '' ? undefined : settings.password);
      logger.info('audit', { actor: 'improv', action: 'wifi', ssid: settings.ssid });
      send(encodeState(ImprovState.Provisioned));
      send(encodeRpcResult(RpcCommand.SendWifi, []));
    } catch (e) {
      logger.warn('improv: could not join the Wi-Fi network', { ssid: settings.ssid, error: toTillqrError(e).message });
      send(encodeError(ImprovError.UnableToConnect));
      send(encodeState(ImprovState.Ready));
    }
  }

  async #scan(): Promise<void> {
    const { send } = this.#o;
    if (!this.#o.unlocked()) {
      send(encodeError(ImprovError.Unknown));
      return;
    }
    let list;
    try {
      list = await this.#o.network.scan();
    } catch {
      send(encodeError(ImprovError.Unknown));
      return;
    }
    for (const n of list.slice(0, 64)) {
      send(encodeRpcResult(RpcCommand.RequestScan, [clip(n.ssid, 32), String(rssiFromSignal(n.signal)), n.secured ? 'YES' : 'NO']));
    }
    send(encodeRpcResult(RpcCommand.RequestScan, []));
  }
}
