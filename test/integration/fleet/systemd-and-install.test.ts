import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SdNotify } from '../../../src/fleet/sd-notify.js';
import { makeArtifact, tempDir } from './fleet-kit.js';

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const has = (bin: string) => ['/usr/bin', '/bin', '/usr/local/bin'].some((d) => existsSync(join(d, bin)));

describe('sd_notify through systemd-notify', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
  });

  it('does nothing without NOTIFY_SOCKET', async () => {
    const n = new SdNotify({ PATH: '/nonexistent' });
    expect(n.enabled).toBe(false);
    expect(n.watchdogIntervalMs()).toBeUndefined();
    expect(await n.ready()).toBe(false);
  });

  it.skipIf(!has('socat') || !has('systemd-notify'))(
    'sends READY=1, STATUS and WATCHDOG=1 as datagrams to NOTIFY_SOCKET (socat UNIX-RECV stands in for PID 1)',
    async () => {
      const dir = await tempDir('tillqr-notify-');
      const sock = join(dir, 'notify.sock');
      const out = join(dir, 'received');
      const socat = spawn('socat', ['-u', `UNIX-RECV:${sock}`, `OPEN:${out},creat,append`], { stdio: 'ignore' });
      children.push(socat);
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      // --no-block: socat, unlike PID 1, never releases the barrier's pipe.
      const n = new SdNotify({ NOTIFY_SOCKET: sock, WATCHDOG_USEC: '30000000', PATH: process.env.PATH }, { barrier: false });
      expect(n.watchdogIntervalMs()).toBe(15_000);
      expect(await n.ready('display drawn, broker connected')).toBe(true);
      expect(await n.watchdog()).toBe(true);
      let text = '';
      for (let i = 0; i < 100 && !text.includes('WATCHDOG=1'); i++) {
        await new Promise((r) => setTimeout(r, 20));
        text = existsSync(out) ? await readFile(out, 'utf8') : '';
      }
      expect(text).toContain('READY=1');
      expect(text).toContain('STATUS=display drawn, broker connected');
      expect(text.indexOf('READY=1')).toBeLessThan(text.indexOf('WATCHDOG=1'));
      socat.kill();
    },
  );

  it('refuses an assignment that is not VAR=value', async () => {
    await expect(new SdNotify({ NOTIFY_SOCKET: '/x' }).notify('READY=1\nMAINPID=1')).rejects.toThrow(/not a notification assignment/);
  });
});

describe('systemd/tillqr.service', () => {
  it.skipIf(!has('systemd-analyze'))('passes systemd-analyze verify', async () => {
    const problems = await run('systemd-analyze', ['verify', join(REPO, 'systemd/tillqr.service')]).then(
      (r) => r.stderr,
      (e: { stderr?: string; code?: number }) => e.stderr ?? `exit ${e.code ?? '?'}`,
    );
    expect(problems).toBe('');
  });

  it('is Type=notify with a watchdog, restarts, and the hardening the issue asks for', async () => {
    const unit = await readFile(join(REPO, 'systemd/tillqr.service'), 'utf8');
    for (const line of [
      'Type=notify',
      'NotifyAccess=all',
      'Restart=always',
      'ProtectSystem=strict',
      'StateDirectory=tillqr',
      'NoNewPrivileges=true',
      'SupplementaryGroups=gpio spi dialout',
      'StartLimitBurst=',
      'WatchdogSec=',
    ]) {
      expect(unit, line).toContain(line);
    }
    expect(unit).toMatch(/^ReadWritePaths=.*\/opt\/tillqr/m);
    expect(unit).not.toMatch(/^PrivateDevices=true/m);
    expect(unit).toMatch(/^ExecStartPre=.*\/opt\/tillqr\/committed\/.*fleet boot-check$/m);
  });
});

/** Every path under root with its type, mode, link target or content hash. */
async function snapshot(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      if (dir === root && name === 'install-skipped.log') continue; // what would have run on a real system, not installed state
      const p = join(dir, name);
      const st = await lstat(p);
      const rel = relative(root, p);
      if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(p)}`);
      else if (st.isDirectory()) {
        out.push(`${rel}/ ${(st.mode & 0o7777).toString(8)}`);
        await walk(p);
      } else
        out.push(
          `${rel} ${(st.mode & 0o7777).toString(8)} ${createHash('sha256')
            .update(await readFile(p))
            .digest('hex')
            .slice(0, 16)}`,
        );
    }
  }
  await walk(root);
  return out;
}

describe('device/install.sh', () => {
  const script = join(REPO, 'device/install.sh');

  it('is valid bash', async () => {
    await run('bash', ['-n', script]);
  });

  it.skipIf(!has('shellcheck'))('is shellcheck-clean', async () => {
    await run('shellcheck', [script]);
  });

  it('installs into a fake root, and a second run changes nothing', async () => {
    const root = await tempDir('tillqr-root-');
    await mkdir(join(root, 'boot/firmware'), { recursive: true });
    await writeFile(join(root, 'boot/firmware/config.txt'), '# existing\ndtparam=audio=on\n');
    const artifact = await makeArtifact('1.4.0');
    const env = { ...process.env, ROOT: root };
    await run('bash', [script, artifact], { env });
    const first = await snapshot(root);
    const cfg = await readFile(join(root, 'boot/firmware/config.txt'), 'utf8');
    expect(cfg).toContain('dtparam=audio=on');
    for (const l of ['dtparam=spi=on', 'enable_uart=1', 'dtoverlay=pwm,pin=13,func=4', 'dtoverlay=dwc2']) expect(cfg).toContain(l);
    expect(await readlink(join(root, 'opt/tillqr/current'))).toBe('releases/1.4.0');
    expect(await readlink(join(root, 'opt/tillqr/committed'))).toBe('releases/1.4.0');
    expect(first).toContain(
      'etc/systemd/system/tillqr.service 644 ' +
        createHash('sha256')
          .update(await readFile(join(REPO, 'systemd/tillqr.service')))
          .digest('hex')
          .slice(0, 16),
    );
    const skipped = await readFile(join(root, 'install-skipped.log'), 'utf8');
    expect(skipped).toMatch(/useradd --system/);
    expect(skipped).toMatch(/systemctl enable tillqr.service/);

    await run('bash', [script, artifact], { env });
    expect(await snapshot(root)).toEqual(first);
    expect((await readFile(join(root, 'boot/firmware/config.txt'), 'utf8')).match(/BEGIN tillqr/g)).toHaveLength(1);
  });

  it('refuses an artifact that is not a release', async () => {
    const root = await tempDir('tillqr-root-');
    const bogus = join(await tempDir(), 'x.tar.gz');
    await run('tar', ['-czf', bogus, '-C', await tempDir(), '.']);
    await expect(run('bash', [script, bogus], { env: { ...process.env, ROOT: root } })).rejects.toMatchObject({
      stderr: expect.stringMatching(/not a built release/),
    });
  });
});
