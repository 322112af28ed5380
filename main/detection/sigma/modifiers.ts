/**
 * Sigma value modifiers and value patterns. A detection item `Field|mod1|mod2: value(s)` is
 * compiled once into a predicate over an EventView: wildcard patterns become lowercase
 * equality / prefix / suffix / substring tests or one precompiled regex; encoding modifiers
 * (base64, base64offset, utf16*, wide, windash) expand the value into its variants up front.
 * Every value is attacker-controlled evidence: it is only ever compared, never executed.
 */
import { isIP } from 'node:net';
import type { EventView } from './event-view';

export class SigmaRuleError extends Error {}

/** A value after wildcard parsing: literal text pieces and wildcards. */
const STAR = 0;
const ONE = 1;
type Part = string | typeof STAR | typeof ONE;
export type Pattern = Part[];

/** Sigma escaping: `\*`, `\?` and `\\` are escapes; any other backslash is literal. */
export function parsePattern(s: string): Pattern {
  const parts: Pattern = [];
  let lit = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && (s[i + 1] === '*' || s[i + 1] === '?' || s[i + 1] === '\\')) {
      lit += s[i + 1];
      i++;
    } else if (c === '*' || c === '?') {
      if (lit) parts.push(lit);
      lit = '';
      parts.push(c === '*' ? STAR : ONE);
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return parts;
}

function literalPattern(s: string): Pattern {
  return s === '' ? [] : [s];
}

function patternIsLiteral(p: Pattern): boolean {
  return p.every((x) => typeof x === 'string');
}

function patternText(p: Pattern): string {
  return p.map((x) => (typeof x === 'string' ? x : x === STAR ? '*' : '?')).join('');
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A test over one field value: `raw` as logged, `lower` its lowercase form. */
export type ValueTest = (raw: string, lower: string) => boolean;

type SimpleKind = 'eq' | 'contains' | 'startswith' | 'endswith';
/** A simple literal test, tagged so lists of them can be merged into one loop (anyOf). */
type TaggedTest = ValueTest & { simple?: { kind: SimpleKind; lit: string; cased: boolean } };

function tagged(kind: SimpleKind, lit: string, cased: boolean): ValueTest {
  let f: TaggedTest;
  if (cased) {
    f =
      kind === 'eq' ? (raw) => raw === lit : kind === 'contains' ? (raw) => raw.includes(lit) : kind === 'endswith' ? (raw) => raw.endsWith(lit) : (raw) => raw.startsWith(lit);
  } else {
    f =
      kind === 'eq'
        ? (_r, lower) => lower === lit
        : kind === 'contains'
          ? (_r, lower) => lower.includes(lit)
          : kind === 'endswith'
            ? (_r, lower) => lower.endsWith(lit)
            : (_r, lower) => lower.startsWith(lit);
  }
  f.simple = { kind, lit, cased };
  return f;
}

/** Compile a wildcard pattern to the cheapest equivalent test. */
export function compilePattern(p: Pattern, cased = false): ValueTest {
  // Merge adjacent stars.
  const q: Pattern = [];
  for (const x of p) {
    if (x === STAR && q[q.length - 1] === STAR) continue;
    q.push(x);
  }
  const norm = (s: string) => (cased ? s : s.toLowerCase());
  const pick = (raw: string, lower: string) => (cased ? raw : lower);
  if (q.length === 0) return (raw) => raw === '';
  if (q.length === 1 && q[0] === STAR) return () => true;
  const lits = q.filter((x): x is string => typeof x === 'string');
  const hasOne = q.includes(ONE);
  if (!hasOne && lits.length === 1) {
    const lit = norm(lits[0]);
    const lead = q[0] === STAR;
    const trail = q[q.length - 1] === STAR;
    const n = q.length;
    const kind: SimpleKind | null = n === 1 ? 'eq' : n === 3 && lead && trail ? 'contains' : n === 2 && lead ? 'endswith' : n === 2 && trail ? 'startswith' : null;
    if (kind) return tagged(kind, lit, cased);
  }
  let src = '^';
  for (const x of q) src += x === STAR ? '[\\s\\S]*' : x === ONE ? '[\\s\\S]' : escapeRegex(norm(x));
  src += '$';
  const re = new RegExp(src);
  return (raw, lower) => re.test(pick(raw, lower));
}

// ---------------------------------------------------------------------------------------
// Value transformations

/** A value being transformed: a wildcard pattern, or bytes (after utf16 encodings). */
type Val = { kind: 'pat'; p: Pattern } | { kind: 'bytes'; b: Buffer };

function toBytes(v: Val, mod: string): Buffer {
  if (v.kind === 'bytes') return v.b;
  if (!patternIsLiteral(v.p)) throw new SigmaRuleError(`modifier '${mod}' cannot encode a value with wildcards: '${patternText(v.p)}'`);
  return Buffer.from(v.p.join(''), 'utf8');
}

function literalOf(v: Val, mod: string): string {
  if (v.kind === 'bytes') throw new SigmaRuleError(`modifier '${mod}' needs text, got encoded bytes (add base64/base64offset)`);
  if (!patternIsLiteral(v.p)) throw new SigmaRuleError(`modifier '${mod}' cannot encode a value with wildcards: '${patternText(v.p)}'`);
  return v.p.join('');
}

function utf16(s: string, be: boolean): Buffer {
  const b = Buffer.from(s, 'utf16le');
  if (be) b.swap16();
  return b;
}

/** The three base64 renderings of `value` at byte offsets 0..2, trimmed to the stable middle. */
export function base64Offsets(value: Buffer): string[] {
  const startTrim = [0, 2, 3];
  const endTrim = [0, 3, 2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), value]).toString('base64');
    const e = endTrim[(value.length + i) % 3];
    out.push(enc.slice(startTrim[i], e === 0 ? undefined : enc.length - e));
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** windash: every '-' that starts a word (start of value or after a space) in all dash variants. */
function windash(p: Pattern): Pattern[] {
  // Split the pattern into positions where a dash may vary.
  let variants: Pattern[] = [[]];
  let prevChar = ' ';
  for (const x of p) {
    if (typeof x !== 'string') {
      variants = variants.map((v) => [...v, x]);
      prevChar = 'x';
      continue;
    }
    let chunk = '';
    const flushInto = (vs: Pattern[], s: string) => vs.map((v) => (s ? [...v, s] : v));
    for (const c of x) {
      if (c === '-' && (prevChar === ' ' || prevChar === '\t')) {
        const base = flushInto(variants, chunk);
        chunk = '';
        variants = [];
        for (const b of base) for (const d of DASHES) variants.push([...b, d]);
        if (variants.length > 4096) throw new SigmaRuleError('windash expands to too many variants');
      } else chunk += c;
      prevChar = c;
    }
    variants = flushInto(variants, chunk);
  }
  // Merge adjacent literal strings.
  return variants.map((v) => {
    const m: Pattern = [];
    for (const x of v) {
      const last = m[m.length - 1];
      if (typeof x === 'string' && typeof last === 'string') m[m.length - 1] = last + x;
      else m.push(x);
    }
    return m;
  });
}

// ---------------------------------------------------------------------------------------
// CIDR

function ipv4ToBig(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let n = 0n;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    n = (n << 8n) | BigInt(o);
  }
  return n;
}

function ipv6ToBig(s: string): bigint | null {
  let addr = s.replace(/^\[|\]$/g, '');
  const pct = addr.indexOf('%');
  if (pct >= 0) addr = addr.slice(0, pct);
  if (isIP(addr) !== 6) return null;
  // Embedded IPv4 tail.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4) {
    const n = ipv4ToBig(v4[1]);
    if (n === null) return null;
    addr = addr.slice(0, -v4[1].length) + ((n >> 16n) & 0xffffn).toString(16) + ':' + (n & 0xffffn).toString(16);
  }
  const halves = addr.split('::');
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length > 1 && halves[1] ? halves[1].split(':') : [];
  const groups = halves.length > 1 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8) return null;
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g || '0', 16));
  return n;
}

function compileCidr(spec: string): ValueTest {
  const [addr, lenStr] = spec.trim().split('/');
  const v4 = ipv4ToBig(addr);
  const v6 = v4 === null ? ipv6ToBig(addr) : null;
  if (v4 === null && v6 === null) throw new SigmaRuleError(`invalid cidr value '${spec}'`);
  const bits = v4 !== null ? 32 : 128;
  const len = lenStr === undefined ? bits : Number(lenStr);
  if (!Number.isInteger(len) || len < 0 || len > bits) throw new SigmaRuleError(`invalid cidr prefix length in '${spec}'`);
  const shift = BigInt(bits - len);
  const net = (v4 ?? v6)! >> shift;
  return (raw) => {
    const s = raw.trim();
    const n = v4 !== null ? ipv4ToBig(s) : s.includes(':') ? ipv6ToBig(s) : null;
    return n !== null && n >> shift === net;
  };
}

// ---------------------------------------------------------------------------------------
// Field items

export type FieldPredicate = (ev: EventView) => boolean;

const KNOWN = new Set([
  'contains', 'startswith', 'endswith', 'all', 're', 'i', 'm', 's', 'ignorecase', 'multiline', 'dotall',
  'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash', 'cidr', 'exists', 'fieldref',
  'gt', 'gte', 'lt', 'lte', 'cased', 'expand',
]);

export class UnsupportedFeature extends Error {}

function scalarToString(v: unknown, field: string): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new SigmaRuleError(`field '${field}': value must be a string, number, boolean or null, got ${Array.isArray(v) ? 'a nested list' : typeof v}`);
}

/**
 * Compile one detection item. `field` is the already-mapped event field name, or null for
 * keyword search (all values of the event). Throws SigmaRuleError for invalid content and
 * UnsupportedFeature for valid Sigma that this engine cannot evaluate offline.
 */
export function compileFieldItem(fieldSpec: string, field: string | null, rawValue: unknown): FieldPredicate {
  const mods = fieldSpec.split('|').slice(1).map((m) => m.trim());
  for (const m of mods) {
    if (!KNOWN.has(m.toLowerCase())) throw new SigmaRuleError(`unknown modifier '${m}' in '${fieldSpec}'`);
  }
  const has = (m: string) => mods.some((x) => x.toLowerCase() === m);
  if (has('expand')) throw new UnsupportedFeature(`modifier 'expand' needs placeholder values that only a deployment defines ('${fieldSpec}')`);
  const values: unknown[] = Array.isArray(rawValue) ? rawValue : [rawValue];
  if (values.length === 0) throw new SigmaRuleError(`field '${fieldSpec}' has an empty value list`);
  const all = has('all');
  const fname = fieldSpec.split('|')[0];

  // exists: presence test.
  if (has('exists')) {
    if (field === null) throw new SigmaRuleError(`'exists' needs a field name ('${fieldSpec}')`);
    const want = values[0] === true || String(values[0]).toLowerCase() === 'true';
    const f = field;
    return (ev) => ev.has(f) === want;
  }

  // Numeric comparisons.
  const cmp = ['gt', 'gte', 'lt', 'lte'].find((m) => has(m));
  if (cmp) {
    if (field === null) throw new SigmaRuleError(`'${cmp}' needs a field name`);
    const nums = values.map((v) => {
      const n = Number(v);
      if (v === null || typeof v === 'boolean' || !Number.isFinite(n)) throw new SigmaRuleError(`'${cmp}' needs a number, got '${String(v)}' in '${fieldSpec}'`);
      return n;
    });
    const f = field;
    const ops: Record<string, (a: number, b: number) => boolean> = {
      gt: (a, b) => a > b, gte: (a, b) => a >= b, lt: (a, b) => a < b, lte: (a, b) => a <= b,
    };
    const op = ops[cmp];
    const tests = nums.map((n) => (raw: string) => {
      const t = raw.trim();
      if (t === '') return false;
      const x = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : Number(t);
      return Number.isFinite(x) && op(x, n);
    });
    return combine(f, tests.map((t) => (raw: string) => t(raw)), all);
  }

  // fieldref: compare against another field of the same event.
  if (has('fieldref')) {
    if (field === null) throw new SigmaRuleError(`'fieldref' needs a field name`);
    const f = field;
    const mode = has('contains') ? 'contains' : has('startswith') ? 'startswith' : has('endswith') ? 'endswith' : 'eq';
    const refs = values.map((v) => {
      const s = scalarToString(v, fname);
      if (s === null || s === '') throw new SigmaRuleError(`'fieldref' needs a field name as value in '${fieldSpec}'`);
      return s;
    });
    const preds = refs.map((ref) => (ev: EventView) => {
      const a = ev.lower(f);
      const b = ev.lower(ref);
      if (!a || !b) return false;
      return a.some((x) => b.some((y) => (mode === 'eq' ? x === y : mode === 'contains' ? x.includes(y) : mode === 'startswith' ? x.startsWith(y) : x.endsWith(y))));
    });
    return all ? (ev) => preds.every((p) => p(ev)) : (ev) => preds.some((p) => p(ev));
  }

  // Regular expressions.
  if (has('re')) {
    let flags = '';
    if (has('i') || has('ignorecase')) flags += 'i';
    if (has('m') || has('multiline')) flags += 'm';
    if (has('s') || has('dotall')) flags += 's';
    const tests: ValueTest[] = values.map((v) => {
      let src = scalarToString(v, fname);
      if (src === null) throw new SigmaRuleError(`'re' needs a pattern in '${fieldSpec}'`);
      let fl = flags;
      // PCRE-style leading inline flags: (?i), (?s), (?m), (?is)...
      const inline = /^\(\?([ims]+)\)/.exec(src);
      if (inline) {
        for (const c of inline[1]) if (!fl.includes(c)) fl += c;
        src = src.slice(inline[0].length);
      }
      let re: RegExp;
      try {
        re = new RegExp(src, fl);
      } catch (e) {
        throw new SigmaRuleError(`invalid regular expression in '${fieldSpec}': ${(e as Error).message}`);
      }
      return (raw) => re.test(raw);
    });
    return combine(field, tests, all);
  }

  if (has('cidr')) {
    if (field === null) throw new SigmaRuleError(`'cidr' needs a field name`);
    const tests = values.map((v) => compileCidr(String(v)));
    return combine(field, tests, all);
  }

  // String values with transformations.
  const cased = has('cased');
  const tests: ValueTest[] = [];
  let nullTest = false;
  const perValue: ValueTest[][] = [];
  for (const v0 of values) {
    const s = scalarToString(v0, fname);
    if (s === null) {
      if (mods.length > 0 && !all) throw new SigmaRuleError(`null value cannot take modifiers in '${fieldSpec}'`);
      nullTest = true;
      perValue.push([]);
      continue;
    }
    let vals: Val[] = [{ kind: 'pat', p: typeof v0 === 'string' ? parsePattern(s) : literalPattern(s) }];
    for (const m0 of mods) {
      const m = m0.toLowerCase();
      switch (m) {
        case 'windash':
          vals = vals.flatMap((v) => (v.kind === 'pat' ? windash(v.p).map((p): Val => ({ kind: 'pat', p })) : [v]));
          break;
        case 'utf16le':
        case 'wide':
        case 'utf16':
          vals = vals.map((v) => {
            const b = utf16(literalOf(v, m), false);
            return { kind: 'bytes', b: m === 'utf16' ? Buffer.concat([Buffer.from([0xff, 0xfe]), b]) : b };
          });
          break;
        case 'utf16be':
          vals = vals.map((v) => ({ kind: 'bytes', b: utf16(literalOf(v, m), true) }));
          break;
        case 'base64':
          vals = vals.map((v) => ({ kind: 'pat', p: literalPattern(toBytes(v, m).toString('base64')) }));
          break;
        case 'base64offset':
          vals = vals.flatMap((v) => base64Offsets(toBytes(v, m)).map((s2): Val => ({ kind: 'pat', p: literalPattern(s2) })));
          break;
        case 'contains':
          vals = vals.map((v) => (v.kind === 'pat' ? { kind: 'pat', p: [STAR, ...v.p, STAR] } : v));
          break;
        case 'startswith':
          vals = vals.map((v) => (v.kind === 'pat' ? { kind: 'pat', p: [...v.p, STAR] } : v));
          break;
        case 'endswith':
          vals = vals.map((v) => (v.kind === 'pat' ? { kind: 'pat', p: [STAR, ...v.p] } : v));
          break;
        default:
          break; // all, cased: handled above/below
      }
    }
    const vt: ValueTest[] = vals.map((v) => {
      if (v.kind === 'bytes') throw new SigmaRuleError(`'${fieldSpec}': utf16 encodings must be followed by base64 or base64offset`);
      return compilePattern(v.p, cased);
    });
    perValue.push(vt);
  }
  if (field === null) {
    // Keywords: plain keywords are searched inside any value of the event.
    const kwTests = values.map((v0, i) => {
      const s = scalarToString(v0, 'keywords');
      if (s === null) throw new SigmaRuleError('keyword lists cannot contain null');
      if (mods.length > 0) return anyOf(perValue[i]);
      return compilePattern([STAR, ...parsePattern(s), STAR], cased);
    });
    const anyValue = (t: ValueTest) => (ev: EventView) => ev.allLower().some((p) => t(p[0], p[1]));
    const preds = kwTests.map(anyValue);
    return all ? (ev) => preds.every((p) => p(ev)) : (ev) => preds.some((p) => p(ev));
  }
  const f = field;
  // Each original value becomes one test (its variants ORed); `all` requires every value.
  for (const vt of perValue) if (vt.length) tests.push(anyOf(vt));
  const main = tests.length ? combine(f, tests, all) : () => false;
  if (nullTest) {
    const isNull = (ev: EventView) => {
      const vs = ev.raw(f);
      return vs === undefined || vs.every((x) => x === '');
    };
    return all ? (ev) => isNull(ev) && (tests.length === 0 || main(ev)) : (ev) => isNull(ev) || main(ev);
  }
  return main;
}

function anyOf(ts: ValueTest[]): ValueTest {
  if (ts.length === 1) return ts[0];
  // Lists of simple case-insensitive literals of one kind become one loop over strings.
  const simple = ts.map((t) => (t as TaggedTest).simple);
  if (simple.every((x) => x && !x.cased && x.kind === simple[0]!.kind)) {
    const lits = simple.map((x) => x!.lit);
    switch (simple[0]!.kind) {
      case 'eq': {
        const set = new Set(lits);
        return (_r, lower) => set.has(lower);
      }
      case 'contains':
        return (_r, lower) => {
          for (let i = 0; i < lits.length; i++) if (lower.includes(lits[i])) return true;
          return false;
        };
      case 'endswith':
        return (_r, lower) => {
          for (let i = 0; i < lits.length; i++) if (lower.endsWith(lits[i])) return true;
          return false;
        };
      case 'startswith':
        return (_r, lower) => {
          for (let i = 0; i < lits.length; i++) if (lower.startsWith(lits[i])) return true;
          return false;
        };
    }
  }
  return (raw, lower) => {
    for (const t of ts) if (t(raw, lower)) return true;
    return false;
  };
}

/** A field predicate from value tests: any value of the field passes any test (or, with `all`, every test). */
function combine(field: string | null, tests: ValueTest[], all: boolean): FieldPredicate {
  if (field === null) {
    const preds = tests.map((t) => (ev: EventView) => ev.allLower().some((p) => t(p[0], p[1])));
    return all ? (ev) => preds.every((p) => p(ev)) : (ev) => preds.some((p) => p(ev));
  }
  const f = field;
  const one = (t: ValueTest) => (ev: EventView) => {
    const raw = ev.raw(f);
    if (raw === undefined) return false;
    const low = ev.lower(f)!;
    for (let i = 0; i < raw.length; i++) if (t(raw[i], low[i])) return true;
    return false;
  };
  if (tests.length === 1) return one(tests[0]);
  if (all) {
    const preds = tests.map(one);
    return (ev) => preds.every((p) => p(ev));
  }
  const t = anyOf(tests);
  return one(t);
}
