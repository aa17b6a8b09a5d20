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
