// lncommando admin panel: plain ES module, no framework, no build step.
//
// Talks to a Core Lightning node through lncommando (./lncommando/, the npm package) and shows
// its summary, funds, channels and invoices, a command console and a rune inspector. Each
// section makes its own call, so a rune that forbids one method only blanks that section.
//
// The rune stays in memory (and in localStorage only if "remember" is ticked); it is never
// logged, and shown only in the field the user typed it in and in the rune inspector.

import { explainRune } from './rune-explain.js';

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

const $ = (id) => document.getElementById(id);

/** h('div', {class: 'x', text: 'hi', dataset: {a: 1}, title: 't'}, child, …): never parses HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') Object.assign(el.style, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** Replaces an element's children, skipping null/undefined/false (replaceChildren would print "null"). */
function set(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

const numberFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const msatFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });
const btcFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 8 });

/** Core Lightning amounts: a number of msat, or (older versions) a string like "1000msat". */
function msat(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : 0;
  }
  return 0;
}
const fmtSat = (m) => `${msatFmt.format(msat(m) / 1000)} sat`;
const fmtBtc = (m) => `${btcFmt.format(msat(m) / 1e11)} BTC`;
const shortId = (id) => (typeof id === 'string' && id.length > 20 ? `${id.slice(0, 8)}…${id.slice(-8)}` : String(id ?? ''));

function fmtWhen(unixSeconds) {
  if (!Number.isFinite(unixSeconds)) return '';
  const d = new Date(unixSeconds * 1000);
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function fmtRelative(unixSeconds) {
  const diff = unixSeconds - Date.now() / 1000;
  const abs = Math.abs(diff);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Not a secure context, or no permission: the old way.
    const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}

// ---------------------------------------------------------------------------------------------
// Error wording

/** What a CommandoError means, in a few words: by its `reason`, which the library's core
 * decides (the codes are its business), and for the node's own errors by the node's code. */
function errorMeaning(e) {
  if (!e || typeof e !== 'object') return 'Unexpected error.';
  if (e.name === 'TypeError') return 'Bad input: the call was not sent.';
  switch (e.reason) {
    case 'not-authorised': return 'The rune does not allow this call.';
    case 'rejected': return 'The node\'s commando plugin refused the request (malformed request, or a rune it cannot decode).';
    case 'timeout': return 'No reply in time (the command may still be running on the node).';
    case 'aborted': return 'Cancelled.';
    case 'too-large': return 'The reply was larger than this page accepts.';
    case 'bad-reply': return 'The node\'s reply was not valid JSON.';
    case 'unreachable': return 'Nothing answered at that URL (or, for wss://, this browser does not trust its certificate).';
    case 'mixed-content': return 'This https page may only connect to wss:// URLs.';
    case 'certificate': return 'The node\'s TLS certificate is not trusted.';
    case 'upgrade-refused': return 'A web server answered at that URL, but not as the node\'s WebSocket port.';
    case 'handshake': return 'Wrong node id, or a proxy that cannot reach its node, or not a Lightning node.';
    case 'closed': return 'Not connected: the connection is closed.';
    case 'transport': return 'The connection was corrupted (a packet failed its integrity check).';
    case 'protocol': return 'The node broke the Lightning wire protocol.';
    case 'ping-timeout': return 'The node stopped answering pings.';
    case 'ping-flood': return 'The node sent pings far faster than the protocol allows, so the page hung up.';
    case 'send-backlog': return 'The node stopped reading what the page sends, so the page hung up.';
    case 'connect-timeout': return 'Reconnecting: the node accepted the connection but never finished the handshake.';
    case 'internal': return 'The page\'s protocol core failed (out of memory?); connect again for a fresh one.';
    case 'node':
      // The method's own error: Core Lightning's codes.
      switch (e.code) {
        case -32601: return 'Unknown command: the node has no such method (or the plugin providing it is not loaded).';
        case -32602: return 'Bad parameters for this method.';
        case -1: return 'The command failed on the node.';
        case 900: return 'An invoice with this label already exists.';
        case 901: return 'An invoice with this preimage already exists.';
        default: return 'An error from the node for this method.';
      }
    default: return 'A failure.';
  }
}

/** A notice for a failed section call: `.forbidden` when the rune refused it, `.error` otherwise. */
function errorNotice(e, what) {
  if (e?.reason === 'not-authorised') {
    const foreign = /not derived from master/i.test(e.message);
    return h('div', { class: 'notice forbidden', role: 'status' },
      h('strong', { text: 'Not allowed by this rune: ' }), clip(e.message),
      h('div', { class: 'small muted', text: foreign
        ? `${what} was refused (error ${e.code}): this node did not create this rune. Check that the rune belongs to this node and was copied whole.`
        : `${what} was refused (error ${e.code}). The rest of the panel keeps working.` }));
  }
  const code = typeof e?.code === 'number' ? ` (error ${e.code})` : '';
  return h('div', { class: 'notice error', role: 'status' },
    h('strong', { text: `${errorMeaning(e)}${code} ` }), h('span', { text: clip(e?.message ?? String(e)) }));
}

/**
 * Whether the connected rune surely refuses `method` with `params`, decided in this page by
 * lncommando's checkRune (Core Lightning's own evaluation): its reason, or null when the call
 * may go (allowed, or it depends on what only the node knows, such as a rate limit).
 */
async function runeRefuses(method, params) {
  if (!connRune || !lib) return null;
  try {
    const r = await lib.checkRune(connRune, { method, params });
    return r.allowed === false ? r.reason : null;
  } catch {
    return null; // a rune checkRune cannot read: the node will say
  }
}

/** The notice for a call the rune refuses, shown instead of calling. */
function refusedNotice(what, reason) {
  return h('div', { class: 'notice forbidden', role: 'status', 'data-precheck': 'refused' },
    h('strong', { text: 'Not allowed by this rune: ' }), clip(reason),
    h('div', { class: 'small muted', text: `This rune cannot run ${what}: checked in this page, so nothing was sent. The rest of the panel keeps working.` }));
}

// ---------------------------------------------------------------------------------------------
// Loading the library (and the QR encoder, lazily)

let lib;
try {
  lib = await import('./lncommando/index.js');
} catch (e) {
  const el = $('load-error');
  el.textContent = `Could not load the lncommando package from ./lncommando/ (${e?.message ?? e}). Copy the built package (pkg/) there.`;
  el.hidden = false;
}

let qrLoading;
function loadQr() {
  qrLoading ??= import('./vendor/qrcode.js').then((m) => m.default, () => null);
  return qrLoading;
}

// Everything the panel will need, fetched at once: the wasm (compiled while the user types) and
// the QR encoder. Once loaded, the panel works with the network gone (only the node's WebSocket).
const preloaded = lib ? Promise.all([lib.ready(), loadQr()]).catch(() => {}) : Promise.resolve();

// ---------------------------------------------------------------------------------------------
// Connection state

let conn = null; // the current Connection
let connRune = null; // its rune, in memory only
let connInfo = null; // {url, nodeId}
let generation = 0; // bumped on every connect/disconnect: late results of an older one are dropped
let connectAbort = null;
let userClosed = false;

const STATE_LABELS = new Set(['disconnected', 'connecting', 'ready', 'reconnecting', 'closed']);

function setState(state) {
  const s = STATE_LABELS.has(state) ? state : 'closed';
  $('state').textContent = s;
  document.body.dataset.state = s;
  $('state-pill').className = `state-pill ${s}`;
  $('disconnect').hidden = !(conn && (s === 'ready' || s === 'reconnecting'));
  $('state-node').hidden = !(connInfo && s !== 'disconnected');
  if (connInfo) $('state-node').textContent = shortId(connInfo.nodeId);
}

/** A node's text as shown: a 2 MB error message is cut, saying how much was left out. */
function clip(text, max = 2000) {
  const t = String(text);
  return t.length > max ? `${t.slice(0, max)}… (${t.length - max} more characters not shown)` : t;
}

function log(kind, text) {
  text = clip(text);
  const list = $('conn-log');
  const time = new Date().toLocaleTimeString();
  list.prepend(h('li', { class: kind }, h('time', { text: time }), ' ', text));
  while (list.children.length > 100) list.lastChild.remove();
  $('conn-log-count').textContent = String(list.children.length);
}

function connNotice(kind, text) {
  const el = $('conn-notice');
  if (!text) {
    el.hidden = true;
    set(el);
    return;
  }
  el.className = `page-notice notice ${kind}`;
  set(el, h('span', { text: clip(text) }), h('button', {
    type: 'button', class: 'btn link small', text: 'Dismiss', onclick: () => connNotice(null),
  }));
  el.hidden = false;
}

function connectMessage(kind, ...content) {
  const el = $('connect-message');
  if (!content.length) {
    el.hidden = true;
    set(el);
    return;
  }
  el.className = `notice ${kind}`;
  set(el, ...content);
  el.hidden = false;
}

/** A specific explanation of why connecting failed. */
function connectErrorContent(e, url) {
  if (e?.name === 'TypeError') return [h('strong', { text: 'Check the form: ' }), e.message];
  let title;
  let hint = '';
  switch (e?.reason) {
    case 'handshake':
      title = 'Handshake failed: wrong node id, or not a Lightning node at that URL.';
      hint = 'Check the node id (lightning-cli getinfo → id). If it is right, the URL reached a proxy that could not reach the node (its log says why: is the node running, and the proxy pointed at its port?), or something that is not a Lightning node.';
      break;
    case 'protocol':
      title = 'Not a Lightning node at that URL.';
      hint = 'Something answered the WebSocket, but not in the Lightning protocol: point the URL at the node\'s WebSocket port (bind-addr=ws:…), its wss-proxy, or a proxy in front of it.';
      break;
    case 'mixed-content':
      title = 'This page is served over https, so the browser refused the ws:// URL before connecting.';
      hint = 'Use a wss:// URL: TLS in front of the node\'s WebSocket port, with Core Lightning\'s wss-proxy plugin or a reverse proxy such as nginx (see the README). Only localhost may be reached with ws:// from an https page.';
      break;
    case 'certificate':
      title = 'The node\'s TLS certificate is not trusted.';
      hint = 'Trust the certificate (wss-proxy makes a self-signed one: its ca.pem) or use one from a public certificate authority.';
      break;
    case 'upgrade-refused':
      title = 'A web server answered at that URL, but it is not the node\'s WebSocket.';
      hint = /^wss:/i.test(url)
        ? 'An ordinary web site, or a reverse proxy whose location for this path does not forward WebSockets (the Upgrade and Connection headers) or cannot reach the node. Use the wss-proxy port, or the path your proxy forwards to the node\'s ws port.'
        : 'Point the URL at the node\'s WebSocket port (bind-addr=ws:…) or a ws→tcp proxy in front of its Lightning port.';
      break;
    case 'unreachable':
      if (/^wss:/i.test(url)) {
        title = 'Nothing answered at that URL, or this browser does not trust its certificate.';
        hint = `Open https://${new URL(url).host}/ in a new tab: a certificate warning means the certificate needs trusting (wss-proxy makes a self-signed one: import its ca.pem) or replacing; "can't be reached" means check the host, the port and that the proxy runs.`;
      } else {
        title = 'Nothing answered at that URL.';
        hint = 'Check the host and port, and that the node listens for WebSocket (bind-addr=ws:…) or the proxy runs.';
      }
      break;
    case 'timeout':
      title = 'Timed out: something accepted the connection, but the handshake did not finish in time.';
      hint = 'A slow or stuck proxy, or a port that is not the node\'s Lightning port.';
      break;
    case 'aborted':
      title = 'Connection cancelled.';
      break;
    case 'closed':
      title = 'The node closed the connection during the handshake.';
      hint = 'It may be shutting down, or refusing this peer.';
      break;
    default:
      title = `${errorMeaning(e)}`;
  }
  return [h('strong', { text: title }), hint ? h('div', { class: 'small', text: hint }) : null,
    h('div', { class: 'small muted mono', text: clip(`${e?.reason ?? 'error'}: ${e?.message ?? e}`) })];
}

function validateConnectForm(url, nodeId, rune) {
  if (!url) return 'Enter the node\'s WebSocket URL (ws://… or wss://…).';
  if (!/^wss?:\/\//i.test(url)) return 'The URL must start with ws:// or wss://.';
  if (!nodeId) return 'Enter the node id.';
  if (!/^0[23][0-9a-fA-F]{64}$/.test(nodeId)) return 'The node id is 66 hex digits starting with 02 or 03.';
  if (!rune) return 'Enter a rune (lightning-cli createrune).';
  return null;
}

async function dropConnection() {
  const old = conn;
  conn = null;
  connRune = null;
  generation += 1;
  if (old) {
    try { await old.close(); } catch { /* already closed */ }
  }
}

/** Clears what belonged to the previous connection (all of it when the node changes). */
function resetConnectionViews(otherNode) {
  $('invoice-result').hidden = true;
  set($('invoice-form-status'));
  set(sectionStatus('invoice'));
  if (!otherNode) return;
  for (const name of Object.keys(sections)) {
    sectionBody(name).hidden = true;
    set(sectionStatus(name), h('p', { class: 'placeholder', text: 'Connecting…' }));
  }
  $('console-output').hidden = true;
  delete $('console-output').dataset.status;
}

async function doConnect() {
  if (!lib) return;
  hideLinkConfirm();
  const url = $('url').value.trim();
  const nodeId = $('nodeId').value.trim();
  // The last guard: a rune bound to another node is never sent to this one.
  if (runeTarget && !sameTarget(runeTarget, { url, nodeId })) clearRune('it was for another node; enter this node\'s rune.');
  const rune = $('rune').value.trim();
  const invalid = validateConnectForm(url, nodeId, rune);
  if (invalid) {
    connectMessage('error', h('strong', { text: invalid }));
    return;
  }
  connectAbort?.abort();
  await dropConnection();
  const gen = generation;
  resetConnectionViews(connInfo?.nodeId !== nodeId);
  connInfo = { url, nodeId };
  userClosed = false;
  connectMessage(null);
  connNotice(null);
  setState('connecting');
  log('info', `Connecting to ${url} (node ${shortId(nodeId)})…`);
  const abort = new AbortController();
  connectAbort = abort;
  $('connect').disabled = true;
  $('connect-cancel').hidden = false;
  let c;
  try {
    c = await lib.connect({
      url, nodeId, rune, timeoutMs: 15000, signal: abort.signal,
      reconnect: { initialDelayMs: 500, maxDelayMs: 15000 },
    });
  } catch (e) {
    if (gen !== generation) return;
    setState('closed');
    for (const name of Object.keys(sections)) {
      if (sectionBody(name).hidden) set(sectionStatus(name), h('p', { class: 'placeholder', text: 'Not connected.' }));
    }
    connectMessage(e?.reason === 'aborted' ? 'info' : 'error', ...connectErrorContent(e, url));
    log('error', `Connect failed (${e?.reason ?? e?.name}): ${e?.message ?? e}`);
    return;
  } finally {
    if (connectAbort === abort) connectAbort = null;
    $('connect').disabled = false;
    $('connect-cancel').hidden = true;
  }
  if (gen !== generation) {
    c.close();
    return;
  }
  conn = c;
  connRune = rune;
  runeTarget = { url, nodeId }; // from now on this rune belongs to this node
  watch(c);
  setState(c.state);
  log('ok', 'Connected: handshake done, node ready.');
  rememberIfAsked(url, nodeId, rune);
  loadAll();
  if (!$('rune-input').value.trim()) inspectRune({ quiet: true });
  invoiceHint();
}

function watch(c) {
  let wasReconnecting = false;
  let lastWarning = null; // the node's last warning text, until the next ready
  let lastDrop = null; // why the connection last dropped
  c.addEventListener('statechange', (e) => {
    if (c !== conn) return;
    const s = e.detail.state;
    setState(s);
    if (s === 'reconnecting') {
      wasReconnecting = true;
      log('warn', 'Connection lost: reconnecting…');
    } else if (s === 'ready' && wasReconnecting) {
      wasReconnecting = false;
      log('ok', 'Reconnected.');
      connNotice('ok', `Reconnected to the node${lastDrop ? ` after the connection dropped (${lastDrop})` : ''}${
        lastWarning ? `; the node's last warning was: ${lastWarning}` : ''}.`);
      lastWarning = lastDrop = null;
      loadAll();
    }
  });
  c.addEventListener('warning', (e) => {
    if (c !== conn) return;
    const { message, isError } = e.detail;
    lastWarning = message;
    log('warn', `Node ${isError ? 'error' : 'warning'}: ${message}`);
    connNotice('warn', `The node sent ${isError ? 'an error' : 'a warning'}: ${message}`);
  });
  c.addEventListener('close', (e) => {
    if (c !== conn) return;
    const { reason, message, willReconnect } = e.detail;
    if (userClosed) {
      log('info', 'Disconnected.');
      return;
    }
    lastDrop = `${reason}: ${message || errorMeaning({ reason })}`;
    log(willReconnect ? 'warn' : 'error', `Connection closed (${lastDrop})${willReconnect ? ' — reconnecting' : ''}`);
    connNotice(willReconnect ? 'warn' : 'error', `Connection closed (${lastDrop})${
      lastWarning ? ` after the node's warning: ${lastWarning}` : ''}${willReconnect ? ' — reconnecting…' : ''}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Which node the rune belongs to
//
// A rune is only ever sent to the node it came with: the one it was stored for, the one a link
// carried it for, or the one it was used with. A change of target (typing another URL or node
// id, or a link naming another node) clears the rune field, and a link never connects by itself
// to a node other than the stored one: it shows the target and waits for a click.

/** The node the rune in the form belongs to ({url, nodeId}), or null while not yet bound. */
let runeTarget = null;

const normTarget = (t) => ({ url: (t.url ?? '').trim(), nodeId: (t.nodeId ?? '').trim().toLowerCase() });
function sameTarget(a, b) {
  if (!a || !b) return false;
  const x = normTarget(a);
  const y = normTarget(b);
  return x.url === y.url && x.nodeId === y.nodeId;
}
const formTarget = () => ({ url: $('url').value, nodeId: $('nodeId').value });

function clearRune(why) {
  $('rune').value = '';
  runeTarget = null;
  if (why) connectMessage('info', h('strong', { text: 'Rune cleared: ' }), why);
}

/** The user edited the URL or the node id: a bound rune does not follow to another node. */
function targetEdited() {
  hideLinkConfirm();
  if (runeTarget && $('rune').value && !sameTarget(runeTarget, formTarget())) {
    clearRune('it belongs to another node; enter the rune for this one.');
  }
  syncRememberWithTarget();
}
$('url').addEventListener('input', targetEdited);
$('nodeId').addEventListener('input', targetEdited);

function showLinkConfirm(target) {
  $('link-confirm-node').textContent = target.nodeId;
  $('link-confirm-url').textContent = target.url;
  $('link-confirm-why').textContent = $('rune').value
    ? 'Connect only if this is your node: the node you connect to receives the rune that came with this link, and everything this panel shows comes from it.'
    : 'Connect only if this is your node. The link carries no rune for it: enter one below first. The rune you use on any other node stays with that node.';
  $('link-confirm').hidden = false;
  $('link-connect').focus();
}
function hideLinkConfirm() {
  $('link-confirm').hidden = true;
}
$('link-connect').addEventListener('click', () => doConnect());
$('link-cancel').addEventListener('click', () => {
  hideLinkConfirm();
  connectMessage('info', 'Not connected: the link\'s node was not confirmed.');
});

// ---------------------------------------------------------------------------------------------
// Remember / forget

const STORE_KEY = 'lncommando-panel:connection';

/** The stored {url, nodeId, rune}, or null. */
function stored() {
  try {
    const v = JSON.parse(storage()?.getItem(STORE_KEY) ?? 'null');
    if (v && typeof v === 'object' && typeof v.url === 'string' && typeof v.nodeId === 'string' && typeof v.rune === 'string') return v;
  } catch { /* unreadable: treated as nothing stored */ }
  return null;
}

/** "Remember" is ticked only while the form names the stored node. */
function syncRememberWithTarget() {
  const s = stored();
  if (s && !sameTarget(s, formTarget())) $('remember').checked = false;
  syncRememberWarning();
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function loadRemembered() {
  const v = stored();
  if (!v) {
    try { storage()?.removeItem(STORE_KEY); } catch { /* storage disabled */ }
  } else if (!$('url').value && !$('nodeId').value && !$('rune').value) {
    // Only into an empty form (fields typed in before this module loaded win), as a whole: the
    // stored rune comes only with the node it was stored for.
    $('url').value = v.url;
    $('nodeId').value = v.nodeId;
    $('rune').value = v.rune;
    runeTarget = { url: v.url, nodeId: v.nodeId };
    $('remember').checked = true;
  }
  syncRememberWarning();
}

function rememberIfAsked(url, nodeId, rune) {
  const s = storage();
  if (!s) return;
  try {
    if ($('remember').checked) s.setItem(STORE_KEY, JSON.stringify({ url, nodeId, rune }));
    else if (sameTarget(stored(), { url, nodeId })) s.removeItem(STORE_KEY); // unticked for this node
  } catch {
    log('warn', 'Could not save the connection details on this device (storage full or disabled).');
  }
}

function syncRememberWarning() {
  $('remember-warning').classList.toggle('emphasis', $('remember').checked);
}

$('remember').addEventListener('change', () => {
  syncRememberWarning();
  if (!$('remember').checked) {
    storage()?.removeItem(STORE_KEY);
  } else if (conn && connRune && connInfo) {
    rememberIfAsked(connInfo.url, connInfo.nodeId, connRune);
  }
});

$('forget').addEventListener('click', () => {
  storage()?.removeItem(STORE_KEY);
  $('remember').checked = false;
  $('rune').value = '';
  runeTarget = null;
  syncRememberWarning();
  connectMessage('info', h('strong', { text: 'Forgotten: ' }), 'nothing about this node is stored on this device any more.');
});

/** A Show/Hide button for a secret's input (a rune). */
function secretToggle(inputId, buttonId) {
  $(buttonId).addEventListener('click', () => {
    const input = $(inputId);
    const show = input.type === 'password';
    input.type = show ? 'text' : 'password';
    $(buttonId).textContent = show ? 'Hide' : 'Show';
    $(buttonId).setAttribute('aria-pressed', String(show));
  });
}
secretToggle('rune', 'rune-toggle');

// ---------------------------------------------------------------------------------------------
// Prefill from the URL hash: #url=…&nodeId=…&rune=…[&connect=1]
//
// A link prefills; it connects by itself only to the stored node. For any other node it shows
// the target and waits for a click. A link that names another node and carries no rune leaves
// the rune field empty (a rune is never paired with a node it did not come with).

/** Applies the hash; returns true when the panel may connect at once. */
function applyHash() {
  if (location.hash.length < 2) return false;
  const p = new URLSearchParams(location.hash.slice(1));
  const link = { url: p.get('url'), nodeId: p.get('nodeId'), rune: p.get('rune') };
  // Take the rune out of the address bar and this history entry.
  history.replaceState(null, '', location.pathname + location.search);
  if (link.url === null && link.nodeId === null && link.rune === null) return false;
  const before = formTarget();
  const target = { url: link.url ?? before.url, nodeId: link.nodeId ?? before.nodeId };
  $('url').value = target.url;
  $('nodeId').value = target.nodeId;
  const saved = stored();
  if (link.rune !== null) {
    $('rune').value = link.rune;
    runeTarget = link.rune ? { ...target } : null;
  } else if (!sameTarget(before, target) || (runeTarget && !sameTarget(runeTarget, target))) {
    // Another node: the rune in the form stays with the node it belongs to.
    if (saved && sameTarget(saved, target)) {
      $('rune').value = saved.rune;
      runeTarget = { url: saved.url, nodeId: saved.nodeId };
    } else {
      $('rune').value = '';
      runeTarget = null;
    }
  }
  syncRememberWithTarget();
  if (p.get('connect') !== '1') return false;
  if (saved && sameTarget(saved, target) && $('rune').value) return true;
  showLinkConfirm(normTarget(target));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sections: each runs its own call

const sections = {
  summary: { method: 'getinfo', what: 'getinfo (node summary)', render: renderSummary },
  funds: { method: 'listfunds', what: 'listfunds (on-chain funds)', render: renderFunds },
  channels: { method: 'listpeerchannels', what: 'listpeerchannels (channels)', render: renderChannels },
  invoices: {
    method: 'listinvoices',
    what: 'listinvoices (recent invoices)',
    render: renderInvoices,
    // Only what the list shows: a busy node has many invoices.
    filter: { invoices: [{ label: true, bolt11: true, amount_msat: true, status: true, description: true, expires_at: true, created_index: true }] },
  },
};
const SECTION_TIMEOUT_MS = 30000;

function sectionStatus(name) {
  return document.querySelector(`.section-status[data-for="${name}"]`);
}

function sectionBody(name) {
  if (name === 'invoices') return $('invoice-list');
  return $(name).querySelector('.section-body');
}

async function loadSection(name) {
  const s = sections[name];
  const c = conn;
  const gen = generation;
  const status = sectionStatus(name);
  const body = sectionBody(name);
  if (!c) {
    set(status, h('p', { class: 'placeholder', text: 'Not connected.' }));
    return;
  }
  const card = status.closest('.card');
  card.dataset.loading = String(Number(card.dataset.loading ?? 0) + 1);
  if (body.hidden) set(status, h('p', { class: 'placeholder loading-text', text: `Loading ${s.method}…` }));
  try {
    const refusal = await runeRefuses(s.method, {});
    if (gen !== generation) return;
    if (refusal) {
      body.hidden = true;
      set(status, refusedNotice(s.what, refusal));
      return;
    }
    let result;
    try {
      result = await c.commando(s.method, {}, { timeoutMs: SECTION_TIMEOUT_MS, filter: s.filter });
    } catch (e) {
      if (gen !== generation) return;
      body.hidden = true;
      set(status, errorNotice(e, s.what));
      return;
    }
    if (gen !== generation) return;
    try {
      s.render(result);
      set(status);
      body.hidden = false;
    } catch (e) {
      body.hidden = true;
      set(status, h('div', { class: 'notice error', role: 'status' },
        h('strong', { text: `Could not show the ${s.method} reply: ` }), String(e?.message ?? e)));
    }
  } finally {
    const n = Number(card.dataset.loading) - 1;
    if (n > 0) card.dataset.loading = String(n);
    else delete card.dataset.loading;
  }
}

function loadAll() {
  for (const name of Object.keys(sections)) loadSection(name);
  loadMethodList();
}

document.addEventListener('click', async (e) => {
  const refresh = e.target.closest('[data-refresh]');
  if (refresh) {
    loadSection(refresh.dataset.refresh);
    return;
  }
  const copy = e.target.closest('[data-copy-from]');
  if (copy) {
    const src = $(copy.dataset.copyFrom);
    const text = copy.dataset.copyAttr ? src.getAttribute(copy.dataset.copyAttr)
      : copy.dataset.copyText ?? ('value' in src ? src.value : src.textContent);
    copy.dataset.label ??= copy.textContent;
    const label = copy.dataset.label;
    const ok = await copyText(text ?? '');
    copy.textContent = ok ? 'Copied ✓' : 'Copy failed';
    setTimeout(() => { copy.textContent = label; }, 1500);
  }
});

// --- Summary (getinfo)

function renderSummary(info) {
  const alias = typeof info.alias === 'string' && info.alias !== '' ? info.alias : '(no alias)';
  $('summary-alias').textContent = alias;
  const color = typeof info.color === 'string' && /^[0-9a-f]{6}$/i.test(info.color) ? `#${info.color}` : null;
  $('summary-color').style.background = color ?? 'var(--muted)';
  $('summary-color').title = color ? `node color ${color}` : 'no color';
  const net = String(info.network ?? 'unknown');
  $('summary-network').textContent = net === 'bitcoin' ? 'mainnet' : net;
  $('summary-network').className = `badge net-${net === 'bitcoin' ? 'main' : 'test'}`;
  const id = String(info.id ?? '');
  $('summary-id').textContent = shortId(id);
  $('summary-id').dataset.id = id;
  $('summary-id').title = id;
  $('summary-blockheight').textContent = Number.isFinite(info.blockheight) ? numberFmt.format(info.blockheight) : '—';
  $('summary-peers').textContent = Number.isFinite(info.num_peers) ? String(info.num_peers) : '—';
  const active = info.num_active_channels ?? 0;
  const inactive = info.num_inactive_channels ?? 0;
  const pending = info.num_pending_channels ?? 0;
  set($('summary-channels'),
    h('span', { class: 'good', text: `${active} active` }), ' · ',
    h('span', { class: inactive ? 'warn-text' : '', text: `${inactive} inactive` }),
    pending ? ` · ${pending} pending` : '');
  $('summary-fees').textContent = fmtSat(info.fees_collected_msat);
  $('summary-fees').title = fmtBtc(info.fees_collected_msat);
  $('summary-version').textContent = String(info.version ?? '—');
}

// --- Funds (listfunds)

function renderFunds(r) {
  const outputs = Array.isArray(r.outputs) ? r.outputs : [];
  let confirmed = 0;
  let unconfirmed = 0;
  let reserved = 0;
  for (const o of outputs) {
    if (o.status === 'spent') continue;
    const a = msat(o.amount_msat);
    if (o.status === 'confirmed') confirmed += a;
    else unconfirmed += a;
    if (o.reserved) reserved += 1;
  }
  const total = confirmed + unconfirmed;
  set($('funds-total'), fmtSat(total), h('small', { class: 'muted', text: ` ${fmtBtc(total)}` }));
  $('funds-confirmed').textContent = fmtSat(confirmed);
  $('funds-unconfirmed').textContent = fmtSat(unconfirmed);
  const [cBar, uBar] = $('funds-bar').children;
  cBar.style.width = total ? `${(confirmed / total) * 100}%` : '0';
  uBar.style.width = total ? `${(unconfirmed / total) * 100}%` : '0';
  const chans = Array.isArray(r.channels) ? r.channels : [];
  const ours = chans.reduce((s, c) => s + msat(c.our_amount_msat), 0);
  $('funds-channels').textContent = `${fmtSat(ours)} in ${chans.length} channel${chans.length === 1 ? '' : 's'}`;
  $('funds-output-count').textContent = `${outputs.length}${reserved ? `, ${reserved} reserved` : ''}`;
  set($('funds-outputs'), ...(outputs.length ? outputs.map((o) => h('li', { class: 'row' },
    h('span', { class: 'mono small', title: `${o.txid}:${o.output}`, text: `${shortId(o.txid)}:${o.output}` }),
    h('span', { class: `badge ${o.status === 'confirmed' ? 'ok' : 'pending'}`, text: o.reserved ? `${o.status}, reserved` : o.status }),
    h('span', { class: 'amount', text: fmtSat(o.amount_msat) }),
    o.address ? h('span', { class: 'mono small muted address', text: o.address }) : null))
    : [h('li', { class: 'placeholder', text: 'No on-chain outputs.' })]));
}

// --- Channels (listpeerchannels)

const STATE_KIND = (s) => {
  if (s === 'CHANNELD_NORMAL' || s === 'CHANNELD_AWAITING_SPLICE') return ['ok', 'active'];
  if (/AWAITING_LOCKIN|OPENINGD|DUALOPEND_OPEN/.test(s)) return ['pending', 'opening'];
  if (/SHUTTING_DOWN|CLOSINGD|AWAITING_UNILATERAL/.test(s)) return ['pending', 'closing'];
  if (/ONCHAIN|FUNDING_SPEND_SEEN|CLOSED/.test(s)) return ['off', 'closed'];
  return ['off', s.toLowerCase()];
};

function renderChannels(r) {
  const chans = (Array.isArray(r.channels) ? r.channels : []).map((c) => {
    const total = msat(c.total_msat);
    const local = Math.min(msat(c.to_us_msat), total);
    return { c, total, local, remote: Math.max(total - local, 0), kind: STATE_KIND(String(c.state ?? '')) };
  });
  chans.sort((a, b) => (a.kind[1] === 'active' ? 0 : 1) - (b.kind[1] === 'active' ? 0 : 1) || b.total - a.total);
  let local = 0;
  let remote = 0;
  let active = 0;
  for (const x of chans) {
    if (x.kind[1] !== 'active') continue;
    active += 1;
    local += x.local;
    remote += x.remote;
  }
  $('channels-local').textContent = fmtSat(local);
  $('channels-remote').textContent = fmtSat(remote);
  $('channels-capacity').textContent = `${fmtSat(local + remote)} · ${active} active of ${chans.length}`;
  if (!chans.length) {
    set($('channel-list'), h('li', { class: 'placeholder', text: 'No channels yet.' }));
    return;
  }
  set($('channel-list'), ...chans.map(({ c, total, local: l, remote: rm, kind }) => {
    const pct = total ? (l / total) * 100 : 0;
    return h('li', { class: `channel ${kind[0]}`, dataset: { peer: c.peer_id ?? '', scid: c.short_channel_id ?? '' } },
      h('div', { class: 'channel-head' },
        h('span', { class: `dot ${c.peer_connected ? 'on' : 'off'}`, title: c.peer_connected ? 'peer connected' : 'peer offline' }),
        h('span', { class: 'mono peer', title: c.peer_id ?? '', text: shortId(c.peer_id) }),
        h('button', { type: 'button', class: 'btn link small', title: 'Copy the peer id', dataset: { copyFrom: 'channel-list', copyText: c.peer_id ?? '' }, text: 'copy' }),
        h('span', { class: `badge ${kind[0]}`, title: c.state, text: kind[1] }),
        h('span', { class: 'capacity', title: fmtBtc(total), text: fmtSat(total) })),
      h('div', { class: 'channel-sub small muted mono' },
        h('span', { title: 'short channel id', text: c.short_channel_id ?? 'no short channel id yet' }),
        h('span', { text: String(c.state ?? '') })),
      h('div', {
        class: 'bar', role: 'img',
        'aria-label': `local ${fmtSat(l)}, remote ${fmtSat(rm)} of ${fmtSat(total)}`,
      },
      h('span', { class: 'local', style: { width: `${pct}%` } }),
      h('span', { class: 'remote', style: { width: `${100 - pct}%` } })),
      h('div', { class: 'bar-labels small' },
        h('span', { title: `spendable ${fmtSat(c.spendable_msat)}` }, h('span', { class: 'key local' }), ` local ${fmtSat(l)}`),
        h('span', { title: `receivable ${fmtSat(c.receivable_msat)}` }, `remote ${fmtSat(rm)} `, h('span', { class: 'key remote' }))));
  }));
}

// --- Invoices

function newLabel() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  const rand = Math.random().toString(36).slice(2, 6);
  return `panel-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${rand}`;
}

/** "1000", "1,000.5", "any" → msat number, "any", or an error string. */
function parseAmount(raw) {
  const s = raw.trim().toLowerCase().replace(/[\s,_]/g, '');
  if (s === 'any') return { value: 'any' };
  if (!s) return { error: 'Enter an amount in sats, or "any".' };
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) return { error: 'The amount is a number of sats (up to 3 decimals for msat), or "any".' };
  const value = Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0'));
  if (!Number.isSafeInteger(value)) return { error: 'That amount is too large.' };
  if (value === 0) return { error: 'The amount must be more than 0 (or "any").' };
  return { value };
}

/** The invoice form's params as they would be sent, for the amount `amountMsat` (parseAmount's). */
function invoiceParams(amountMsat) {
  const params = {
    amount_msat: amountMsat,
    label: $('invoice-label').value.trim() || newLabel(),
    description: $('invoice-description').value,
  };
  if ($('invoice-expiry').value) params.expiry = Number($('invoice-expiry').value);
  return params;
}

function formStatus(...content) {
  set($('invoice-form-status'), ...content);
}

async function createInvoice() {
  if (!conn) {
    formStatus(h('div', { class: 'notice error', text: 'Not connected: connect to a node first.' }));
    return;
  }
  const amount = parseAmount($('invoice-amount').value);
  if (amount.error) {
    formStatus(h('div', { class: 'notice error', text: amount.error }));
    $('invoice-amount').focus();
    return;
  }
  const params = invoiceParams(amount.value);
  const { label, description } = params;
  const c = conn;
  const gen = generation;
  const refusal = await runeRefuses('invoice', params);
  if (gen !== generation) return;
  if (refusal) {
    formStatus(refusedNotice('invoice (creating this invoice)', refusal));
    return;
  }
  $('invoice-create').disabled = true;
  formStatus(h('p', { class: 'placeholder loading-text', text: 'Creating the invoice…' }));
  try {
    const inv = await c.commando('invoice', params);
    if (gen !== generation) return;
    formStatus();
    await showInvoice({ ...inv, label, description, amount_msat: amount.value === 'any' ? undefined : amount.value });
    $('invoice-label').value = newLabel();
    loadSection('invoices');
  } catch (e) {
    if (gen !== generation) return;
    if (e?.code === 900) {
      formStatus(h('div', { class: 'notice error' }, h('strong', { text: 'That label is taken: ' }),
        `an invoice labelled “${label}” already exists. Labels are unique on a node; pick another one.`));
    } else {
      formStatus(errorNotice(e, 'invoice (creating an invoice)'));
    }
  } finally {
    $('invoice-create').disabled = false;
  }
}

async function showInvoice(inv) {
  const bolt11 = String(inv.bolt11 ?? '');
  $('invoice-result').hidden = false;
  $('invoice-bolt11').value = bolt11;
  $('invoice-open').href = `lightning:${bolt11}`;
  const amt = inv.amount_msat === undefined ? 'any amount' : fmtSat(inv.amount_msat);
  set($('invoice-meta'),
    h('div', { class: 'invoice-amount-big', text: amt }),
    inv.description ? h('div', { class: 'muted', text: `“${inv.description}”` }) : null,
    h('div', { class: 'small muted' }, `label `, h('span', { class: 'mono', text: inv.label ?? '' }),
      Number.isFinite(inv.expires_at) ? ` · expires ${fmtRelative(inv.expires_at)} (${fmtWhen(inv.expires_at)})` : ''),
    inv.status ? h('span', { class: `badge ${inv.status === 'paid' ? 'ok' : inv.status === 'expired' ? 'off' : 'pending'}`, text: inv.status }) : null);
  await renderQr($('invoice-qr'), bolt11);
}

async function renderQr(container, bolt11) {
  // Upper case: bech32 allows it, and it fits QR's dense alphanumeric mode.
  await drawQr(container, `lightning:${bolt11}`.toUpperCase());
}

/** Draws `text` as a QR code (SVG) in `container`, or says why it cannot. */
async function drawQr(container, text) {
  set(container, h('span', { class: 'muted small', text: 'Drawing the QR code…' }));
  const qrcode = await loadQr();
  if (!qrcode) {
    set(container, h('span', { class: 'muted small', text: 'QR code unavailable (vendor/qrcode.js missing).' }));
    return;
  }
  let qr;
  try {
    qr = qrcode(0, 'L');
    qr.addData(text, /^[0-9A-Z $%*+\-./:]*$/.test(text) ? 'Alphanumeric' : 'Byte');
    qr.make();
  } catch {
    set(container, h('span', { class: 'muted small', text: 'Too long for a QR code: copy the text instead.' }));
    return;
  }
  // The SVG is built from the module matrix only (no text from the node), so parsing it is safe.
  const doc = new DOMParser().parseFromString(qr.createSvgTag({ cellSize: 4, margin: 16, scalable: true }), 'image/svg+xml');
  set(container, document.importNode(doc.documentElement, true));
}

function renderInvoices(r) {
  const list = (Array.isArray(r.invoices) ? r.invoices : []).slice();
  list.sort((a, b) => (b.created_index ?? 0) - (a.created_index ?? 0) || (b.expires_at ?? 0) - (a.expires_at ?? 0));
  const shown = list.slice(0, 15);
  if (!shown.length) {
    set($('invoice-list'), h('li', { class: 'placeholder', text: 'No invoices yet.' }));
    return;
  }
  const now = Date.now() / 1000;
  set($('invoice-list'), ...shown.map((inv) => {
    const status = inv.status === 'unpaid' && inv.expires_at < now ? 'expired' : String(inv.status ?? '');
    return h('li', { class: 'row invoice-row' },
      h('span', { class: `badge ${status === 'paid' ? 'ok' : status === 'expired' ? 'off' : 'pending'}`, text: status }),
      h('span', { class: 'amount', text: inv.amount_msat !== undefined ? fmtSat(inv.amount_msat) : 'any' }),
      h('span', { class: 'inv-text' },
        h('span', { class: 'mono small', text: String(inv.label ?? '') }),
        inv.description ? h('span', { class: 'small muted desc', text: ` ${inv.description}` }) : null),
      status === 'unpaid' && inv.bolt11 ? h('button', {
        type: 'button', class: 'btn ghost small', text: 'Show',
        onclick: () => showInvoice(inv).then(() => $('invoice-result').scrollIntoView({ behavior: 'smooth', block: 'nearest' })),
      }) : h('span', { class: 'small muted', text: status === 'paid' ? '' : fmtRelative(inv.expires_at ?? now) }));
  }));
  if (list.length > shown.length) {
    $('invoice-list').append(h('li', { class: 'placeholder small', text: `…and ${list.length - shown.length} older (console: listinvoices).` }));
  }
}


/**
 * A heads-up, before any call, when the connected rune refuses an invoice like the one in the
 * form (checkRune, in this page); kept up to date as the form changes.
 */
async function invoiceHint() {
  const status = sectionStatus('invoice');
  const gen = generation;
  // While the amount is not valid yet, as an `any` invoice.
  const refusal = await runeRefuses('invoice', invoiceParams(parseAmount($('invoice-amount').value).value ?? 'any'));
  if (gen !== generation) return;
  if (!refusal) {
    set(status);
    return;
  }
  set(status, h('div', { class: 'notice hint small', 'data-precheck': 'refused' },
    h('strong', { text: 'Heads-up: ' }), `this rune cannot create this invoice (${clip(refusal)}). Checked in this page: nothing is sent.`));
}

for (const id of ['invoice-amount', 'invoice-label', 'invoice-description', 'invoice-expiry']) {
  $(id).addEventListener('input', () => invoiceHint());
}

$('invoice-form').addEventListener('submit', (e) => {
  e.preventDefault();
  createInvoice();
});

// ---------------------------------------------------------------------------------------------
// Console

/**
 * Where strict JSON parsing fails in `s`: {pos, msg}, or null if it parses. JSON.parse's own
 * messages do not always give a position, so this small scanner finds it (only run on errors).
 */
function jsonErrorAt(s) {
  let i = 0;
  const fail = (msg) => {
    throw { pos: i, msg };
  };
  const ws = () => {
    while (i < s.length && ' \t\n\r'.includes(s[i])) i += 1;
  };
  const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
  const string = () => {
    i += 1;
    while (i < s.length) {
      const c = s[i];
      if (c === '"') {
        i += 1;
        return;
      }
      if (c === '\\') {
        const e = s[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) fail('a \\u escape needs 4 hex digits');
          i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('an invalid escape in a string');
        i += 2;
        continue;
      }
      if (c < ' ') fail('a line break or control character inside a string (write \\n)');
      i += 1;
    }
    fail('a string is not closed (missing ")');
  };
  const value = () => {
    ws();
    const c = s[i];
    if (c === '{') {
      i += 1;
      ws();
      if (s[i] === '}') {
        i += 1;
        return;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail('expected a property name in double quotes');
        string();
        ws();
        if (s[i] !== ':') fail("expected ':' after the property name");
        i += 1;
        value();
        ws();
        if (s[i] === ',') {
          i += 1;
          continue;
        }
        if (s[i] === '}') {
          i += 1;
          return;
        }
        fail("expected ',' or '}' after a property value");
      }
    }
    if (c === '[') {
      i += 1;
      ws();
      if (s[i] === ']') {
        i += 1;
        return;
      }
      for (;;) {
        value();
        ws();
        if (s[i] === ',') {
          i += 1;
          continue;
        }
        if (s[i] === ']') {
          i += 1;
          return;
        }
        fail("expected ',' or ']' after an array element");
      }
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(s);
      if (!m) fail('an invalid number');
      i += m[0].length;
      return;
    }
    for (const w of ['true', 'false', 'null']) {
      if (s.startsWith(w, i)) {
        i += w.length;
        return;
      }
    }
    fail(i >= s.length ? 'the text ends where a value is expected' : 'expected a value (a string, number, object, array, true, false or null)');
  };
  try {
    value();
    ws();
    if (i < s.length) fail('unexpected text after the end of the value');
    return null;
  } catch (e) {
    if (e && typeof e.pos === 'number') return e;
    throw e;
  }
}

/** Parses the params textarea: {value} (undefined for empty) or {error, line, column, excerpt}. */
function parseParams(text) {
  if (!text.trim()) return { value: undefined };
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorAt(text);
    if (!at) return { error: `JSON syntax error: ${e.message}` };
    const before = text.slice(0, at.pos).split('\n');
    const line = before.length;
    const column = before.at(-1).length + 1;
    const src = (text.split('\n')[line - 1] ?? '').replace(/\t/g, ' ');
    const ch = text[at.pos];
    const found = ch === undefined ? 'the end of the text' : ch === '\n' || ch === '\r' ? 'a line break' : `‘${ch}’`;
    return {
      error: `JSON syntax error: ${at.msg}, found ${found}`,
      line,
      column,
      excerpt: `${src}\n${' '.repeat(Math.max(0, column - 1))}^`,
    };
  }
  if (value === null || typeof value !== 'object') {
    return { error: 'Params must be a JSON object ({…}) or array ([…]), not a single value.' };
  }
  return { value };
}

function showParamsError(p) {
  const el = $('console-params-error');
  if (!p?.error) {
    el.hidden = true;
    set(el);
    $('console-params').removeAttribute('aria-invalid');
    return;
  }
  set(el, h('strong', { text: p.error }),
    p.line !== null && p.line !== undefined ? h('span', { text: ` (line ${p.line}, column ${p.column})` }) : null,
    p.excerpt ? h('pre', { class: 'excerpt', text: p.excerpt }) : null,
    h('div', { class: 'small', text: 'Nothing was sent.' }));
  el.hidden = false;
  $('console-params').setAttribute('aria-invalid', 'true');
}

let paramsTimer = null;
$('console-params').addEventListener('input', () => {
  clearTimeout(paramsTimer);
  paramsTimer = setTimeout(() => {
    const p = parseParams($('console-params').value);
    // Live: only clear errors while typing; they are shown on Run (or after a pause, once invalid).
    if (!p.error) showParamsError(null);
    else if (!$('console-params-error').hidden) showParamsError(p);
  }, 300);
});

const MAX_RENDER = 1_000_000; // characters of pretty JSON rendered in the page
const COLLAPSE_LINES = 40;

function renderJsonBlock(value) {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const lines = text.split('\n').length;
  const wrap = h('div', { class: 'result' });
  const head = h('div', { class: 'result-tools small muted' },
    h('span', { text: `${lines} line${lines === 1 ? '' : 's'} · ${fmtBytes(text.length)}` }));
  const copyBtn = h('button', {
    type: 'button', class: 'btn link small', text: 'Copy JSON',
    onclick: async () => {
      const ok = await copyText(text);
      copyBtn.textContent = ok ? 'Copied ✓' : 'Copy failed';
      setTimeout(() => { copyBtn.textContent = 'Copy JSON'; }, 1500);
    },
  });
  head.append(copyBtn);
  wrap.append(head);
  const shown = text.length > MAX_RENDER ? `${text.slice(0, MAX_RENDER)}\n… (truncated: ${fmtBytes(text.length)} in all; use Copy JSON)` : text;
  if (lines > COLLAPSE_LINES) {
    const preview = text.split('\n').slice(0, 20).join('\n');
    wrap.append(h('pre', { class: 'json preview', text: `${preview}\n…` }));
    wrap.append(h('details', { class: 'more' }, h('summary', { text: `Show all ${lines} lines` }), h('pre', { class: 'json', text: shown })));
  } else {
    wrap.append(h('pre', { class: 'json', text: shown }));
  }
  return wrap;
}

let consoleAbort = null;

async function runConsole() {
  const out = $('console-output');
  const method = $('console-method').value.trim();
  if (!method || /\s/.test(method)) {
    showParamsError({ error: method ? 'The method is one word, e.g. getinfo.' : 'Enter a method, e.g. getinfo.' });
    $('console-method').focus();
    return;
  }
  const p = parseParams($('console-params').value);
  if (p.error) {
    showParamsError(p);
    return;
  }
  showParamsError(null);
  if (!conn) {
    out.hidden = false;
    out.dataset.status = 'error';
    set(out, h('div', { class: 'notice error' }, h('strong', { text: 'Not connected: ' }), 'connect to a node first.'),
      h('span', { id: 'console-error-code', class: 'code-chip', text: String(lib?.ErrorCode?.NOT_CONNECTED ?? '') }));
    return;
  }
  consoleAbort?.abort();
  const abort = new AbortController();
  consoleAbort = abort;
  const c = conn;
  const gen = generation;
  out.hidden = false;
  out.dataset.status = 'running';
  set(out, h('p', { class: 'placeholder loading-text' }, 'Running ', h('code', { text: method }), '…'));
  $('console-cancel').hidden = false;
  const t0 = performance.now();
  try {
    const result = await c.commando(method, p.value, { signal: abort.signal });
    if (gen !== generation || consoleAbort !== abort) return;
    const ms = Math.round(performance.now() - t0);
    set(out, h('div', { class: 'result-head ok' }, h('span', { class: 'tick', text: '✓' }), ' ', h('code', { text: method }), h('span', { class: 'muted small', text: ` · ${ms} ms` })),
      renderJsonBlock(result));
    out.dataset.status = 'ok';
  } catch (e) {
    if (gen !== generation && e?.reason !== 'aborted') return;
    if (consoleAbort !== abort) return;
    const code = typeof e?.code === 'number' ? String(e.code) : 'TypeError';
    set(out,
      h('div', { class: `result-head err${e?.reason === 'not-authorised' ? ' forbidden-head' : ''}` },
        h('span', { class: 'cross', text: '✗' }), ' ', h('code', { text: method }), ' failed: error ',
        h('span', { id: 'console-error-code', class: 'code-chip', text: code }),
        e?.reason ? h('span', { class: 'badge off', text: e.reason }) : null),
      h('p', { class: 'meaning' }, h('strong', { text: errorMeaning(e) })),
      h('pre', { class: 'json error-message', text: clip(e?.message ?? String(e), 20000) }),
      e?.data !== undefined ? h('div', { class: 'small muted', text: 'data:' }) : null,
      e?.data !== undefined ? renderJsonBlock(e.data) : null);
    out.dataset.status = 'error';
  } finally {
    if (consoleAbort === abort) {
      consoleAbort = null;
      $('console-cancel').hidden = true;
    }
  }
}

$('console-form').addEventListener('submit', (e) => {
  e.preventDefault();
  runConsole();
});
$('console-cancel').addEventListener('click', () => consoleAbort?.abort());
for (const id of ['console-method', 'console-params']) {
  $(id).addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      runConsole();
    }
  });
}

/** Fills the method suggestions from `help` (quietly: a rune may forbid it). */
async function loadMethodList() {
  const c = conn;
  const gen = generation;
  try {
    if (await runeRefuses('help', {})) throw new Error('the rune refuses help');
    const r = await c.commando('help');
    if (gen !== generation) return;
    const cmds = (Array.isArray(r.help) ? r.help : []).map((x) => String(x.command ?? '').split(' ')[0]).filter(Boolean).sort();
    set($('console-methods'), ...cmds.map((m) => h('option', { value: m })));
  } catch {
    if (gen === generation) {
      set($('console-methods'), ...['getinfo', 'listfunds', 'listpeerchannels', 'listinvoices', 'listpeers', 'listchannels', 'help']
        .map((m) => h('option', { value: m })));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rune inspector

async function inspectRune({ quiet = false } = {}) {
  const out = $('rune-explanation');
  const typed = $('rune-input').value.trim();
  const formRune = $('rune').value.trim();
  const rune = typed || connRune || formRune;
  if (!rune) {
    if (quiet) return;
    out.hidden = false;
    out.dataset.status = 'error';
    set(out, h('div', { class: 'notice error', text: 'Paste a rune to explain (or enter one in the connect form).' }));
    return;
  }
  if (!lib) return;
  let decoded;
  try {
    decoded = await lib.decodeRune(rune);
  } catch (e) {
    out.hidden = false;
    out.dataset.status = 'error';
    set(out, h('div', { class: 'notice error' }, h('strong', { text: 'Not a valid rune: ' }), e?.message ?? String(e)));
    return;
  }
  const source = typed ? (rune === connRune ? 'This is the rune this panel connected with.' : null)
    : rune === connRune ? 'The rune this panel connected with.' : 'The rune in the connect form.';
  const parts = [];
  if (source) parts.push(h('p', { class: 'small muted', text: source }));
  parts.push(...explanationParts(decoded));
  set(out, ...parts);
  out.hidden = false;
  out.dataset.status = 'ok';
}

/** A decoded rune in words (rune-explain.js), as elements. */
function explanationParts(decoded) {
  const ex = explainRune(decoded);
  const parts = [];
  parts.push(h('p', { class: 'intro', text: ex.intro }));
  if (ex.unrestricted) {
    parts.push(h('p', { class: 'notice warn' }, h('strong', { text: 'No restrictions: full access.' })));
  } else {
    parts.push(h('p', { text: `Allows only calls where${ex.restrictions.length > 1 ? ' all of these hold' : ''}:` }));
    parts.push(h('ul', { class: 'restrictions' }, ...ex.restrictions.map((r, i) => {
      const li = h('li', {});
      if (i > 0) li.append(h('span', { class: 'and', text: 'and ' }));
      r.alternatives.forEach((a, j) => {
        if (j > 0) li.append(' ', h('span', { class: 'or', text: 'or' }), ' ');
        li.append(h('span', { class: 'alt', text: a }));
      });
      if (r.always) li.append(h('span', { class: 'small muted', text: ' (always true: it has a comment alternative)' }));
      return li;
    })));
  }
  for (const n of ex.notes) parts.push(h('p', { class: 'notice warn small', text: n }));
  return parts;
}

$('rune-form').addEventListener('submit', (e) => {
  e.preventDefault();
  inspectRune();
});

// ---------------------------------------------------------------------------------------------
// Rune builder: narrows a rune in this page with restrictRune (nothing is sent)

let builtRune = null; // the last rune built, in memory only

const PARAM_OPS = [['<', 'less than'], ['>', 'greater than'], ['=', 'equal to'], ['/', 'not equal to'],
  ['^', 'starts with'], ['$', 'ends with'], ['~', 'contains'], ['!', 'is not given']];

function addParamRow() {
  const ops = h('select', { class: 'param-op', 'aria-label': 'Condition' },
    ...PARAM_OPS.map(([op, words]) => h('option', { value: op, text: words })));
  const row = h('div', { class: 'param-row' },
    h('input', { class: 'param-name mono', type: 'text', placeholder: 'amount_msat', 'aria-label': 'Parameter name', spellcheck: 'false' }),
    ops,
    h('input', { class: 'param-value mono', type: 'text', placeholder: '100000', 'aria-label': 'Value', spellcheck: 'false' }),
    h('button', { type: 'button', class: 'btn ghost small param-remove', text: 'Remove', 'aria-label': 'Remove this limit' }));
  row.querySelector('.param-remove').addEventListener('click', () => row.remove());
  $('builder-param-rows').append(row);
  return row;
}

/** The rune the builder starts from: the connected one, else the inspector's, else the form's. */
function builderBase() {
  return connRune || $('rune-input').value.trim() || $('rune').value.trim();
}

function builderError(text) {
  $('builder-output').hidden = true;
  set($('builder-status'), h('div', { class: 'notice error', role: 'alert', text }));
}

/** The restrictions the form asks for, in createrune's form, or {error}. */
function builderRestrictions() {
  const restrictions = [];
  let limited = false;
  const methods = $('builder-methods').value.split(/[\s,]+/).filter(Boolean);
  if (methods.length) restrictions.push(methods.map((m) => ({ field: 'method', op: '=', value: m })));
  for (const row of $('builder-param-rows').querySelectorAll('.param-row')) {
    const name = row.querySelector('.param-name').value.trim();
    const op = row.querySelector('.param-op').value;
    const value = row.querySelector('.param-value').value.trim();
    if (!name) continue;
    if (!/^[A-Za-z0-9_]+$/.test(name)) return { error: `Parameter "${name}": letters, digits and _ only (Core Lightning matches amount_msat as written).` };
    if ((op === '<' || op === '>') && !/^-?\d+$/.test(value)) return { error: `Parameter "${name}": "${PARAM_OPS.find(([o]) => o === op)[1]}" needs a whole number.` };
    // A limit holds when the parameter is given (`pnameX!` passes calls without it, such as
    // other methods'); positional parameters are refused below, so it cannot be dodged.
    if (op === '!') restrictions.push([{ field: `pname${name}`, op, value: '' }]);
    else restrictions.push([{ field: `pname${name}`, op, value }, { field: `pname${name}`, op: '!', value: '' }]);
    limited = true;
  }
  if (limited) restrictions.push(['parr0!']);
  const expiry = $('builder-expiry').value;
  if (expiry) {
    const t = new Date(expiry).getTime();
    if (!Number.isFinite(t)) return { error: 'The expiry is not a valid date and time.' };
    if (t <= Date.now()) return { error: 'The expiry is in the past: the node would refuse every call.' };
    restrictions.push([`time<${Math.floor(t / 1000)}`]);
  }
  const rate = $('builder-rate').value.trim();
  if (rate) {
    if (!/^\d+$/.test(rate) || Number(rate) < 1) return { error: 'The rate limit is a whole number of calls per minute (1 or more).' };
    restrictions.push([`rate=${Number(rate)}`]);
  }
  return { restrictions };
}

async function buildRune() {
  set($('builder-status'));
  const base = builderBase();
  if (!base) return builderError('Connect, or paste a rune in the inspector, to build from it.');
  const readonly = $('builder-readonly').checked;
  const asked = builderRestrictions();
  if (asked.error) return builderError(asked.error);
  if (!readonly && asked.restrictions.length === 0) return builderError('Pick at least one limit: the new rune would be the same as the old one.');
  let rune = base;
  let decoded;
  try {
    if (readonly) rune = await lib.restrictRune(rune, 'readonly');
    if (asked.restrictions.length) rune = await lib.restrictRune(rune, asked.restrictions);
    decoded = await lib.decodeRune(rune);
  } catch (e) {
    return builderError(`Could not build it: ${e?.message ?? e}`);
  }
  builtRune = rune;
  $('builder-rune').value = rune;
  $('builder-text').textContent = decoded.text;
  set($('builder-words'), ...explanationParts(decoded));
  // What the panel's own calls would get with it (checkRune, in this page).
  const checks = [];
  const calls = [...Object.values(sections).map((s) => [s.method, {}]), ['invoice', { amount_msat: 1000, label: 'x', description: '' }]];
  for (const [method, params] of calls) {
    const r = await lib.checkRune(rune, { method, params });
    const mark = r.allowed === true ? '✓ allowed' : r.allowed === false ? '✗ refused' : '? depends on the node';
    checks.push(h('li', { class: 'row small', 'data-method': method, 'data-allowed': String(r.allowed) },
      h('span', { class: 'mono', text: method }), h('span', { text: r.reason ? `${mark}: ${r.reason}` : mark })));
  }
  set($('builder-checks'), ...checks);
  $('builder-qr-box').hidden = true;
  $('builder-output').hidden = false;
  $('builder-output').dataset.status = 'ok';
}

$('builder-add-param').addEventListener('click', () => addParamRow().querySelector('.param-name').focus());
$('builder-form').addEventListener('submit', (e) => {
  e.preventDefault();
  buildRune();
});
secretToggle('builder-rune', 'builder-rune-toggle');
$('builder-qr-show').addEventListener('click', async () => {
  if (!builtRune) return;
  const { url, nodeId } = formTarget();
  $('builder-qr-box').hidden = false;
  if (!url || !nodeId) {
    set($('builder-qr'), h('span', { class: 'muted small', text: 'Fill in the node\'s URL and id in the connect form first.' }));
    return;
  }
  // This panel's own link format (#url=…&nodeId=…&rune=…): it prefills and asks before connecting.
  const link = `${location.origin}${location.pathname}#${new URLSearchParams({ url, nodeId, rune: builtRune })}`;
  await drawQr($('builder-qr'), link);
});
$('builder-use').addEventListener('click', () => {
  if (!builtRune) return;
  $('rune').value = builtRune;
  runeTarget = formTarget();
  doConnect();
});

// ---------------------------------------------------------------------------------------------
// Wiring

$('connect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  doConnect();
});
$('connect-cancel').addEventListener('click', () => connectAbort?.abort());
$('disconnect').addEventListener('click', async () => {
  userClosed = true;
  const c = conn;
  if (!c) return;
  await c.close();
  setState('closed');
  connNotice('info', 'Disconnected. The last data stays on screen until you connect again.');
});

window.addEventListener('hashchange', () => {
  if (applyHash()) doConnect();
});

$('invoice-label').value = newLabel();
setState('disconnected');
loadRemembered();
if (applyHash()) doConnect();
// The submit buttons start disabled so that Enter cannot submit a form natively before this
// module is running (which would put the rune in the URL; the CSP's form-action blocks it too).
if (lib) for (const id of ['connect', 'invoice-create', 'console-run', 'rune-inspect', 'builder-build']) $(id).disabled = false;
await preloaded; // a wasm that failed to load says so at connect
document.documentElement.dataset.app = lib ? 'ready' : 'failed'; // for tests and scripts
