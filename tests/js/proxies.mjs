// What stands between a browser and a real Core Lightning in the tests: Debian's websockify
// (ws→tcp), Debian's nginx (TLS reverse proxy and https host of the panel, configured with
// tests/deploy/nginx-site.conf, the README's snippet), and self-signed certificates (openssl).
import { execFileSync, spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accepts, freePort } from '../../scripts/cln/node.mjs';

const root = new URL('../../', import.meta.url).pathname;

async function listening(port, child, what, stderr) {
  const deadline = Date.now() + 10000;
  while (!(await accepts(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} did not start: ${stderr().slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Debian's websockify on a free loopback port, forwarding to `tcp` (HOST:PORT). */
export async function startWebsockify(tcp) {
  const port = await freePort();
  const child = spawn('websockify', [`127.0.0.1:${port}`, tcp], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('error', (e) => { stderr += `${e.message} (websockify is installed by scripts/setup.sh test)`; });
  await listening(port, child, 'websockify', () => stderr);
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill() };
}

/**
 * A self-signed certificate (P-256) for `names` (DNS names; IP addresses as such) in `dir`:
 * { cert, key } paths and `spki`, the base64 SHA-256 of its public key, which Chromium's
 * --ignore-certificate-errors-spki-list takes.
 */
export function selfSignedCert(dir, names) {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '7', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert], { stdio: 'pipe' });
  return { cert, key, spki: spkiOf(cert) };
}

/** The base64 SHA-256 of a PEM certificate's SubjectPublicKeyInfo. */
export function spkiOf(certPath) {
  const der = new X509Certificate(readFileSync(certPath)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** Debian's nginx binary (in /usr/sbin, which a non-root PATH may lack). */
function nginxBin() {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin')) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  throw new Error('nginx not found (scripts/setup.sh test installs Debian\'s)');
}

/** The README's nginx snippet (tests/deploy/nginx-site.conf), as the README shows it. */
export const NGINX_SITE = readFileSync(join(root, 'tests/deploy/nginx-site.conf'), 'utf8');

/**
 * nginx in the foreground, in `dir`, with the README's server block (NGINX_SITE) where only the
 * example values are replaced: its port (on loopback), `name`, the certificate, the panel's
 * directory `www` and the node's ws port `wsPort`; `mistakes` ([from, to] pairs) makes a
 * misconfigured one. { origin: https://name:port, port, log(), stop }.
 */
export async function startNginx({ dir, name, cert, www, wsPort, mistakes = [] }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const swaps = [
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    ['server_name node.example.com;', `server_name ${name};`],
    ['/etc/letsencrypt/live/node.example.com/fullchain.pem', cert.cert],
    ['/etc/letsencrypt/live/node.example.com/privkey.pem', cert.key],
    ['/var/www/lncommando-panel', www],
    ['127.0.0.1:9736', `127.0.0.1:${wsPort}`],
    ...mistakes,
  ];
  let site = NGINX_SITE;
  for (const [from, to] of swaps) {
    if (!site.includes(from)) throw new Error(`nginx-site.conf no longer has ${from}`);
    site = site.replaceAll(from, to);
  }
  const tmp = join(dir, 'tmp');
  // What Debian's /etc/nginx/nginx.conf gives every site (mime.types: .wasm is application/wasm),
  // with every path inside `dir`.
  writeFileSync(join(dir, 'nginx.conf'), `pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} info;
events {}
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log ${join(dir, 'access.log')};
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
${site}}
`);
  const child = spawn(nginxBin(), ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'),
    '-g', 'daemon off; master_process off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  child.on('error', (e) => { stderr += e.message; });
  await listening(port, child, 'nginx', () => stderr + (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''));
  return {
    origin: `https://${name}:${port}`,
    port,
    log: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    stop: () => child.kill(),
  };
}
