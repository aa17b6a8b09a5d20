// One named test case run and timed, as every JS suite reports it ({ name, ok, ms, error? });
// plain ES module, so pages import it too.

/** Runs `fn`; resolves with its outcome (never rejects). */
export async function outcome(name, fn) {
  const t0 = performance.now();
  const ms = () => Math.round(performance.now() - t0);
  try {
    await fn();
    return { name, ok: true, ms: ms() };
  } catch (e) {
    return { name, ok: false, ms: ms(), error: String(e?.stderr ?? e?.stack ?? e) };
  }
}

/** A case not run (e.g. test-node-only, against a real node). */
export const skipped = (name, note) => ({ name, ok: true, skipped: true, ms: 0, note });

/** `s` as a RegExp source that matches it literally (a URL in an expected console message). */
export const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether console message `m` (Playwright's) is the failed no-cors probe lncommando makes to a
 * `wss://` URL's https origin after its WebSocket failed to open (e.g. while the node is down).
 */
export function isProbeOf(m, url) {
  if (!/^wss:/i.test(url) || !m.text().startsWith('Failed to load resource')) return false;
  return (m.location()?.url ?? '').startsWith(`https://${new URL(url).host}/`);
}
