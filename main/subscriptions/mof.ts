/**
 * A small MOF reader for `instance of Class [as $alias] { Prop = value; ... };` blocks, as
 * WMI-Activity 5861 embeds them in its PossibleCause text and as .mof files hold them.
 * Values: strings (with escapes and adjacent-string concatenation), numbers, booleans,
 * NULL, arrays `{a, b}`, `$alias` references and nested `instance of` values. Tolerant:
 * text around and between instances is skipped, a damaged instance yields what was read.
 */

export type MofValue = string | number | boolean | null | MofValue[] | MofInstance;

export interface MofInstance {
  className: string;
  alias?: string;
  props: Record<string, MofValue>;
  /** Character offset of `instance` in the text. */
  offset: number;
}

class Reader {
  i = 0;
  constructor(readonly s: string) {}
  ws(): void {
    for (;;) {
      while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
      if (this.s.startsWith('//', this.i)) {
        const nl = this.s.indexOf('\n', this.i);
        this.i = nl < 0 ? this.s.length : nl + 1;
      } else if (this.s.startsWith('/*', this.i)) {
        const e = this.s.indexOf('*/', this.i + 2);
        this.i = e < 0 ? this.s.length : e + 2;
      } else if (this.s[this.i] === '[') {
        // qualifier list: skip to the matching ']' (strings inside honoured)
        let depth = 0;
        for (; this.i < this.s.length; this.i++) {
          const c = this.s[this.i];
          if (c === '"') this.string();
          if (c === '[') depth++;
          else if (c === ']' && --depth === 0) {
            this.i++;
            break;
          }
        }
      } else return;
    }
  }
  peek(): string {
    return this.s[this.i] ?? '';
  }
  ident(): string | null {
    const m = /^[A-Za-z_$][\w$.]*/.exec(this.s.slice(this.i, this.i + 256));
    if (!m) return null;
    this.i += m[0].length;
    return m[0];
  }
  /** A "..." string at the cursor, escapes decoded. */
  string(): string {
    let out = '';
    this.i++; // opening quote
    while (this.i < this.s.length) {
      const c = this.s[this.i++];
      if (c === '"') return out;
      if (c === '\\' && this.i < this.s.length) {
        const e = this.s[this.i++];
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'r') out += '\r';
        else if (e === 'b') out += '\b';
        else if (e === 'f') out += '\f';
        else if (e === '0') out += '\0';
        else if (e === 'x' || e === 'X') {
          const m = /^[0-9a-fA-F]{1,4}/.exec(this.s.slice(this.i, this.i + 4));
          if (m) {
            out += String.fromCharCode(parseInt(m[0], 16));
            this.i += m[0].length;
          } else out += e;
        } else out += e;
      } else out += c;
    }
    return out;
  }
}

function readValue(r: Reader, depth: number): MofValue {
  r.ws();
  const c = r.peek();
  if (c === '"') {
    let s = r.string();
    for (;;) {
      r.ws();
      if (r.peek() !== '"') break;
      s += r.string();
    }
    return s;
  }
  if (c === "'") {
    r.i++;
    const ch = r.s[r.i] === '\\' ? r.s[++r.i] : r.s[r.i];
    r.i++;
    if (r.peek() === "'") r.i++;
    return ch ?? '';
  }
  if (c === '{') {
    r.i++;
    const arr: MofValue[] = [];
    for (;;) {
      r.ws();
      if (r.peek() === '}') {
        r.i++;
        break;
      }
      if (r.i >= r.s.length) break;
      arr.push(readValue(r, depth + 1));
      r.ws();
      if (r.peek() === ',') r.i++;
      else if (r.peek() !== '}') break;
    }
    return arr;
  }
  const num = /^[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(r.s.slice(r.i, r.i + 64));
  if (num) {
    r.i += num[0].length;
    return Number(num[0]);
  }
  const save = r.i;
  const id = r.ident();
  if (id !== null) {
    const l = id.toLowerCase();
    if (l === 'true') return true;
    if (l === 'false') return false;
    if (l === 'null') return null;
    if (l === 'instance' && depth < 8) {
      r.i = save;
      const inst = readInstance(r, depth + 1);
      if (inst) return inst;
    }
    return id; // $alias or bare word
  }
  r.i++;
  return null;
}

function readInstance(r: Reader, depth: number): MofInstance | null {
  r.ws();
  const offset = r.i;
  if (!/^instance\s+of\s/i.test(r.s.slice(r.i, r.i + 20))) return null;
  r.i += 8;
  r.ws();
  r.i += 2; // of
  r.ws();
  const className = r.ident();
  if (!className) return null;
  r.ws();
  let alias: string | undefined;
  if (/^as\s/i.test(r.s.slice(r.i, r.i + 3))) {
    r.i += 2;
    r.ws();
    alias = r.ident() ?? undefined;
    r.ws();
  }
  const inst: MofInstance = { className, alias, props: {}, offset };
  if (r.peek() !== '{') return inst;
  r.i++;
  for (;;) {
    r.ws();
    if (r.i >= r.s.length) break;
    if (r.peek() === '}') {
      r.i++;
      r.ws();
      if (r.peek() === ';') r.i++;
      break;
    }
    const name = r.ident();
    if (!name) {
      // Unreadable: skip to the next ';' or '}'.
      while (r.i < r.s.length && r.peek() !== ';' && r.peek() !== '}') r.i++;
      if (r.peek() === ';') r.i++;
      continue;
    }
    r.ws();
    if (r.peek() !== '=') {
      if (r.peek() === ';') r.i++;
      continue;
    }
    r.i++;
    inst.props[name] = readValue(r, depth);
    r.ws();
    if (r.peek() === ';') r.i++;
  }
  return inst;
}

/** Every top-level `instance of` block in the text, in order. */
export function parseMofInstances(text: string): MofInstance[] {
  const out: MofInstance[] = [];
  const re = /instance\s+of\s+[A-Za-z_]/gi;
  let m: RegExpExecArray | null;
  let from = 0;
  while ((m = re.exec(text))) {
    if (m.index < from) continue;
    const r = new Reader(text);
    r.i = m.index;
    const inst = readInstance(r, 0);
    if (inst) {
      out.push(inst);
      from = r.i;
      re.lastIndex = Math.max(re.lastIndex, r.i);
    }
  }
  return out;
}

/** A MOF value as display text (arrays joined, numbers as decimal). */
export function mofText(v: MofValue | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => mofText(x) ?? '').join(', ');
  return `instance of ${v.className}`;
}
