/**
 * Sigma condition expressions: identifiers, `and`, `or`, `not`, parentheses,
 * `1 of x*` / `all of x*` / `N of x*` / `any of x*` with wildcards, and `them`.
 * Precedence: not > and > or. Aggregations (`| count() ...`) are reported as unsupported.
 */
import { SigmaRuleError, UnsupportedFeature } from './modifiers';

export type CondNode =
  | { op: 'id'; name: string }
  | { op: 'not'; arg: CondNode }
  | { op: 'and' | 'or'; args: CondNode[] }
  | { op: 'of'; count: number | 'all'; pattern: string };

type Tok = { t: 'lp' | 'rp' | 'and' | 'or' | 'not' | 'of' | 'word'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    m = re.exec(s);
    if (!m) {
      if (s.slice(pos).trim() === '') break;
      throw new SigmaRuleError(`cannot read condition at '${s.slice(pos)}'`);
    }
    pos = re.lastIndex;
    const w = m[1];
    const lw = w.toLowerCase();
    if (w === '(') out.push({ t: 'lp', v: w });
    else if (w === ')') out.push({ t: 'rp', v: w });
    else if (lw === 'and' || lw === 'or' || lw === 'not' || lw === 'of') out.push({ t: lw, v: w });
    else out.push({ t: 'word', v: w });
  }
  return out;
}

export function parseCondition(src: string): CondNode {
  if (src.includes('|')) throw new UnsupportedFeature(`aggregation conditions are not supported ('${src.trim()}')`);
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const expect = (t: Tok['t']) => {
    const k = toks[i];
    if (!k || k.t !== t) throw new SigmaRuleError(`condition '${src}': expected ${t === 'rp' ? "')'" : t} ${k ? `before '${k.v}'` : 'at end'}`);
    i++;
    return k;
  };
  function parseOr(): CondNode {
    const args = [parseAnd()];
    while (peek()?.t === 'or') {
      i++;
      args.push(parseAnd());
    }
    return args.length === 1 ? args[0] : { op: 'or', args };
  }
  function parseAnd(): CondNode {
    const args = [parseNot()];
    while (peek()?.t === 'and') {
      i++;
      args.push(parseNot());
    }
    return args.length === 1 ? args[0] : { op: 'and', args };
  }
  function parseNot(): CondNode {
    if (peek()?.t === 'not') {
      i++;
      return { op: 'not', arg: parseNot() };
    }
    return parseAtom();
  }
  function parseAtom(): CondNode {
    const k = peek();
    if (!k) throw new SigmaRuleError(`condition '${src}' ends unexpectedly`);
    if (k.t === 'lp') {
      i++;
      const e = parseOr();
      expect('rp');
      return e;
    }
    if (k.t === 'word') {
      i++;
      if (peek()?.t === 'of') {
        i++;
        const target = expect('word').v;
        const lq = k.v.toLowerCase();
        let count: number | 'all';
        if (lq === 'all') count = 'all';
        else if (lq === 'any') count = 1;
        else if (/^\d+$/.test(lq) && Number(lq) > 0) count = Number(lq);
        else throw new SigmaRuleError(`condition '${src}': '${k.v} of' needs 'all', 'any' or a positive number`);
        return { op: 'of', count, pattern: target };
      }
      return { op: 'id', name: k.v };
    }
    throw new SigmaRuleError(`condition '${src}': unexpected '${k.v}'`);
  }
  if (toks.length === 0) throw new SigmaRuleError('empty condition');
  const node = parseOr();
  if (i < toks.length) throw new SigmaRuleError(`condition '${src}': unexpected '${toks[i].v}'`);
  return node;
}

function globToRegex(p: string): RegExp {
  return new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
}

/**
 * Compile a condition over named predicates. Every identifier must exist; every `x*`
 * pattern must name at least one search identifier.
 */
export function compileCondition<T>(node: CondNode, searches: Map<string, (x: T) => boolean>): (x: T) => boolean {
  const names = [...searches.keys()];
  const rec = (n: CondNode): ((x: T) => boolean) => {
    switch (n.op) {
      case 'id': {
        const p = searches.get(n.name);
        if (!p) throw new SigmaRuleError(`condition refers to '${n.name}', which the detection does not define`);
        return p;
      }
      case 'not': {
        const a = rec(n.arg);
        return (x) => !a(x);
      }
      case 'and': {
        const as = n.args.map(rec);
        return (x) => {
          for (const a of as) if (!a(x)) return false;
          return true;
        };
      }
      case 'or': {
        const as = n.args.map(rec);
        return (x) => {
          for (const a of as) if (a(x)) return true;
          return false;
        };
      }
      case 'of': {
        const sel = n.pattern === 'them' ? names.filter((k) => !k.startsWith('_')) : names.filter((k) => globToRegex(n.pattern).test(k));
        if (sel.length === 0) throw new SigmaRuleError(`'${n.count} of ${n.pattern}' matches no search identifier`);
        const ps = sel.map((k) => searches.get(k)!);
        if (n.count === 'all') {
          return (x) => {
            for (const p of ps) if (!p(x)) return false;
            return true;
          };
        }
        const need = n.count;
        return (x) => {
          let c = 0;
          for (const p of ps) if (p(x) && ++c >= need) return true;
          return false;
        };
      }
    }
  };
  return rec(node);
}
