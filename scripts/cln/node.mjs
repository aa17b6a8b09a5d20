// A real Core Lightning on loopback, for the tests and for people building a UI (`make cln`):
// builds it once (scripts/cln/build.sh, cached outside the clone), starts a regtest node whose
// chain backend is scripts/cln/bitcoin-cli (the genesis block only), on free loopback ports
// with a WebSocket port, and makes a full rune and a read-only one with `createrune`.
//
// const n = await startCln();  →  { url, nodeId, rune, readonlyRune, tcp, version, real: true,
//   managed: true, cli(...args), stop(), kill(), restart() }
// startCln({ wssProxy: true }) also loads Core Lightning's own wss-proxy plugin (built once
// beside the node: scripts/cln/build.sh wss-proxy) on a free port: n.wssUrl (wss://127.0.0.1:…)
// and n.wssCerts (the certificates it made: ca.pem, server.pem, …) are added.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

/** The path of lightningd (built or cached; LIGHTNINGD=path for an installed one). */
export function buildCln() {
  return execFileSync(join(root, 'scripts/cln/build.sh'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The path of the wss-proxy plugin (built or cached; LNC_WSS_PROXY=path for an installed one). */
export function buildWssProxy() {
  return execFileSync(join(root, 'scripts/cln/build.sh'), ['wss-proxy'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** A free loopback TCP port (for a server started right after). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on loopback `port` now. */
export function accepts(port) {
  return new Promise((resolve) => {
    const sock = tcpConnect(port, '127.0.0.1');
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

export async function startCln({ lightningd = buildCln(), wssProxy = false } = {}) {
  const plugin = wssProxy ? buildWssProxy() : null;
  const bin = dirname(lightningd);
  const cliBin = join(bin, 'lightning-cli');
  const dir = mkdtempSync(join(tmpdir(), 'lnc-cln-'));
  const [tcpPort, wsPort, wssPort] = [await freePort(), await freePort(), plugin ? await freePort() : null];
  mkdirSync(join(dir, 'regtest'), { recursive: true });
  // A fixed key per node directory: a restart keeps the node id and the runes.
  const secret = join(dir, 'regtest', 'hsm_secret');
  writeFileSync(secret, Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 1) & 255)));
  chmodSync(secret, 0o400);
  writeFileSync(join(dir, 'config'), [
    'network=regtest',
    `bind-addr=127.0.0.1:${tcpPort}`,
    `bind-addr=ws:127.0.0.1:${wsPort}`,
    'disable-dns',
    'autoconnect-seeker-peers=0',
    // connectd's reasons for hanging up ("Bad encrypted packet len") are debug-level.
    'log-level=debug:connectd',
    `log-file=${join(dir, 'log')}`,
    `pid-file=${join(dir, 'lightningd.pid')}`,
    `bitcoin-cli=${join(root, 'scripts/cln/bitcoin-cli')}`,
    // wss-proxy: TLS in front of the ws port; it makes its certificates in wss-certs on first start.
    ...(plugin ? [`plugin=${plugin}`, `wss-bind-addr=127.0.0.1:${wssPort}`, `wss-certs=${join(dir, 'wss-certs')}`] : []),
    '',
  ].join('\n'));
  const cli = async (...args) => {
    const { stdout } = await run(cliBin, [`--lightning-dir=${dir}`, '--network=regtest', ...args], { maxBuffer: 256 << 20 });
    return JSON.parse(stdout);
  };
  let child;
  // getinfo answers before connectd listens: wait until both ports accept connections.
  const launch = async () => {
    child = spawn(lightningd, [`--lightning-dir=${dir}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const deadline = Date.now() + 60000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`lightningd exited (${child.exitCode}): ${stderr.slice(-2000)}`);
      try {
        const info = await cli('getinfo');
        if ((await accepts(wsPort)) && (await accepts(tcpPort)) && (!plugin || (await accepts(wssPort)))) return info;
        throw new Error('not listening yet');
      } catch {
        if (Date.now() > deadline) throw new Error(`lightningd did not answer getinfo within 60 s: ${stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const info = await launch();
  const rune = (await cli('createrune')).rune;
  const readonlyRune = (await cli('createrune', 'restrictions=[["method^list","method^get"]]')).rune;
  const exited = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
  });
  return {
    url: `ws://127.0.0.1:${wsPort}`,
    nodeId: info.id,
    rune,
    readonlyRune,
    tcp: `127.0.0.1:${tcpPort}`,
    ...(plugin ? { wssUrl: `wss://127.0.0.1:${wssPort}`, wssCerts: join(dir, 'wss-certs') } : {}),
    version: info.version,
    dir,
    real: true,
    managed: true,
    cli,
    /** Stops the node and removes its directory. */
    async stop() {
      child.kill('SIGTERM');
      await exited();
      rmSync(dir, { recursive: true, force: true });
    },
    /** Kills the node (SIGKILL: no goodbye) and resolves when it is gone. */
    async kill() {
      child.kill('SIGKILL');
      await exited();
    },
    /** Starts it again on the same ports, with the same key and runes. */
    async restart() {
      await launch();
    },
  };
}
