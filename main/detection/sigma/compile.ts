/**
 * Turns one Sigma rule document into a compiled matcher per log source it reads, or a
 * reason it is skipped (valid Sigma we cannot evaluate: other products, aggregations,
 * correlations), or an error naming what is wrong with it.
 */
import { compileCondition, parseCondition, type CondNode } from './condition';
import type { EventView } from './event-view';
import { resolveLogsource, type Logsource, type LogsourceTarget } from './logsource';
import { compileFieldItem, SigmaRuleError, UnsupportedFeature, type FieldPredicate } from './modifiers';
import type { RuleDocument } from './rule-loader';

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type SigmaLevel = (typeof LEVELS)[number];

export interface SigmaRuleMeta {
  id: string;
  title: string;
  description: string;
  level: SigmaLevel;
  status: string;
  tags: string[];
  author: string;
  falsepositives: string[];
  references: string[];
  file: string;
  logsource: Logsource;
}

export interface CompiledTarget {
  target: LogsourceTarget;
  /** Event IDs the rule itself requires (from its selections), when the source does not fix them. */
  eventIds?: number[];
  match: (ev: EventView) => boolean;
}

export interface CompiledRule {
  meta: SigmaRuleMeta;
  targets: CompiledTarget[];
}

export type CompileOutcome =
  | { kind: 'rule'; rule: CompiledRule }
  | { kind: 'skipped'; file: string; ruleId?: string; title?: string; reason: string }
  | { kind: 'error'; file: string; ruleId?: string; title?: string; message: string };

function strList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map((x) => String(x));
  return [String(v)];
}

type Search = { pred: (ev: EventView) => boolean; eventIds: Set<number> | null };

/** EventIDs a plain `EventID: n` / `EventID: [n, m]` item fixes, or null. */
function eventIdsOfItem(key: string, value: unknown): Set<number> | null {
  if (key !== 'EventID') return null;
  const vs = Array.isArray(value) ? value : [value];
  const out = new Set<number>();
  for (const v of vs) {
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) return null;
    out.add(n);
  }
  return out.size ? out : null;
}

function compileMap(name: string, m: Record<string, unknown>, mapField: (f: string) => string): Search {
  const keys = Object.keys(m);
  if (keys.length === 0) throw new SigmaRuleError(`search '${name}' is an empty map`);
  const preds: FieldPredicate[] = [];
  let ids: Set<number> | null = null;
  for (const k of keys) {
    const base = k.split('|')[0].trim();
    preds.push(compileFieldItem(k, base === '' ? null : mapField(base), m[k]));
    ids ??= eventIdsOfItem(k, m[k]);
  }
  const pred =
    preds.length === 1
      ? preds[0]
      : (ev: EventView) => {
          for (const p of preds) if (!p(ev)) return false;
          return true;
        };
  return { pred, eventIds: ids };
}

function compileSearch(name: string, v: unknown, mapField: (f: string) => string): Search {
  if (v === null || v === undefined) throw new SigmaRuleError(`search '${name}' is empty`);
  if (Array.isArray(v)) {
    if (v.length === 0) throw new SigmaRuleError(`search '${name}' is an empty list`);
    const maps = v.filter((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
    if (maps.length === v.length) {
      const subs = v.map((x, i) => compileMap(`${name}[${i}]`, x as Record<string, unknown>, mapField));
      let ids: Set<number> | null = new Set();
      for (const s of subs) {
        if (!s.eventIds) {
          ids = null;
          break;
        }
        for (const x of s.eventIds) ids.add(x);
      }
      const ps = subs.map((s) => s.pred);
      return {
        pred: (ev) => {
          for (const p of ps) if (p(ev)) return true;
          return false;
        },
        eventIds: ids,
      };
    }
    if (maps.length > 0) throw new SigmaRuleError(`search '${name}' mixes maps and keywords in one list`);
    return { pred: compileFieldItem('', null, v), eventIds: null };
  }
  if (typeof v === 'object') return compileMap(name, v as Record<string, unknown>, mapField);
  return { pred: compileFieldItem('', null, v), eventIds: null };
}

/** EventIDs the whole condition requires, or null when it does not fix them. */
function requiredIds(n: CondNode, searches: Map<string, Search>): Set<number> | null {
  const globRe = (p: string) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  const inter = (sets: Array<Set<number> | null>): Set<number> | null => {
    let acc: Set<number> | null = null;
    for (const s of sets) {
      if (!s) continue;
      const cur: Set<number> = s;
      const next = new Set<number>();
      if (acc === null) for (const x of cur) next.add(x);
      else for (const x of acc) if (cur.has(x)) next.add(x);
      acc = next;
    }
    return acc;
  };
  const union = (sets: Array<Set<number> | null>): Set<number> | null => {
    const acc = new Set<number>();
    for (const s of sets) {
      if (!s) return null;
      for (const x of s) acc.add(x);
    }
    return acc;
  };
  switch (n.op) {
    case 'id':
      return searches.get(n.name)?.eventIds ?? null;
    case 'not':
      return null;
    case 'and':
      return inter(n.args.map((a) => requiredIds(a, searches)));
    case 'or':
      return union(n.args.map((a) => requiredIds(a, searches)));
    case 'of': {
      const names = [...searches.keys()].filter((k) => (n.pattern === 'them' ? !k.startsWith('_') : globRe(n.pattern).test(k)));
      const sets = names.map((k) => searches.get(k)!.eventIds);
      return n.count === 'all' ? inter(sets) : union(sets);
    }
  }
}

function compileDetection(
  detection: Record<string, unknown>,
  conditions: CondNode[],
  mapField: (f: string) => string,
): { match: (ev: EventView) => boolean; eventIds: Set<number> | null } {
  const searches = new Map<string, Search>();
  for (const [k, v] of Object.entries(detection)) {
    if (k === 'condition' || k === 'timeframe') continue;
    searches.set(k, compileSearch(k, v, mapField));
  }
  if (searches.size === 0) throw new SigmaRuleError('detection defines no search identifiers');
  const preds = new Map([...searches].map(([k, s]) => [k, s.pred]));
  const cs = conditions.map((c) => compileCondition(c, preds));
  const ids = conditions.length === 1 ? requiredIds(conditions[0], searches) : null;
  const match = cs.length === 1 ? cs[0] : (ev: EventView) => cs.some((c) => c(ev));
  return { match, eventIds: ids };
}

export function compileRule(rd: RuleDocument): CompileOutcome {
  const d = rd.doc;
  const file = rd.file;
  const ruleId = typeof d.id === 'string' ? d.id : undefined;
  const title = typeof d.title === 'string' ? d.title : undefined;
  const err = (message: string): CompileOutcome => ({ kind: 'error', file, ruleId, title, message });
  const skip = (reason: string): CompileOutcome => ({ kind: 'skipped', file, ruleId, title, reason });
  if ('correlation' in d) return skip('correlation rules (event counts over time) are not supported');
  if ('filter' in d && !('detection' in d)) return skip('Sigma filter documents are not standalone rules');
  if (d.action !== undefined) return skip(`rule collection action '${String(d.action)}' is not supported`);
  if (!title || title.trim() === '') return err("missing 'title'");
  if (d.id !== undefined && typeof d.id !== 'string') return err("'id' must be a string");
  const ls = d.logsource;
  if (!ls || typeof ls !== 'object' || Array.isArray(ls)) return err("missing or invalid 'logsource' (must be a map)");
  const det = d.detection;
  if (!det || typeof det !== 'object' || Array.isArray(det)) return err("missing or invalid 'detection' (must be a map)");
  const detection = det as Record<string, unknown>;
  const cond = detection.condition;
  if (cond === undefined || cond === null) return err("detection has no 'condition'");
  const condList = Array.isArray(cond) ? cond : [cond];
  if (condList.length === 0 || condList.some((c) => typeof c !== 'string')) return err("'condition' must be a string or a list of strings");
  let level: SigmaLevel = 'medium';
  if (d.level !== undefined) {
    const l = String(d.level).toLowerCase();
    if (!(LEVELS as readonly string[]).includes(l)) return err(`invalid level '${String(d.level)}' (expected one of ${LEVELS.join(', ')})`);
    level = l as SigmaLevel;
  }
  const lsr = ls as Record<string, unknown>;
  const logsource: Logsource = {
    product: lsr.product !== undefined ? String(lsr.product) : undefined,
    category: lsr.category !== undefined ? String(lsr.category) : undefined,
    service: lsr.service !== undefined ? String(lsr.service) : undefined,
  };
  const meta: SigmaRuleMeta = {
    id: ruleId ?? '',
    title,
    description: typeof d.description === 'string' ? d.description.trim() : '',
    level,
    status: typeof d.status === 'string' ? d.status : '',
    tags: strList(d.tags),
    author: typeof d.author === 'string' ? d.author : '',
    falsepositives: strList(d.falsepositives),
    references: strList(d.references),
    file,
    logsource,
  };
  // Parse and check the detection even for rules we will skip, so broken rules are reported as broken.
  let conditions: CondNode[];
  try {
    conditions = (condList as string[]).map(parseCondition);
    compileDetection(detection, conditions, (f) => f);
  } catch (e) {
    if (e instanceof UnsupportedFeature) return skip(e.message);
    if (e instanceof SigmaRuleError) return err(e.message);
    return err(`cannot compile: ${(e as Error).message}`);
  }
  if (detection.timeframe !== undefined) return skip("'timeframe' (aggregation over time) is not supported");
  const res = resolveLogsource(logsource);
  if (!res.ok) return skip(res.reason);
  try {
    const targets: CompiledTarget[] = res.targets.map((target) => {
      const fm = target.fieldMap;
      const { match, eventIds } = compileDetection(detection, conditions, fm ? (f) => fm[f] ?? f : (f) => f);
      let ids: number[] | undefined;
      if (!target.eventIds && eventIds && eventIds.size > 0) ids = [...eventIds];
      return { target, eventIds: ids, match };
    });
    return { kind: 'rule', rule: { meta, targets } };
  } catch (e) {
    if (e instanceof UnsupportedFeature) return skip(e.message);
    return err((e as Error).message);
  }
}
