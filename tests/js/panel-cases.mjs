// The admin panel's cases (www/, built by scripts/build-www.mjs) in headless Chromium against
// one node: used by panel.mjs (the panel on loopback http, each node) and deploy.mjs (the panel
// hosted by nginx over https, the node through the same nginx as wss://).
// Screenshots go to `shots` (NAME-*.png; NAME-fail-N.png for a failed case; NAME is `name`).
import { join } from 'node:path';
import { escapeRegExp, isProbeOf, outcome, skipped } from './outcome.mjs';

/** A rune with any restrictions (a made-up authcode: decodeRune does not check it). */
const craftRune = (restrictions) => Buffer.concat([Buffer.alloc(32, 7), Buffer.from(restrictions)]).toString('base64url');
const UNREACHABLE = 'ws://127.0.0.1:9';
const OTHER_NODE = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';

/**
 * Every panel case against `node`, in a fresh browser context of `browser`, with the panel
 * served at `origin`; `attacker` is a second node for the link cases (null: those are skipped);
 * `onContext(context)` sees the context first (to record its requests); screenshots are
 * `shots`/`name`-….png.
 */
export async function panelCases({ browser, origin, node, attacker, shots, name = 'panel', onContext }) {
  const results = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await onContext?.(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const problems = [];
  // Failed WebSocket connections Chromium logs, expected in some cases only (a RegExp).
  let expectWsErrors = null;
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Connecting to nothing makes Chromium log the failed WebSocket: expected in that case only.
    if (expectWsErrors && (expectWsErrors.test(m.text()) || isProbeOf(m, node.url))) return;
    problems.push(`console error: ${m.text()}`);
  });
  let framesSent = 0;
  // Frames large enough to be a commando request (a request carries its rune; handshake acts,
  // init and pings are under 100 bytes).
  let requestFrames = 0;
  const wsOpened = [];
  page.on('websocket', (ws) => {
    wsOpened.push(ws.url());
    ws.on('framesent', (f) => {
      framesSent += 1;
      if ((f.payload?.length ?? 0) > 150) requestFrames += 1;
    });
  });

  const assert = (cond, what) => {
    if (!cond) throw new Error(`assertion failed: ${what}`);
  };
  const text = (sel) => page.locator(sel).innerText();
  const shot = async (shotName) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, `${name}-${shotName}.png`), fullPage: true });
  };
  const waitState = (s) => page.waitForFunction((want) => document.getElementById('state').textContent === want, s);
  const test = async (name, fn, { skip = false } = {}) => {
    if (skip) {
      results.push(skipped(name, typeof skip === 'string' ? skip : undefined));
      return;
    }
    const r = await outcome(name, fn);
    results.push(r);
    if (!r.ok) console.log(`[panel · ${node.label}] FAIL ${name}: ${r.error}`);
    if (!r.ok) await shot(`fail-${results.length}`).catch(() => {});
  };
  /** Fills the connect form and connects; resolves once ready with the summary rendered again. */
  const connectWith = async ({ url = node.url, nodeId = node.nodeId, rune }) => {
    await page.evaluate(() => { document.getElementById('summary-id').dataset.id = ''; });
    await page.fill('#url', url);
    await page.fill('#nodeId', nodeId);
    await page.fill('#rune', rune);
    await page.click('#connect');
    await waitState('ready');
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, nodeId);
  };

  await test('opens with the hash prefilled, connects, #state becomes ready', async () => {
    await page.goto(`${origin}/`);
    await page.waitForSelector('html[data-app="ready"]');
    assert(await text('#state') === 'disconnected', `state before connecting: ${await text('#state')}`);
    await shot('start');
    const hash = new URLSearchParams({ url: node.url, nodeId: node.nodeId, rune: node.rune, connect: '1' });
    await page.goto(`${origin}/#${hash}`);
    await page.waitForSelector('html[data-app="ready"]');
    // Not a remembered node: the panel names it and waits for a click.
    await page.waitForSelector('#link-confirm:not([hidden])');
    assert(await text('#link-confirm-node') === node.nodeId && await text('#link-confirm-url') === node.url, 'the link\'s target is named');
    assert(await text('#state') === 'disconnected', 'nothing connects before the click');
    await shot('link-confirm');
    await page.click('#link-connect');
    await waitState('ready');
    assert(await page.isHidden('#link-confirm'), 'the confirmation goes once connected');
    assert(await page.evaluate(() => location.hash) === '', 'the hash (with the rune) is cleared from the address bar');
    assert(await page.inputValue('#url') === node.url && await page.inputValue('#nodeId') === node.nodeId, 'form prefilled');
    assert(await page.isVisible('#disconnect'), 'disconnect button shown');
    assert(await page.evaluate(() => localStorage.getItem('lncommando-panel:connection')) === null, 'nothing stored without "remember"');
  });

  await test('summary shows the node id and alias', async () => {
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, node.nodeId);
    const alias = await text('#summary-alias');
    assert(alias.length > 0, 'alias shown');
    if (!node.real) assert(alias === 'lncommando-testnode', `alias ${alias}`);
    assert(/^\d[\d,.\s]*$/.test(await text('#summary-blockheight')), 'block height');
    assert((await text('#summary-id')).includes('…'), 'id shortened');
    assert(await page.locator('#summary .forbidden, #summary .notice.error').count() === 0, 'no error in the summary');
  });

  await test('funds and channels render, channels with balance bars', async () => {
    await page.waitForSelector('#funds .section-body:not([hidden])');
    assert((await text('#funds-total')).includes('sat'), 'on-chain total');
    await page.waitForSelector('#channels .section-body:not([hidden])');
    const n = await page.locator('#channels .channel').count();
    const bars = await page.locator('#channels .channel .bar').count();
    if (node.real && n === 0) {
      assert((await text('#channel-list')).includes('No channels'), 'empty state');
      return;
    }
    assert(n > 0 && bars === n, `${n} channels, ${bars} bars`);
    if (!node.real) {
      assert(n === 3, `3 channels (${n})`);
      assert((await text('#funds-total')).includes('1,790,000'), `on-chain total ${await text('#funds-total')}`);
      assert((await text('#channels-local')).includes('3,600,000'), `local total ${await text('#channels-local')}`);
      const w = await page.locator('#channels .channel').first().locator('.bar .local').evaluate((e) => e.getBoundingClientRect().width);
      assert(w > 0, 'the local part of the bar has a width');
    }
  });

  await test('create an invoice with the form: bolt11 text and QR', async () => {
    await page.fill('#invoice-amount', '1234');
    await page.fill('#invoice-description', 'panel test coffee');
    const label = await page.inputValue('#invoice-label');
    assert(label.startsWith('panel-'), `default label ${label}`);
    await page.click('#invoice-create');
    await page.waitForSelector('#invoice-result:not([hidden]) #invoice-qr svg, #invoice-result:not([hidden]) #invoice-qr img, #invoice-result:not([hidden]) #invoice-qr canvas');
    const bolt11 = await page.inputValue('#invoice-bolt11');
    assert(bolt11.startsWith('lnbcrt'), `bolt11 ${bolt11.slice(0, 20)}`);
    assert(await page.inputValue('#invoice-label') !== label, 'a fresh label for the next one');
    await page.waitForFunction((l) => document.getElementById('invoice-list').textContent.includes(l), label);
    await page.fill('#invoice-amount', 'any');
    await page.click('#invoice-create');
    await page.waitForFunction((b) => document.getElementById('invoice-bolt11').value !== b, bolt11);
    assert((await text('#invoice-meta')).includes('any amount'), 'an "any" invoice');
    await page.fill('#invoice-amount', 'lots');
    await page.click('#invoice-create');
    await page.waitForFunction(() => document.getElementById('invoice-form-status').textContent.includes('number of sats'));
  }, { skip: node.kind === 'external' && 'creates invoices on a node the tests do not own' });

  await test(node.real ? 'console runs getinfo {} → ok' : 'console runs echo {"a":1} → ok', async () => {
    await page.fill('#console-method', node.real ? 'getinfo' : 'echo');
    await page.fill('#console-params', node.real ? '{}' : '{"a":1}');
    await page.click('#console-run');
    await page.waitForFunction(() => ['ok', 'error'].includes(document.getElementById('console-output').dataset.status));
    assert(await page.getAttribute('#console-output', 'data-status') === 'ok', await text('#console-output'));
    const out = await text('#console-output');
    assert(node.real ? out.includes('"id"') : out.includes('"a": 1'), out);
  });

  await test('console nosuchmethod → error -32601 shown', async () => {
    await page.fill('#console-method', 'nosuchmethod');
    await page.fill('#console-params', '');
    await page.click('#console-run');
    await page.waitForFunction(() => document.getElementById('console-output').dataset.status === 'error');
    assert(await text('#console-error-code') === '-32601', `code ${await text('#console-error-code')}`);
    assert((await text('#console-output')).includes('Unknown command'), await text('#console-output'));
    await shot('console-error');
  });

  await test('console with invalid JSON params shows a syntax error and sends nothing', async () => {
    const before = await page.innerHTML('#console-output');
    const sent = framesSent;
    await page.fill('#console-method', 'getinfo');
    await page.fill('#console-params', '{\n  "a": 1,\n  "b": }');
    await page.click('#console-run');
    await page.waitForSelector('#console-params-error:not([hidden])');
    const err = await text('#console-params-error');
    assert(err.includes('JSON syntax error') && err.includes('line 3'), err);
    await page.waitForTimeout(300);
    assert(framesSent === sent, `${framesSent - sent} WebSocket frames sent`);
    assert(await page.innerHTML('#console-output') === before, 'the output is untouched');
    await page.fill('#console-params', '42');
    await page.click('#console-run');
    await page.waitForFunction(() => document.getElementById('console-params-error').textContent.includes('object'));
    await page.fill('#console-params', '{}');
    await page.click('#console-run');
    await page.waitForFunction(() => document.getElementById('console-output').dataset.status === 'ok');
    assert(await page.isHidden('#console-params-error'), 'the error is cleared');
    await shot('connected');
  });

  await test(node.readonlyRune ? 'rune inspector explains the read-only rune' : 'rune inspector explains the connected rune', async () => {
    await page.fill('#rune-input', node.readonlyRune ?? node.rune);
    await page.click('#rune-inspect');
    await page.waitForFunction(() => document.getElementById('rune-explanation').dataset.status === 'ok');
    const t = await text('#rune-explanation');
    if (node.readonlyRune) {
      assert(t.includes('Unique id 1.'), t);
      assert(/starts with "list"/.test(t) && /starts with "get"/.test(t) && /\bor\b/i.test(t), t);
    }
    await page.fill('#rune-input', 'not a rune');
    await page.click('#rune-inspect');
    await page.waitForFunction(() => document.getElementById('rune-explanation').dataset.status === 'error');
    assert((await text('#rune-explanation')).includes('Not a valid rune'), await text('#rune-explanation'));
  });

  await test('rune inspector phrases every operator and field', async () => {
    await page.fill('#rune-input', craftRune('=7&method^list|method^get|method=summary&method/listdatastore&pnameamount_msat<100000'
      + '&time<1796547165&rate=5&per=10sec&id^02ab&parr0=x&pnum>2&method{m&method}a&method~pay&method$info&pnamelabel!&x#note'));
    await page.click('#rune-inspect');
    await page.waitForFunction(() => document.getElementById('rune-explanation').dataset.status === 'ok');
    const t = await text('#rune-explanation');
    for (const phrase of ['Unique id 7.', 'the method starts with "list"', 'the method is "summary"', 'the method is not "listdatastore"',
      'parameter "amount_msat" is less than 100000', 'the time is before 2026-', 'at most 5 calls per minute',
      'at most one call per 10 seconds', 'the caller\'s node id starts with "02ab"', 'positional parameter 0 is "x"',
      'there are more than 2 parameters', 'the method sorts before "m"', 'the method sorts after "a"', 'the method contains "pay"',
      'the method ends with "info"', 'parameter "label" is not given', 'comment "note"']) {
      assert(t.includes(phrase), `"${phrase}" in:\n${t}`);
    }
    await page.fill('#rune-input', craftRune('=0'));
    await page.click('#rune-inspect');
    await page.waitForFunction(() => document.getElementById('rune-explanation').textContent.includes('full access'));
    await page.fill('#rune-input', '');
  });

  await test('rune builder: a read-only rune that expires tomorrow, then getinfo only; refused sections marked before any call', async () => {
    await connectWith({ rune: node.rune });
    await page.check('#builder-readonly');
    const tomorrow = await page.evaluate(() => {
      const d = new Date(Date.now() + 86400e3);
      const p = (n) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
    });
    await page.fill('#builder-expiry', tomorrow);
    await page.click('#builder-add-param');
    await page.fill('#builder-param-rows .param-row:last-child .param-name', 'amount_msat');
    await page.selectOption('#builder-param-rows .param-row:last-child .param-op', '<');
    await page.fill('#builder-param-rows .param-row:last-child .param-value', '100000');
    const sentBefore = requestFrames;
    await page.click('#builder-build');
    await page.waitForFunction(() => document.getElementById('builder-output').dataset.status === 'ok');
    assert(requestFrames === sentBefore, 'building sent nothing to the node');
    const readable = await text('#builder-text');
    assert(readable.includes('&method^list|method^get|method=summary&method/listdatastore&pnameamount_msat<100000|pnameamount_msat!&parr0!&time<'), `readable form: ${readable}`);
    const words = await text('#builder-words');
    assert(words.includes('the method starts with "list"') && words.includes('the time is before') && words.includes('parameter "amount_msat" is less than 100000'), words);
    const verdict = (m) => page.getAttribute(`#builder-checks [data-method="${m}"]`, 'data-allowed');
    assert(await verdict('getinfo') === 'true' && await verdict('listfunds') === 'true', 'read-only calls allowed');
    assert(await verdict('invoice') === 'false', 'invoice refused');
    assert((await text('#builder-checks [data-method="invoice"]')).includes('Not permitted: method does not start with list'), await text('#builder-checks'));
    const built = await page.inputValue('#builder-rune');
    assert(built && built !== node.rune && await page.getAttribute('#builder-rune', 'type') === 'password', 'the new rune, masked');
    const decoded = await page.evaluate(async (r) => (await import('./lncommando/index.js')).decodeRune(r), built);
    assert(decoded.uniqueId !== null, 'the new rune decodes');
    await page.click('#builder-qr-show');
    await page.waitForSelector('#builder-qr svg');
    await page.locator('#rune-builder').scrollIntoViewIfNeeded();
    await shot('builder');
    // Connect with it: the invoice heads-up comes from checkRune, the read-only sections work.
    await page.click('#builder-use');
    await waitState('ready');
    await page.waitForSelector('#invoice .notice.hint[data-precheck="refused"]');
    await page.waitForSelector('#funds .section-body:not([hidden])');
    await page.waitForSelector('#summary .section-body:not([hidden])');
    // Narrow it further to getinfo alone: the other sections are marked before any call.
    await page.fill('#builder-methods', 'getinfo');
    await page.uncheck('#builder-readonly');
    await page.fill('#builder-expiry', '');
    await page.click('#builder-param-rows .param-row:last-child .param-remove');
    await page.click('#builder-build');
    await page.waitForFunction(() => document.getElementById('builder-checks').querySelector('[data-method="listfunds"]')?.dataset.allowed === 'false');
    await page.evaluate(() => { document.getElementById('summary-id').dataset.id = ''; });
    const sentBeforeConnect = requestFrames;
    await page.click('#builder-use');
    await waitState('ready');
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, node.nodeId);
    for (const s of ['funds', 'channels', 'invoices']) {
      await page.waitForSelector(`.section-status[data-for="${s}"] .forbidden[data-precheck="refused"]`);
    }
    const marked = await text('.section-status[data-for="funds"]');
    assert(marked.includes('Not allowed by this rune') && marked.includes('method is not equal to getinfo') && marked.includes('nothing was sent'), marked);
    await page.waitForTimeout(300);
    assert(requestFrames - sentBeforeConnect === 1, `one request sent (getinfo), not ${requestFrames - sentBeforeConnect}`);
    await shot('builder-getinfo-only');
  });

  await test('reconnect with the read-only rune: invoice refused before sending, console gets 19537, the rest works', async () => {
    await connectWith({ rune: node.readonlyRune });
    assert((await text('#summary-alias')).length > 0, 'summary still works');
    await page.waitForSelector(node.real ? '#channels .section-body:not([hidden])' : '#channels .channel .bar');
    await page.waitForSelector('#invoice .notice.hint'); // the local heads-up from the rune's restrictions
    await page.waitForFunction(() => document.getElementById('rune-explanation').textContent.includes('connected with'));
    await page.fill('#invoice-amount', '500');
    const sent = requestFrames;
    await page.click('#invoice-create');
    await page.waitForSelector('#invoice .forbidden[data-precheck="refused"]');
    const notice = await text('#invoice .forbidden');
    assert(notice.includes('Not allowed by this rune') && notice.includes('Not permitted: method does not start with list'), notice);
    assert(requestFrames === sent, 'the refused invoice was not sent');
    await page.fill('#console-method', 'invoice');
    await page.fill('#console-params', '{"amount_msat": 1000, "label": "x", "description": "y"}');
    await page.click('#console-run');
    await page.waitForFunction(() => document.getElementById('console-output').dataset.status === 'error');
    assert(await text('#console-error-code') === '19537', await text('#console-error-code'));
    assert((await text('#console-output')).includes('does not allow'), 'the meaning of 19537');
    assert(await page.locator('#summary .forbidden, #funds .forbidden, #channels .forbidden').count() === 0, 'other sections fine');
    await shot('readonly');
  }, { skip: !node.readonlyRune && 'needs a read-only rune (LNC_READONLY_RUNE)' });

  await test('a rune the node refuses outright: every section shows a notice, nothing crashes', async () => {
    // A made-up rune is not derived from the node's master secret: every call gets 19537.
    await page.evaluate(() => { document.getElementById('summary-id').dataset.id = ''; });
    await page.fill('#rune', craftRune('=9&method^list'));
    await page.click('#connect');
    await waitState('ready');
    await page.waitForSelector('#summary .forbidden');
    await page.waitForSelector('#funds .forbidden');
    await page.waitForSelector('#channels .forbidden');
    assert((await text('#summary .forbidden')).includes('Not allowed by this rune'), await text('#summary .forbidden'));
    assert(await page.isHidden('#summary .section-body'), 'the stale summary is hidden');
    await shot('forbidden');
  });

  await test(node.real ? 'the node killed and restarted: shown, reconnects, sections reload' : 'a node warning and dropped connection: shown, reconnects, sections reload', async () => {
    await connectWith({ rune: node.rune });
    await page.evaluate(() => { document.getElementById('summary-id').dataset.id = ''; });
    if (node.real) {
      // Reconnection attempts while the node is down fail, and Chromium logs them.
      expectWsErrors = new RegExp(`WebSocket connection to '${escapeRegExp(node.url)}/?' failed`);
      await node.kill();
      await page.waitForFunction(() => document.getElementById('conn-log').textContent.includes('reconnecting'));
      await node.restart();
    } else {
      await page.fill('#console-method', 'dev-fault');
      await page.fill('#console-params', '{"mode": "warning-close"}');
      await page.click('#console-run');
    }
    await page.waitForFunction(() => document.getElementById('conn-log').textContent.includes('Reconnected'), null, { timeout: 30000 });
    await waitState('ready');
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, node.nodeId);
    expectWsErrors = null;
    const logText = await page.locator('#conn-log').textContent();
    if (!node.real) assert(logText.includes('Node warning') && logText.includes('warning-close'), logText);
    assert(logText.includes('reconnecting'), logText);
    assert((await text('#conn-notice')).includes('Reconnected'), await text('#conn-notice'));
  }, { skip: node.kind === 'external' && 'kills the node' });

  await test('disconnect, then specific connect errors (wrong node id, nothing listening)', async () => {
    await connectWith({ rune: node.rune });
    await page.click('#disconnect');
    await waitState('closed');
    assert(await page.isHidden('#disconnect'), 'disconnect hidden once closed');
    await page.fill('#nodeId', OTHER_NODE);
    // Another node id clears the rune (it belongs to the node it was used with): type it again.
    assert(await page.inputValue('#rune') === '', 'a change of node id clears the rune');
    await page.fill('#rune', node.rune);
    await page.click('#connect');
    await page.waitForSelector('#connect-message:not([hidden])');
    await page.waitForFunction(() => /wrong node id/i.test(document.getElementById('connect-message').textContent));
    assert(await text('#state') === 'closed', `state ${await text('#state')}`);
    expectWsErrors = /WebSocket connection to 'ws:\/\/127\.0\.0\.1:9\/'/;
    await page.fill('#nodeId', node.nodeId);
    await page.fill('#url', UNREACHABLE);
    await page.fill('#rune', node.rune);
    await page.click('#connect');
    await page.waitForFunction(() => /nothing answered/i.test(document.getElementById('connect-message').textContent));
    await shot('connect-error');
    await page.fill('#url', 'http://example.com');
    await page.click('#connect');
    await page.waitForFunction(() => /ws:\/\/ or wss:\/\//.test(document.getElementById('connect-message').textContent));
    await page.waitForTimeout(200);
    expectWsErrors = null;
    await page.fill('#url', node.url);
  });

  await test('remember on this device, reload, forget', async () => {
    await page.check('#remember');
    await connectWith({ rune: node.rune });
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem('lncommando-panel:connection')));
    assert(saved && saved.rune === node.rune && saved.url === node.url, 'saved when remember is ticked');
    await page.reload();
    await page.waitForSelector('html[data-app="ready"]');
    assert(await page.inputValue('#rune') === node.rune && await page.isChecked('#remember'), 'prefilled from storage');
    assert(await text('#state') === 'disconnected', 'no automatic connect from storage');
    await page.click('#forget');
    assert(await page.evaluate(() => localStorage.getItem('lncommando-panel:connection')) === null, 'forgotten');
    assert(await page.inputValue('#rune') === '' && !(await page.isChecked('#remember')), 'form cleared');
  });

  await test('a link never pairs a remembered rune with another node, nor connects to it by itself', async () => {
    await page.goto(`${origin}/`);
    await page.waitForSelector('html[data-app="ready"]');
    await page.check('#remember');
    await connectWith({ rune: node.rune });
    const saved = await page.evaluate(() => localStorage.getItem('lncommando-panel:connection'));
    assert(saved && JSON.parse(saved).rune === node.rune, 'remembered');
    wsOpened.length = 0;
    // The attack: a link naming the attacker's node, with no rune, asking to connect.
    const evil = new URLSearchParams({ url: attacker.url, nodeId: attacker.nodeId, connect: '1' });
    await page.goto('about:blank'); // the link opened afresh, as from another site or a message
    await page.goto(`${origin}/#${evil}`);
    await page.waitForSelector('html[data-app="ready"]');
    await page.waitForSelector('#link-confirm:not([hidden])');
    await page.waitForTimeout(1500);
    assert(!wsOpened.some((u) => u.startsWith(attacker.url)), `a WebSocket was opened to the link's node: ${wsOpened}`);
    assert(await text('#state') === 'disconnected', `state ${await text('#state')}`);
    assert(await page.inputValue('#rune') === '', 'the remembered rune is not in the form for the other node');
    assert(await text('#link-confirm-node') === attacker.nodeId, 'the confirmation names the link\'s node');
    assert(!(await page.isChecked('#remember')), '"remember" is not ticked for another node');
    assert(await page.evaluate(() => localStorage.getItem('lncommando-panel:connection')) === saved, 'the stored details are unchanged');
    // Even a click sends nothing: there is no rune for that node.
    await page.click('#link-connect');
    await page.waitForSelector('#connect-message:not([hidden])');
    assert(/Enter a rune/.test(await text('#connect-message')), await text('#connect-message'));
    await page.waitForTimeout(300);
    assert(!wsOpened.some((u) => u.startsWith(attacker.url)), 'no WebSocket to the link\'s node after the click');
    // The same node again by a link: it is the remembered one, so it connects at once.
    const own = new URLSearchParams({ url: node.url, nodeId: node.nodeId, connect: '1' });
    await page.goto(`${origin}/#${own}`);
    await waitState('ready');
    assert(await page.inputValue('#rune') === node.rune, 'the remembered rune, for its own node');
    await page.click('#forget');
  }, { skip: !attacker });

  await test('an open tab with a typed rune: a link (hash change) to another node clears it', async () => {
    wsOpened.length = 0;
    await connectWith({ rune: node.rune });
    await page.evaluate((h) => { location.hash = h; }, new URLSearchParams({ url: attacker.url, nodeId: attacker.nodeId, connect: '1' }).toString());
    await page.waitForSelector('#link-confirm:not([hidden])');
    await page.waitForTimeout(1500);
    assert(!wsOpened.some((u) => u.startsWith(attacker.url)), 'a WebSocket was opened to the link\'s node');
    assert(await page.inputValue('#rune') === '', 'the typed rune was cleared');
    assert(await page.evaluate(() => location.hash) === '', 'hash cleared');
    await page.click('#link-cancel');
    assert(await page.isHidden('#link-confirm'), 'cancel hides the confirmation');
    // Typing another node id by hand clears a rune that was used with this node, too.
    await page.fill('#url', node.url);
    await page.fill('#nodeId', node.nodeId);
    await page.fill('#rune', node.rune);
    await page.click('#connect');
    await waitState('ready');
    await page.fill('#nodeId', attacker.nodeId);
    assert(await page.inputValue('#rune') === '', 'editing the node id cleared the rune');
    await page.click('#disconnect');
  }, { skip: !attacker });

  await test('a link carrying its own rune for another node connects only after the click naming it', async () => {
    wsOpened.length = 0;
    const link = new URLSearchParams({ url: attacker.url, nodeId: attacker.nodeId, rune: attacker.rune, connect: '1' });
    await page.goto(`${origin}/#${link}`);
    await page.waitForSelector('#link-confirm:not([hidden])');
    await page.waitForTimeout(1000);
    assert(wsOpened.length === 0, 'nothing connected before the click');
    await page.click('#link-connect');
    await waitState('ready');
    await page.waitForFunction((id) => document.getElementById('summary-id').dataset.id === id, attacker.nodeId);
    await page.click('#disconnect');
  }, { skip: !attacker });

  await test('the rune is never shown in the page text', async () => {
    const hash = new URLSearchParams({ url: node.url, nodeId: node.nodeId, rune: node.rune, connect: '1' });
    await page.goto(`${origin}/#${hash}`);
    await page.click('#link-connect');
    await waitState('ready');
    await page.waitForSelector('#summary .section-body:not([hidden])');
    await page.waitForFunction(() => document.getElementById('rune-explanation').dataset.status === 'ok');
    const body = await page.evaluate(() => document.body.innerText + document.title + location.href);
    for (const r of [node.rune, node.readonlyRune].filter(Boolean)) assert(!body.includes(r), 'a rune appears in the page');
  });

  await test('phone-sized and dark screenshots', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(overflow <= 0, `horizontal overflow of ${overflow}px on a phone`);
    await shot('phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  results.push({ name: 'no page errors or unexpected console errors', ok: problems.length === 0, ms: 0, error: problems.join('\n') });
  await context.close();
  return results;
}
