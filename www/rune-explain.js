// Explains a decoded rune ({uniqueId, version, restrictions}, as lncommando's decodeRune returns
// it) in plain words. Pure functions, no DOM: the panel renders the result, the tests import it.
//
// explainRune(decoded, nowSeconds?) → {
//   intro: 'Unique id 1.',
//   unrestricted: boolean,            // no restrictions: full access
//   restrictions: [{ alternatives: ['the method starts with "list"', …], always: boolean }],
//   notes: ['This rune expired on …'],
// }
// Every restriction must pass; a restriction passes when one of its alternatives does.

const UNITS = {
  nsec: ['nanosecond', 1e-9], usec: ['microsecond', 1e-6], msec: ['millisecond', 1e-3],
  sec: ['second', 1], min: ['minute', 60], hour: ['hour', 3600], day: ['day', 86400],
};

const quote = (v) => `"${v}"`;

/** "10sec" → "10 seconds", "1min" → "minute", "5" → "5 seconds" (Core Lightning's default unit). */
export function describePer(value) {
  const m = /^(\d+)\s*([a-z]*)$/.exec(value);
  if (!m || (m[2] && !UNITS[m[2]])) return null;
  const n = Number(m[1]);
  const [unit] = UNITS[m[2] || 'sec'];
  return n === 1 ? unit : `${n} ${unit}s`;
}

/** Unix seconds → a readable UTC date, e.g. "2026-12-01 14:00:00 UTC". */
export function describeTime(value) {
  if (!/^\d+$/.test(value)) return quote(value);
  const d = new Date(Number(value) * 1000);
  if (Number.isNaN(d.getTime())) return quote(value);
  return `${d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`;
}

/** How a field is named in a sentence. */
export function fieldName(field) {
  if (field === 'method') return 'the method';
  if (field === 'id') return "the caller's node id";
  if (field === 'time') return 'the time';
  if (field === 'pnum') return 'the number of parameters';
  if (field === 'rate') return 'the rate';
  if (field === 'per') return 'the interval';
  let m = /^pname(.+)$/.exec(field);
  if (m) return `parameter ${quote(m[1])}`;
  m = /^parr(\d+)$/.exec(field);
  if (m) return `positional parameter ${m[1]}`;
  return `field ${quote(field)}`;
}

/** One alternative `field op value` as words. */
export function describeAlternative({ field, op, value }) {
  const f = fieldName(field);
  // Fields with their own natural phrasing first.
  if (op === '#') return `comment ${quote(value)}`; // always passes: explainRune flags its restriction
  if (field === 'rate' && op === '=' && /^\d+$/.test(value)) {
    return `at most ${value} call${value === '1' ? '' : 's'} per minute`;
  }
  if (field === 'per' && op === '=') {
    const per = describePer(value);
    if (per) return `at most one call per ${per}`;
  }
  if (field === 'time') {
    if (op === '<') return `the time is before ${describeTime(value)}`;
    if (op === '>') return `the time is after ${describeTime(value)}`;
  }
  if (field === 'pnum') {
    if (op === '<') return `there are fewer than ${value} parameters`;
    if (op === '>') return `there are more than ${value} parameters`;
    if (op === '=') return `there ${value === '1' ? 'is exactly 1 parameter' : `are exactly ${value} parameters`}`;
  }
  switch (op) {
    case '!': return field.startsWith('pname') || field.startsWith('parr') ? `${f} is not given` : `${f} is absent`;
    case '=': return `${f} is ${quote(value)}`;
    case '/': return `${f} is not ${quote(value)}`;
    case '^': return `${f} starts with ${quote(value)}`;
    case '$': return `${f} ends with ${quote(value)}`;
    case '~': return `${f} contains ${quote(value)}`;
    case '<': return `${f} is less than ${value}`;
    case '>': return `${f} is greater than ${value}`;
    case '{': return `${f} sorts before ${quote(value)}`;
    case '}': return `${f} sorts after ${quote(value)}`;
    default: return `${f} ${op} ${quote(value)}`;
  }
}

export function explainRune(decoded, nowSeconds = Math.floor(Date.now() / 1000)) {
  const parts = [];
  parts.push(decoded.uniqueId != null ? `Unique id ${decoded.uniqueId}.` : 'No unique id.');
  if (decoded.version != null) parts.push(`Version ${decoded.version}.`);
  const restrictions = decoded.restrictions.map((alts) => ({
    alternatives: alts.map(describeAlternative),
    always: alts.some((a) => a.op === '#'),
  }));
  const notes = [];
  for (const alts of decoded.restrictions) {
    if (alts.length !== 1) continue;
    const [{ field, op, value }] = alts;
    if (field === 'time' && op === '<' && /^\d+$/.test(value) && Number(value) <= nowSeconds) {
      notes.push(`This rune expired on ${describeTime(value)}: the node refuses every call made with it.`);
    }
    if (field === 'time' && op === '>' && /^\d+$/.test(value) && Number(value) > nowSeconds) {
      notes.push(`This rune is not valid yet: calls work only after ${describeTime(value)}.`);
    }
  }
  const unrestricted = restrictions.every((r) => r.always);
  if (unrestricted) {
    notes.push('Anyone holding this rune can run any command on the node, including ones that spend its funds.');
  } else if (!decoded.restrictions.some((alts) => alts.every((a) => a.field === 'method'))) {
    notes.push('No restriction limits the method alone: within the limits above, any command may be called, including ones that spend funds.');
  }
  return { intro: parts.join(' '), unrestricted, restrictions, notes };
}

/** The explanation as plain text (one line per restriction), for logs and tests. */
export function explainRuneText(decoded, nowSeconds) {
  const e = explainRune(decoded, nowSeconds);
  const lines = [e.intro];
  if (e.unrestricted) lines.push('No restrictions: full access.');
  else {
    lines.push('Allows only calls where:');
    for (const r of e.restrictions) lines.push(`- ${r.alternatives.join(' or ')}`);
  }
  return [...lines, ...e.notes].join('\n');
}
