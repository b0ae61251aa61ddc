/**
 * A real 3-node RabbitMQ cluster (Debian's `rabbitmq-server`, the `rabbitmq_mqtt` plugin) for the
 * clustered-broker tests and benchmark: every node on loopback with its own node name
 * (`tillqr-a@localhost`...), AMQP, MQTT and distribution ports, data under one temp dir, a shared
 * Erlang cookie and a private epmd port (so a system RabbitMQ or another suite never meets it).
 * Nodes b and c join a with `rabbitmqctl join_cluster`. MQTT: anonymous (guest), the retained
 * message store on disk (dets), one scheduler per node so three nodes fit on two cores.
 *
 * `rabbitmqUnavailable()` says in a sentence why a cluster cannot run here (the suite skips with
 * it); `kill(i)` ends a node hard (SIGKILL of its process group), `launch(i)` brings it back with
 * its data; `close()` kills everything and removes the directory (call it in afterAll).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exited } from './child.js';
import { canConnect } from './mosquitto.js';

const BIN = '/usr/lib/rabbitmq/bin';
const EPMD = '/usr/bin/epmd';
const run = promisify(execFile);

/** Why a RabbitMQ cluster cannot be started on this machine, or undefined when it can. */
export async function rabbitmqUnavailable(): Promise<string | undefined> {
  try {
    await access(join(BIN, 'rabbitmq-server'));
    await access(join(BIN, 'rabbitmqctl'));
  } catch {
    return 'RabbitMQ is not installed (Debian package rabbitmq-server: run `npm run test:deps`)';
  }
  return undefined;
}

/** A free loopback port in [lo, hi) (kept low so RabbitMQ's CLI dist port, +10000, stays valid). */
async function freePortIn(lo: number, hi: number, taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = lo + Math.floor(Math.random() * (hi - lo));
    if (taken.has(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) {
      taken.add(p);
      return p;
    }
  }
  throw new Error(`no free port in ${lo}-${hi}`);
}

export interface RabbitNode {
  readonly name: string;
  readonly amqpPort: number;
  readonly mqttPort: number;
  readonly distPort: number;
  readonly dir: string;
  readonly url: string;
}

export interface RabbitClusterOptions {
  /** Node letters (default a, b, c). */
  readonly nodes?: readonly string[];
  /** Extra rabbitmq.conf lines for every node. */
  readonly extraConfig?: readonly string[];
  /** Erlang schedulers per node (default 1). */
  readonly schedulers?: number;
}

export class RabbitCluster {
  readonly dir: string;
  readonly nodes: readonly RabbitNode[];
  readonly #epmdPort: number;
  readonly #schedulers: number;
  readonly #children = new Map<number, ChildProcess>();
  readonly #logs = new Map<number, string>();

  private constructor(dir: string, nodes: RabbitNode[], epmdPort: number, schedulers: number) {
    this.dir = dir;
    this.nodes = nodes;
    this.#epmdPort = epmdPort;
    this.#schedulers = schedulers;
  }

  /** mqtt:// URLs of the nodes, in order. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  node(i: number): RabbitNode {
    const n = this.nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  }

  /** The last lines node i wrote (for failure messages). */
  log(i: number): string {
    return this.#logs.get(i) ?? '';
  }

  running(i: number): boolean {
    const c = this.#children.get(i);
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  static async start(o: RabbitClusterOptions = {}): Promise<RabbitCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'tillqr-rabbitmq-'));
    const taken = new Set<number>();
    const home = join(dir, 'home');
    await mkdir(home, { recursive: true });
    await writeFile(join(home, '.erlang.cookie'), `TILLQRTEST${Math.random().toString(36).slice(2).toUpperCase()}`);
    await chmod(join(home, '.erlang.cookie'), 0o400);
    const epmdPort = await freePortIn(14_000, 15_000, taken);
    const nodes: RabbitNode[] = [];
    for (const letter of o.nodes ?? ['a', 'b', 'c']) {
      const amqpPort = await freePortIn(15_000, 20_000, taken);
      const mqttPort = await freePortIn(15_000, 20_000, taken);
      const distPort = await freePortIn(20_000, 25_000, taken);
      const ndir = join(dir, letter);
      await mkdir(ndir, { recursive: true });
      const conf = [
        `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
        `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
        'mqtt.allow_anonymous = true',
        'mqtt.default_user = guest',
        'mqtt.default_pass = guest',
        'mqtt.retained_message_store = rabbit_mqtt_retained_msg_store_dets',
        'loopback_users = none',
        'log.console = true',
        'log.console.level = warning',
        'log.file = false',
        'cluster_partition_handling = ignore',
        'disk_free_limit.absolute = 10MB',
        ...(o.extraConfig ?? []),
      ];
      await writeFile(join(ndir, 'rabbitmq.conf'), conf.join('\n') + '\n');
      await writeFile(join(ndir, 'enabled_plugins'), '[rabbitmq_mqtt].\n');
      await writeFile(join(ndir, 'rabbitmq-env.conf'), '');
      nodes.push({ name: `tillqr-${letter}@localhost`, amqpPort, mqttPort, distPort, dir: ndir, url: `mqtt://127.0.0.1:${mqttPort}` });
    }
    const c = new RabbitCluster(dir, nodes, epmdPort, o.schedulers ?? 1);
    try {
      await Promise.all(nodes.map((_, i) => c.launch(i)));
      for (let i = 1; i < nodes.length; i++) {
        await c.ctl(i, ['stop_app']);
        await c.ctl(i, ['join_cluster', c.node(0).name]);
        await c.ctl(i, ['start_app']);
        await c.#waitMqtt(i);
      }
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  #env(i: number): NodeJS.ProcessEnv {
    const n = this.node(i);
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(this.dir, 'home'),
      LANG: 'C.UTF-8',
      ERL_EPMD_PORT: String(this.#epmdPort),
      RABBITMQ_NODENAME: n.name,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(n.amqpPort),
      RABBITMQ_DIST_PORT: String(n.distPort),
      RABBITMQ_CONFIG_FILE: join(n.dir, 'rabbitmq.conf'),
      RABBITMQ_CONF_ENV_FILE: join(n.dir, 'rabbitmq-env.conf'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(n.dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: join(n.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(n.dir, 'log'),
      RABBITMQ_PID_FILE: join(n.dir, 'pid'),
      RABBITMQ_PLUGINS_EXPAND_DIR: join(n.dir, 'plugins-expand'),
      RABBITMQ_FEATURE_FLAGS_FILE: join(n.dir, 'feature_flags'),
      RABBITMQ_QUORUM_DIR: join(n.dir, 'quorum'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: `+S ${this.#schedulers}:${this.#schedulers} +A 4 +sbwt none +sbwtdcpu none +sbwtdio none`,
    };
  }

  /** `rabbitmqctl -n <node i> ...args` with the cluster's cookie and epmd; rejects with its output. */
  async ctl(i: number, args: string[], timeoutMs = 60_000): Promise<string> {
    try {
      const { stdout } = await run(join(BIN, 'rabbitmqctl'), ['-n', this.node(i).name, ...args], { env: this.#env(i), timeout: timeoutMs });
      return stdout;
    } catch (e) {
      const x = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `rabbitmqctl ${args.join(' ')} on ${this.node(i).name} failed: ${x.message}\n${x.stdout ?? ''}${x.stderr ?? ''}\nnode log:\n${this.log(i).slice(-3000)}`,
      );
    }
  }

  /** Start node i (again, with its data); resolves when its MQTT listener accepts connections. */
  async launch(i: number): Promise<void> {
    const child = spawn(join(BIN, 'rabbitmq-server'), [], { env: this.#env(i), stdio: ['ignore', 'pipe', 'pipe'], detached: true, cwd: this.node(i).dir });
    this.#children.set(i, child);
    const keep = (d: Buffer): void => void this.#logs.set(i, (this.log(i) + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await this.#waitMqtt(i);
  }

  async #waitMqtt(i: number, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running(i)) throw new Error(`RabbitMQ node ${this.node(i).name} exited at start:\n${this.log(i).slice(-3000)}`);
      if (await canConnect(this.node(i).mqttPort)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`RabbitMQ node ${this.node(i).name} did not open MQTT within ${timeoutMs} ms:\n${this.log(i).slice(-3000)}`);
  }

  /** End node i hard (SIGKILL of the whole process group: the shell wrapper and the Erlang VM). */
  async kill(i: number): Promise<void> {
    const child = this.#children.get(i);
    if (child === undefined || !this.running(i) || child.pid === undefined) return;
    const done = exited(child);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await done;
    // The VM may outlive the wrapper by a moment; wait until its MQTT port is closed.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await canConnect(this.node(i).mqttPort))) await new Promise((r) => setTimeout(r, 50));
  }

  /** Names of the running nodes as the cluster sees them. */
  async runningNodes(from = 0): Promise<string[]> {
    const out = await this.ctl(from, ['eval', 'rabbit_nodes:all_running().']);
    return [...out.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.kill(i)));
    await run(EPMD, ['-port', String(this.#epmdPort), '-kill'], { env: { ERL_EPMD_PORT: String(this.#epmdPort) } }).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
