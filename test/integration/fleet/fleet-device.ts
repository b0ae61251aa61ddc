/**
 * A device as systemd runs it, for tests that drive the fleet from the operator's side: a fleet
 * agent on a real broker with its own state dir and release root (release 1.0.0 installed by
 * hand). When the agent asks for a restart (a new release, a rollback, a restart-only key) the
 * agent stops, the boot check runs, and a new agent starts on the release `current` points at.
 */
import { silentLogger } from '../../../src/core/logger.js';
import { bootCheck } from '../../../src/fleet/boot-check.js';
import { ReleaseDir } from '../../../src/fleet/releases.js';
import { installFirst, startAgent, tempDir, TestHost, type DeviceSetup, type RunningAgent } from './fleet-kit.js';

/** A TestHost whose restart() hands over to the device (the daemon exits; systemd starts it again). */
class RestartingHost extends TestHost {
  readonly #onRestart: (reason: string) => void;

  constructor(version: string, onRestart: (reason: string) => void) {
    super(version);
    this.#onRestart = onRestart;
  }

  override restart(reason: string): void {
    super.restart(reason);
    this.#onRestart(reason);
  }
}

export type FleetDeviceSetup = Omit<DeviceSetup, 'stateDir' | 'releaseRoot'>;

export class FleetDevice {
  readonly setup: DeviceSetup;
  readonly releases: ReleaseDir;
  /** Every restart the agents asked for, in order. */
  readonly restarts: string[] = [];
  #agent: RunningAgent;
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(setup: DeviceSetup, agent: RunningAgent) {
    this.setup = setup;
    this.releases = new ReleaseDir(setup.releaseRoot);
    this.#agent = agent;
  }

  /** Install 1.0.0 in a fresh release root and start the agent. */
  static async start(s: FleetDeviceSetup, firstVersion = '1.0.0'): Promise<FleetDevice> {
    const setup: DeviceSetup = { ...s, stateDir: await tempDir(), releaseRoot: await tempDir('tillqr-opt-') };
    await installFirst(setup.releaseRoot, firstVersion);
    const holder: { self?: FleetDevice } = {};
    const agent = await startAgent(setup, new RestartingHost(firstVersion, (r) => holder.self?.restart(r)));
    const self = new FleetDevice(setup, agent);
    holder.self = self;
    return self;
  }

  get id(): string {
    return this.setup.deviceId;
  }

  /** The agent running now (a new one after each restart). */
  get agent(): RunningAgent {
    return this.#agent;
  }

  restart(reason: string): void {
    this.restarts.push(reason);
    this.#chain = this.#chain.then(() => this.#reboot());
  }

  /** Power cut: the agent stops; what it retained on the broker stays. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#chain;
    await this.#agent.stop();
  }

  /** Power back after stop(): the boot check, then an agent on the release `current` points at. */
  async powerOn(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#chain = this.#chain.then(() => this.#boot());
    await this.#chain;
  }

  async #reboot(): Promise<void> {
    if (this.#stopped) return;
    await this.#agent.stop();
    await this.#boot();
  }

  async #boot(): Promise<void> {
    await bootCheck({
      releases: this.releases,
      stateDir: this.setup.stateDir,
      maxBootAttempts: 3,
      nowSec: Math.floor(Date.now() / 1000),
      logger: silentLogger,
    });
    const version = (await this.releases.linkVersion('current')) ?? 'none';
    this.#agent = await startAgent(this.setup, new RestartingHost(version, (r) => this.restart(r)));
  }
}
