/**
 * `tillqr sim`: the simulator. Runs the real daemon with a simulated panel, LED, buzzer and button,
 * an embedded MQTT broker on loopback (or --broker URL), and a page that shows the panel live and
 * acts as the payment backend. `npm start` runs this.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXIT, isTillqrError } from '../core/errors.js';
import { PANEL_IDS } from '../display/config.js';
import { readEd25519PublicKey } from '../payment/jws.js';
import { thumbprintKid } from '../payment/keys.js';
import { isPanel, isRotation, type TrustedBackendKey } from '../sim/sim-config.js';
import { intFlag, parse } from './args.js';
import type { CliIo } from './io.js';

const USAGE = 'tillqr sim [--port 8080] [--mqtt-port 1883] [--broker URL] [--panel ID] [--rotation 0|90|180|270] [--state-dir DIR] [--trust KEY.pub.pem]...';

const HELP = `usage: ${USAGE}

Runs the tillqr daemon with simulated hardware and a virtual counter page.

  --port N         page port on 127.0.0.1 (default 8080; 0 = any free port)
  --mqtt-port N    embedded MQTT broker port on 127.0.0.1 (default 1883; 0 = any free port)
  --broker URL     use this MQTT broker instead of the embedded one (MQTT 5, or 3.1.1 if it only speaks that)
  --panel ID       simulated panel: ${PANEL_IDS.join(', ')}
  --rotation DEG   how the panel is mounted: 0, 90, 180 or 270
  --state-dir DIR  where the sim config, dev key and device state live (default ./.tillqr-sim)
  --trust FILE     also trust this backend public key (from \`tillqr keys generate\`), so
                   \`tillqr backend\` can sign for the simulated till; repeatable, for this run

The development key made on first start is trusted only by the simulator's own config.
Stop with Ctrl-C.
`;

/**
 * Resolves when the process that started us is gone. `npm start` runs us under a shell; a SIGTERM
 * to npm ends the shell but not us, and we would be left holding the page and broker ports (and
 * socat). Reparented means our parent died: stop like on Ctrl-C.
 */
function watchParent(periodMs = 500): { gone: Promise<void>; stop: () => void } {
  const first = process.ppid;
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      if (process.ppid !== first) resolve();
    }, periodMs);
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parse(
    argv,
    {
      port: { type: 'string' },
      'mqtt-port': { type: 'string' },
      broker: { type: 'string' },
      panel: { type: 'string' },
      rotation: { type: 'string' },
      'state-dir': { type: 'string' },
      trust: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help === true) {
    io.stdout(HELP);
    return EXIT.OK;
  }
  const httpPort = intFlag(values.port, '--port', { min: 0, max: 65535 }) ?? 8080;
  const mqttPort = intFlag(values['mqtt-port'], '--mqtt-port', { min: 0, max: 65535 }) ?? 1883;
  const broker = values.broker;
  if (broker !== undefined && !/^(mqtts?|wss?):\/\/[^\s/]+(\/\S*)?$/.test(broker)) {
    io.stderr(`tillqr sim: --broker ${JSON.stringify(broker)} is not an mqtt://, mqtts://, ws:// or wss:// URL\nusage: ${USAGE}\n`);
    return EXIT.USAGE;
  }
  const panel = values.panel;
  if (panel !== undefined && !isPanel(panel)) {
    io.stderr(`tillqr sim: --panel ${JSON.stringify(panel)} is not one of ${PANEL_IDS.join(', ')}\n`);
    return EXIT.USAGE;
  }
  const rotation = intFlag(values.rotation, '--rotation');
  if (rotation !== undefined && !isRotation(rotation)) {
    io.stderr('tillqr sim: --rotation must be 0, 90, 180 or 270\n');
    return EXIT.USAGE;
  }
  const stateDir = values['state-dir'] ?? join(io.cwd, '.tillqr-sim');
  const trustedKeys: TrustedBackendKey[] = [];
  for (const file of values.trust ?? []) {
    const path = resolve(io.cwd, file);
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch (e) {
      io.stderr(`tillqr sim: cannot read --trust ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.USAGE;
    }
    const key = readEd25519PublicKey(pem);
    if (!key.ok) {
      io.stderr(`tillqr sim: --trust ${file}: the public key ${key.problem} (give the .pub.pem that \`tillqr keys generate\` wrote)\n`);
      return EXIT.USAGE;
    }
    const publicKeyPem = key.key.export({ type: 'spki', format: 'pem' }).toString();
    trustedKeys.push({ kid: thumbprintKid(key.key), publicKeyPem, path });
  }

  const { Simulator } = await import('../sim/simulator.js');
  let sim;
  try {
    sim = await Simulator.start({
      stateDir,
      httpPort,
      mqttPort,
      env: io.env,
      ...(trustedKeys.length > 0 ? { trustedKeys } : {}),
      ...(broker !== undefined ? { brokerUrl: broker } : {}),
      ...(panel !== undefined ? { panel } : {}),
      ...(rotation !== undefined ? { rotation } : {}),
    });
  } catch (e) {
    if (isTillqrError(e, 'SIM_PORT_IN_USE')) {
      io.stderr(`tillqr sim: ${e.message}\n`);
      return EXIT.UNAVAILABLE;
    }
    throw e;
  }
  io.stdout(
    [
      '',
      'tillqr simulator is running',
      `  page:    ${sim.pageUrl}`,
      `  broker:  ${sim.brokerLabel}${sim.embedded ? ' (embedded, MQTT 3.1.1)' : ''}`,
      `  device:  ${sim.daemon.config.deviceId ?? '?'} on ${sim.display.panel}, topics ${sim.daemon.config.mqtt.topicPrefix}/${sim.daemon.config.deviceId ?? '?'}/…`,
      `  dev key: ${sim.devKey.kid} (trusted only by ${join(sim.stateDir, 'config.json')})`,
      ...trustedKeys.map((k) => `  trusts:  ${k.kid} (${k.path})`),
      sim.consolePath !== undefined
        ? `  console: picocom -b 115200 ${sim.consolePath}   (the technician's serial console)`
        : '  console: off (install socat for a simulated serial console)',
      '  Ctrl-C to stop',
      '',
      '',
    ].join('\n'),
  );
  const parent = watchParent();
  const why = await Promise.race([(io.interrupted ?? new Promise<void>(() => undefined)).then(() => 'interrupted'), parent.gone.then(() => 'parent gone')]);
  parent.stop();
  io.stdout(
    why === 'parent gone'
      ? '\nthe process that started the simulator is gone (npm start was stopped): stopping the simulator…\n'
      : '\nstopping the simulator…\n',
  );
  await sim.stop();
  io.stdout('stopped\n');
  return EXIT.OK;
}
