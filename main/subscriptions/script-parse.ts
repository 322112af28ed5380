/**
 * Static extraction of WMI subscription objects from command text: PowerShell script blocks
 * (Set-WmiInstance / New-CimInstance / [wmiclass]...CreateInstance() / Register-WmiEvent /
 * Register-CimIndicationEvent) and WMIC command lines (PATH <class> CREATE ... / DELETE).
 * The text is attacker-controlled: it is only read with bounded regular expressions and
 * simple scanning, never evaluated.
 */

export interface ScriptObject {
  /** WMI class created (or 'TemporarySubscription' for Register-WmiEvent style registrations). */
  className: string;
  props: Record<string, string>;
  /** For bindings: the filter/consumer objects referred to, when resolvable. */
  filterRef?: { className: string; name: string };
  consumerRef?: { className: string; name: string };
  action: 'created' | 'deleted';
  /** The statement the object was read from (for display). */
  statement: string;
}

const MAX_SCAN = 200_000;
/** Longest hashtable / script block read as one value, and most statements read per script. */
const MAX_BLOCK = 20_000;
const MAX_STATEMENTS = 500;

/** WMI property names are case-insensitive; scripts write them any way. Canonical spellings: */
const CANONICAL = new Map(
  [
    'Name', 'Query', 'QueryLanguage', 'EventNamespace', 'EventAccess', 'CommandLineTemplate', 'ExecutablePath', 'WorkingDirectory',
    'ScriptText', 'ScriptingEngine', 'ScriptFileName', 'KillTimeout', 'RunInteractively', 'ShowWindowCommand', 'Filename', 'Text',
    'MaximumFileSize', 'SourceName', 'EventID', 'EventType', 'Category', 'InsertionStringTemplates', 'UNCServerName', 'SMTPServer',
    'ToLine', 'FromLine', 'CcLine', 'BccLine', 'Subject', 'Message', 'Filter', 'Consumer', 'CreatorSID', 'DeliverSynchronously',
    'MaintainSecurityContext', 'SlowDownProviders', 'IntervalBetweenEvents', 'TimerId', 'SkipIfPassed', 'EventDateTime',
  ].map((k) => [k.toLowerCase(), k]),
);
function canonical(k: string): string {
  return CANONICAL.get(k.toLowerCase()) ?? k;
}

function unquotePs(v: string, vars: Map<string, string>): string | null {
  const t = v.trim();
  if (t.startsWith("'") && t.endsWith("'") && t.length >= 2) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"') && t.endsWith('"') && t.length >= 2) {
    const inner = t.slice(1, -1).replace(/`(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c === '0' ? '\0' : c)).replace(/""/g, '"');
    return inner.replace(/\$\{?(\w+)\}?/g, (m, n: string) => vars.get(n.toLowerCase()) ?? m);
  }
  const vm = /^\$(\w+)$/.exec(t);
  if (vm) return vars.get(vm[1].toLowerCase()) ?? null;
  // here-strings
  const hs = /^@(['"])\r?\n([\s\S]*?)\r?\n\1@$/.exec(t);
  if (hs) return hs[2];
  if (/^-?\d+$/.test(t) || /^\$(true|false|null)$/i.test(t)) return t;
  return null;
}

/** The text of a balanced {...} starting at `open` (index of '{'), honouring quotes. */
function balanced(s: string, open: number, openCh = '{', closeCh = '}'): string | null {
  let depth = 0;
  let q: string | null = null;
  for (let i = open; i < s.length && i < open + MAX_BLOCK; i++) {
    const c = s[i];
    if (q) {
      if (c === '`' && q === '"') i++;
      else if (c === q) {
        if (s[i + 1] === q) i++;
        else q = null;
      }
      continue;
    }
    if (c === '"' || c === "'") q = c;
    else if (c === openCh) depth++;
    else if (c === closeCh && --depth === 0) return s.slice(open, i + 1);
  }
  return null;
}

/** Split a hashtable body `{ a = 1; b = 'x' }` into raw key/value texts. */
function hashtableEntries(body: string): Array<[string, string]> {
  const inner = body.slice(1, -1);
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < inner.length) {
    const km = /^[\s;]*(?:'([^']+)'|"([^"]+)"|([A-Za-z_][\w]*))\s*=\s*/.exec(inner.slice(i, i + 300));
    if (!km) {
      const nl = inner.slice(i).search(/[;\n]/);
      if (nl < 0) break;
      i += nl + 1;
      continue;
    }
    const key = km[1] ?? km[2] ?? km[3];
    i += km[0].length;
    // value: quoted string, here-string, braces/parens, or up to ; / newline
    let j = i;
    const c = inner[i];
    if (c === '@' && (inner[i + 1] === '"' || inner[i + 1] === "'")) {
      const q = inner[i + 1];
      const end = inner.indexOf('\n' + q + '@', i + 2);
      j = end < 0 ? inner.length : end + 3;
    } else if (c === '"' || c === "'") {
      j = i + 1;
      while (j < inner.length) {
        if (c === '"' && inner[j] === '`') {
          j += 2;
          continue;
        }
        if (inner[j] === c) {
          if (inner[j + 1] === c) {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
    } else if (c === '(' || c === '{' || c === '[') {
      const b = balanced(inner, i, c, c === '(' ? ')' : c === '{' ? '}' : ']');
      j = b ? i + b.length : inner.length;
      while (j < inner.length && !/[;\n]/.test(inner[j])) j++;
    } else {
      while (j < inner.length && !/[;\n]/.test(inner[j])) j++;
    }
    out.push([key, inner.slice(i, j).trim()]);
    i = j;
  }
  return out;
}

function refOfObject(o: ScriptObject | undefined): { className: string; name: string } | undefined {
  if (!o) return undefined;
  return { className: o.className, name: o.props.Name ?? '' };
}

/** Parse a reference string like `__EventFilter.Name="x"` or a relpath. */
function refFromString(s: string): { className: string; name: string } | undefined {
  const m = /([A-Za-z_]\w*)\.Name\s*=\s*(?:\\?"([^"\\]*)\\?"|'([^']*)')/.exec(s);
  return m ? { className: m[1], name: m[2] ?? m[3] ?? '' } : undefined;
}

/** WMI subscription objects a PowerShell script creates. */
export function parsePowerShellSubscriptions(script: string): ScriptObject[] {
  const s = script.length > MAX_SCAN ? script.slice(0, MAX_SCAN) : script;
  if (!/__EventFilter|EventConsumer|__FilterToConsumerBinding|Register-WmiEvent|Register-CimIndicationEvent/i.test(s)) return [];
  const vars = new Map<string, string>();
  const tables = new Map<string, string>();
  const objects = new Map<string, ScriptObject>();
  const out: ScriptObject[] = [];

  // Simple string assignments and hashtable assignments, in order of appearance.
  let budget = MAX_STATEMENTS * 4;
  for (const m of s.matchAll(/\$(\w+)\s*=\s*('(?:[^']|'')*'|"(?:[^"`]|`.|"")*"|@\{)/g)) {
    if (--budget < 0) break;
    const name = m[1].toLowerCase();
    if (m[2] === '@{') {
      const b = balanced(s, m.index! + m[0].length - 1);
      if (b) tables.set(name, b);
    } else {
      const v = unquotePs(m[2], vars);
      if (v !== null) vars.set(name, v);
    }
  }

  const resolveProps = (body: string): { props: Record<string, string>; rawRefs: Record<string, string> } => {
    const props: Record<string, string> = {};
    const rawRefs: Record<string, string> = {};
    for (const [k0, v] of hashtableEntries(body)) {
      const k = canonical(k0);
      rawRefs[k] = v;
      const val = unquotePs(v, vars);
      if (val !== null) props[k] = val;
    }
    return { props, rawRefs };
  };

  const bindRefs = (o: ScriptObject, rawRefs: Record<string, string>) => {
    for (const key of ['Filter', 'Consumer'] as const) {
      const raw = rawRefs[key];
      if (raw === undefined) continue;
      const vm = /^\$(\w+)/.exec(raw.trim().replace(/^(\[[^\]]*\]\s*)+/, ''));
      let ref = vm ? refOfObject(objects.get(vm[1].toLowerCase())) : undefined;
      if (!ref) ref = refFromString(o.props[key] ?? raw);
      if (ref) {
        if (key === 'Filter') o.filterRef = ref;
        else o.consumerRef = ref;
      }
    }
  };

  // Set-WmiInstance / New-CimInstance (and their common aliases).
  const cmdRe = /(?:\$(\w+)\s*=\s*)?(?:\(\s*)?\b(Set-WmiInstance|New-CimInstance|swmi)\b/gi;
  for (const m of s.matchAll(cmdRe)) {
    if (out.length >= MAX_STATEMENTS) break;
    const start = m.index!;
    const window = s.slice(start, start + 8000);
    const cls = /-Class(?:Name)?\s*[:\s]\s*['"]?([A-Za-z_]\w*)['"]?/i.exec(window);
    if (!cls) continue;
    const argIdx = window.search(/-(?:Arguments|Argument|Property)\s*[:\s]?\s*(?:@\{|\$\w+)/i);
    let body: string | null = null;
    if (argIdx >= 0) {
      const after = window.slice(argIdx);
      const brace = after.indexOf('@{');
      const varm = /^-(?:Arguments|Argument|Property)\s*[:\s]?\s*\$(\w+)/i.exec(after);
      if (varm) body = tables.get(varm[1].toLowerCase()) ?? null;
      else if (brace >= 0) body = balanced(s, start + argIdx + brace + 1);
    }
    const { props, rawRefs } = body ? resolveProps(body) : { props: {}, rawRefs: {} };
    const o: ScriptObject = { className: cls[1], props, action: 'created', statement: window.slice(0, Math.min(window.length, (body ? window.indexOf(body) + body.length : 400))) };
    bindRefs(o, rawRefs);
    out.push(o);
    if (m[1]) objects.set(m[1].toLowerCase(), o);
  }

  // [wmiclass]'...:Class' then .CreateInstance() and $x.Prop = value assignments.
  const wc = /\$(\w+)\s*=\s*\(?\s*\[wmiclass\]\s*['"]([^'"]*?)['"]\s*\)?\s*\.\s*CreateInstance\s*\(\s*\)/gi;
  for (const m of s.matchAll(wc)) {
    if (out.length >= MAX_STATEMENTS) break;
    const v = m[1];
    const path = m[2];
    const clsName = path.includes(':') ? path.slice(path.lastIndexOf(':') + 1) : path;
    const o: ScriptObject = { className: clsName, props: {}, action: 'created', statement: m[0] };
    const rawRefs: Record<string, string> = {};
    const propRe = new RegExp(`\\$${v}\\.(\\w+)\\s*=\\s*('(?:[^']|'')*'|"(?:[^"\`]|\`.|"")*"|\\$\\w+(?:\\.\\w+)*|[^;\\r\\n]+)`, 'gi');
    for (const pm of s.slice(m.index!).matchAll(propRe)) {
      const k = canonical(pm[1]);
      rawRefs[k] = pm[2];
      const val = unquotePs(pm[2], vars);
      if (val !== null) o.props[k] = val;
    }
    // Binding properties assigned from other objects' __PATH / relative paths.
    for (const key of ['Filter', 'Consumer'] as const) {
      const raw = rawRefs[key];
      if (!raw) continue;
      const vm = /^\$(\w+)/.exec(raw.trim());
      const ref = vm ? refOfObject(objects.get(vm[1].toLowerCase())) : refFromString(raw);
      if (ref) {
        if (key === 'Filter') o.filterRef = ref;
        else o.consumerRef = ref;
      }
    }
    out.push(o);
    objects.set(v.toLowerCase(), o);
  }

  // Temporary subscriptions.
  for (const m of s.matchAll(/\b(Register-WmiEvent|Register-CimIndicationEvent)\b/gi)) {
    if (out.length >= MAX_STATEMENTS) break;
    // A mention (Set-Alias -Value Register-CimIndicationEvent, help text, strings) is not a registration.
    const before = s.slice(Math.max(0, m.index! - 40), m.index!);
    if (/(-Value\s+|-Name\s+|['"])$/i.test(before)) continue;
    const window = s.slice(m.index!, m.index! + 8000);
    const stmtEnd = window.search(/[\r\n;|]/);
    const head = stmtEnd < 0 ? window : window.slice(0, Math.max(stmtEnd, 0));
    if (!/-(Query|Class(Name)?|SourceIdentifier|Action)\b/i.test(head) && !/^\S+\s+['"]?\w/.test(head)) continue;
    const q = /-Query\s+('(?:[^']|'')*'|"(?:[^"`]|`.|"")*"|\$\w+)/i.exec(window);
    const cls = /-Class(?:Name)?\s+['"]?([A-Za-z_]\w*)/i.exec(window) ?? /^\S+\s+['"]?([A-Za-z_]\w*)/.exec(head);
    const sid = /-SourceIdentifier\s+('(?:[^']|'')*'|"(?:[^"`]|`.|"")*"|[\w.-]+)/i.exec(window);
    const ns = /-Namespace\s+('(?:[^']|'')*'|"(?:[^"`]|`.|"")*"|[\w\\/]+)/i.exec(window);
    const actIdx = window.search(/-Action\s*\{/i);
    const action = actIdx >= 0 ? balanced(window, window.indexOf('{', actIdx)) : null;
    const props: Record<string, string> = {};
    const query = q ? unquotePs(q[1], vars) : null;
    if (query) props.Query = query;
    else if (cls) props.Query = `SELECT * FROM ${cls[1]}`;
    if (sid) props.Name = unquotePs(sid[1], vars) ?? sid[1];
    if (ns) props.EventNamespace = unquotePs(ns[1], vars) ?? ns[1];
    if (action) props.ScriptText = action.slice(1, -1).trim();
    out.push({ className: 'TemporarySubscription', props, action: 'created', statement: window.slice(0, action ? window.indexOf(action) + action.length : 400) });
  }
  return out;
}

/** Split WMIC CREATE arguments `A="x", B='y', C=z`. */
function wmicAssignments(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    const km = /^[\s,]*([A-Za-z_]\w*)\s*=\s*/.exec(s.slice(i, i + 200));
    if (!km) break;
    i += km[0].length;
    const c = s[i];
    let v = '';
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < s.length && s[j] !== c) {
        if (s[j] === '\\' && s[j + 1] === c) j++;
        j++;
      }
      v = s.slice(i + 1, j).replace(new RegExp(`\\\\${c}`, 'g'), c);
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== ',') j++;
      v = s.slice(i, j).trim();
      i = j;
    }
    out[canonical(km[1])] = v;
  }
  return out;
}

/** Subscription objects a WMIC command line creates or deletes. */
export function parseWmicSubscription(cmd: string): ScriptObject[] {
  if (!/\bwmic(\.exe)?\b/i.test(cmd) || !/__EventFilter|EventConsumer|__FilterToConsumerBinding/i.test(cmd)) return [];
  const m = /\bPATH\s+([A-Za-z_]\w*)\s+(.*)$/is.exec(cmd);
  if (!m) return [];
  const cls = m[1];
  const rest = m[2];
  const create = /^\s*CREATE\s+([\s\S]*)$/i.exec(rest);
  if (create) {
    const props = wmicAssignments(create[1]);
    const o: ScriptObject = { className: cls, props, action: 'created', statement: cmd };
    if (props.Filter) o.filterRef = refFromString(props.Filter);
    if (props.Consumer) o.consumerRef = refFromString(props.Consumer);
    return [o];
  }
  const del = /^\s*WHERE\s+([\s\S]*?)\s+DELETE\s*$/i.exec(rest);
  if (del) {
    const cond = del[1].replace(/^["']|["']$/g, '');
    const props = wmicAssignments(cond.replace(/\s+and\s+/gi, ', '));
    const o: ScriptObject = { className: cls, props, action: 'deleted', statement: cmd };
    if (props.Filter) o.filterRef = refFromString(props.Filter);
    if (props.Consumer) o.consumerRef = refFromString(props.Consumer);
    return [o];
  }
  return [];
}
