// The JS API's test cases, run both in headless Chromium (browser.mjs) and in Node 20 with the
// `ws` package (node.mjs), against the test node or a real node (`real`: skip the cases that
// need test-node methods or faults).
//
// runCases(lib, env) → [{ name, ok, ms, error? }]
//   lib: the package's exports ({ connect, decodeRune, CommandoError, ErrorCode })
//   env: { url, nodeId, rune, readonlyRune?, real, WebSocket? }

import { outcome, skipped } from './outcome.mjs';

export async function runCases(lib, env) {
  const { connect, decodeRune, CommandoError } = lib;
  const results = [];
  const base = { url: env.url, nodeId: env.nodeId, rune: env.rune, WebSocket: env.WebSocket };
  const assert = (cond, what) => {
    if (!cond) throw new Error(`assertion failed: ${what}`);
  };
  const rejects = async (p, check, what) => {
    try {
      await p;
    } catch (e) {
      check(e);
      return e;
    }
    throw new Error(`expected a rejection: ${what}`);
  };
  const testNodeOnly = new Set();
  const cases = [];
  const test = (name, fn, { testNode = false } = {}) => {
    cases.push({ name, fn });
    if (testNode) testNodeOnly.add(name);
  };

  test('connect and getinfo', async () => {
    const states = [];
    const node = await connect(base);
    node.addEventListener('statechange', (e) => states.push(e.detail.state));
    assert(node.state === 'ready', 'ready after connect');
    const info = await node.commando('getinfo');
    assert(info.id === env.nodeId, `getinfo id ${info.id}`);
    await node.close();
    assert(node.state === 'closed' && states.at(-1) === 'closed', `closed state (${states})`);
  });

  test('500 concurrent echo calls, each matched', async () => {
    const node = await connect(base);
    const calls = [];
    for (let i = 0; i < 500; i++) calls.push(node.commando('echo', { n: i, s: 'x'.repeat(i % 97) }));
    const results = await Promise.all(calls);
    results.forEach((r, i) => assert(r.n === i && r.s === 'x'.repeat(i % 97), `echo ${i}`));
    await node.close();
  }, { testNode: true });

  test('5 MB bigreply', async () => {
    const node = await connect(base);
    const r = await node.commando('bigreply', { bytes: 5_000_000 });
    assert(r.bytes === 5_000_000 && JSON.stringify(r).length >= 5_000_000, 'size');
    await node.close();
  }, { testNode: true });

  test('300 KB request', async () => {
    const node = await connect(base);
    const big = 'q'.repeat(300_000);
    const r = await node.commando('echo', [big]);
    assert(r[0] === big, 'echoed back equal');
    await node.close();
  }, { testNode: true });

  test('forbidden method with the read-only rune gives 19537', async () => {
    const node = await connect({ ...base, rune: env.readonlyRune });
    assert((await node.commando('listfunds')).outputs, 'listfunds allowed');
    await rejects(node.commando('invoice', { amount_msat: 1, label: 'x', description: 'y' }), (e) => {
      assert(e instanceof CommandoError && e.code === 19537 && e.reason === 'not-authorised', `19537 (${e.code} ${e.reason})`);
      assert(e.message.includes('Not permitted'), e.message);
      assert(!e.message.includes(env.readonlyRune), 'the rune is not in the message');
    });
    await node.close();
  }, { testNode: true });

  test('unknown method gives the node\'s code', async () => {
    const node = await connect(base);
    await rejects(node.commando('nosuchmethod'), (e) => {
      assert(e instanceof CommandoError && e.code === -32601 && e.reason === 'node', `-32601 (${e.code})`);
    });
    assert((await node.commando('getinfo')).id === env.nodeId, 'usable after');
    await node.close();
  });

  test('wrong nodeId: connect rejects with reason handshake, quickly', async () => {
    // secp256k1's generator point: a valid public key, and not the node's.
    const other = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
    const t0 = performance.now();
    await rejects(connect({ ...base, nodeId: other }), (e) => {
      assert(e instanceof CommandoError && e.code === -32600 && e.reason === 'handshake', `handshake (${e.code} ${e.reason}: ${e.message})`);
    });
    const ms = performance.now() - t0;
    assert(ms < 3000, `took ${ms} ms`);
  });

  test('nothing listening: connect rejects with reason unreachable', async () => {
    await rejects(connect({ ...base, url: 'ws://127.0.0.1:9' }), (e) => {
      assert(e instanceof CommandoError && e.code === -32600 && e.reason === 'unreachable', `unreachable (${e.code} ${e.reason})`);
    });
  });

  test('sleep past timeoutMs gives 19535 timeout and the next call works', async () => {
    const node = await connect(base);
    await rejects(node.commando('sleep', { ms: 1500 }, { timeoutMs: 200 }), (e) => {
      assert(e instanceof CommandoError && e.code === 19535 && e.reason === 'timeout', `timeout (${e.code} ${e.reason})`);
    });
    assert((await node.commando('echo', [7]))[0] === 7, 'next call works');
    await node.close();
  }, { testNode: true });

  test('AbortSignal aborts a call and a connect', async () => {
    const node = await connect(base);
    const ac = new AbortController();
    const p = node.commando(env.real ? 'getinfo' : 'sleep', env.real ? {} : { ms: 1500 }, { signal: ac.signal });
    ac.abort();
    await rejects(p, (e) => assert(e.code === 19535 && e.reason === 'aborted', `aborted (${e.code} ${e.reason})`));
    await rejects(node.commando('getinfo', {}, { signal: AbortSignal.abort() }), (e) => assert(e.reason === 'aborted', 'pre-aborted'));
    assert((await node.commando('getinfo')).id === env.nodeId, 'usable after');
    await node.close();
    const ac2 = new AbortController();
    const c = connect({ ...base, signal: ac2.signal });
    ac2.abort();
    await rejects(c, (e) => assert(e.code === 19535 && e.reason === 'aborted', `connect aborted (${e.code} ${e.reason})`));
  });

  test('the node closing mid-reply rejects pending calls with -32600', async () => {
    const node = await connect(base);
    const closes = [];
    node.addEventListener('close', (e) => closes.push(e.detail));
    await node.commando('dev-fault', { mode: 'close-mid-reply' });
    const pending = [node.commando('bigreply', { bytes: 400_000 }), node.commando('sleep', { ms: 5000 })];
    for (const p of pending) {
      await rejects(p, (e) => assert(e.code === -32600 && e.reason === 'closed', `closed (${e.code} ${e.reason})`));
    }
    assert(node.state === 'closed', `state ${node.state}`);
    assert(closes.length === 1 && closes[0].reason === 'closed', `close event ${JSON.stringify(closes)}`);
    await rejects(node.commando('getinfo'), (e) => assert(e.code === -32600, 'calls after close reject'));
  }, { testNode: true });

  test('close() rejects pending calls and later calls', async () => {
    const node = await connect(base);
    const p = node.commando(env.real ? 'getinfo' : 'sleep', env.real ? {} : { ms: 5000 });
    const settled = p.then(() => null, (e) => e);
    await node.close();
    const e = await settled;
    if (!env.real) assert(e && e.code === -32600 && e.reason === 'closed', `closed (${e?.code} ${e?.reason})`);
    await rejects(node.commando('getinfo'), (e) => assert(e.code === -32600, 'after close'));
    await node.close(); // twice is fine
  });

  test('bad arguments throw TypeError naming them, without secrets', async () => {
    const secret = 'ab'.repeat(32);
    const bad = [
      [{ ...base, url: 'http://x' }, 'url'],
      [{ ...base, nodeId: 'zz' }, 'nodeId'],
      [{ ...base, privateKey: secret.slice(2) + 'zz' }, 'privateKey'],
      [{ ...base, rune: 'not a rune!' }, 'rune'],
      [{ ...base, timeoutMs: -1 }, 'timeoutMs'],
    ];
    for (const [opts, name] of bad) {
      await rejects(connect(opts), (e) => {
        assert(e instanceof TypeError && e.message.includes(name), `${name}: ${e.message}`);
        assert(!e.message.includes(secret.slice(2)), 'no secret in message');
      });
    }
    const node = await connect(base);
    const cyclic = {};
    cyclic.self = cyclic;
    await rejects(node.commando('echo', cyclic), (e) => assert(e instanceof TypeError && e.message.includes('params'), e.message));
    await rejects(node.commando('echo', 5), (e) => assert(e instanceof TypeError && e.message.includes('params'), e.message));
    await rejects(node.commando(''), (e) => assert(e instanceof TypeError && e.message.includes('method'), e.message));
    await node.close();
  });

  test('the rune and the private key never appear in errors, events or console output', async () => {
    const privateKey = '5e'.repeat(32);
    const seen = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'];
    const saved = methods.map((m) => console[m]);
    methods.forEach((m) => { console[m] = (...a) => seen.push(a.map(String).join(' ')); });
    try {
      const collect = (e) => seen.push(`${e?.name} ${e?.code} ${e?.reason} ${e?.message} ${JSON.stringify(e?.data ?? null)}`);
      const node = await connect({ ...base, privateKey });
      for (const t of ['close', 'warning', 'statechange']) node.addEventListener(t, (e) => seen.push(JSON.stringify(e.detail)));
      await node.commando('nosuchmethod').catch(collect);
      await node.commando('getinfo', {}, { rune: env.readonlyRune ?? env.rune, signal: AbortSignal.abort() }).catch(collect);
      await node.commando('getinfo', {}, { rune: 'bm90IGEgcnVuZQ' }).catch(collect);
      if (!env.real) await node.commando('invoice', { amount_msat: 1, label: 'l', description: 'd' }, { rune: env.readonlyRune }).catch(collect);
      await node.close();
      await connect({ ...base, privateKey, nodeId: '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' }).catch(collect);
      await connect({ ...base, privateKey: privateKey.slice(0, 62) + 'zz' }).catch(collect);
      await connect({ ...base, url: 'ws://127.0.0.1:9', privateKey }).catch(collect);
      await node.commando('getinfo').catch(collect);
    } finally {
      methods.forEach((m, i) => { console[m] = saved[i]; });
    }
    const all = seen.join('\n');
    assert(seen.length >= 7, `collected ${seen.length} messages`);
    for (const secret of [env.rune, env.readonlyRune, privateKey, privateKey.slice(0, 62)].filter(Boolean)) {
      assert(!all.includes(secret), 'a secret appears in an error, event or console message');
    }
  });

  test('decodeRune shows what a rune allows', async () => {
    if (env.readonlyRune) {
      const r = await decodeRune(env.readonlyRune);
      assert(r.uniqueId === '1' && r.version === null, `unique id ${r.uniqueId}`);
      assert(JSON.stringify(r.restrictions) === JSON.stringify([[{ field: 'method', op: '^', value: 'list' }, { field: 'method', op: '^', value: 'get' }]]), JSON.stringify(r.restrictions));
    }
    const all = await decodeRune(env.rune);
    assert(Array.isArray(all.restrictions), 'restrictions array');
    await rejects(decodeRune('!!!'), (e) => assert(e instanceof TypeError, 'malformed rune'));
  });

  test('filter keeps only the listed fields', async () => {
    const node = await connect(base);
    const r = await node.commando('getinfo', {}, { filter: { id: true, alias: true } });
    assert(JSON.stringify(Object.keys(r).sort()) === '["alias","id"]', JSON.stringify(Object.keys(r)));
    await node.close();
  });

  test('warning event, and reconnect after the node drops the connection', async () => {
    const node = await connect({ ...base, reconnect: { initialDelayMs: 100 } });
    const warnings = [];
    const states = [];
    node.addEventListener('warning', (e) => warnings.push(e.detail.message));
    node.addEventListener('statechange', (e) => states.push(e.detail.state));
    const inFlight = node.commando('sleep', { ms: 3000 });
    await node.commando('dev-fault', { mode: 'warning-close' });
    await rejects(inFlight, (e) => assert(e.code === -32600, `in-flight call rejected, not re-sent (${e.code})`));
    // A call made while reconnecting waits for the new connection.
    const info = await node.commando('getinfo');
    assert(info.id === env.nodeId, 'call after reconnect');
    assert(warnings.some((w) => w.includes('warning-close')), `warning ${JSON.stringify(warnings)}`);
    assert(states.includes('reconnecting') && states.at(-1) === 'ready', `states ${states}`);
    await node.close();
  }, { testNode: true });

  for (const { name, fn } of cases) {
    results.push(env.real && testNodeOnly.has(name) ? skipped(name) : await outcome(name, fn));
  }
  return results;
}
