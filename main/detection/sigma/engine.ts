/**
 * A compiled, indexed set of Sigma rules. Rules are indexed by channel and event ID, so an
 * event only meets the rules that can match it; each event gets one EventView shared by
 * all of them.
 */
import type { NormalizedEvent } from '../../../shared/model/event';
import { compileRule, type CompiledRule, type SigmaRuleMeta } from './compile';
import { EventView } from './event-view';
import { loadRuleDocuments, parseRuleText, type RuleDocument, type RuleLoadError } from './rule-loader';

export interface SkippedRule {
  file: string;
  ruleId?: string;
  title?: string;
  reason: string;
}

interface Entry {
  rule: CompiledRule;
  match: (ev: EventView) => boolean;
}

interface ChannelBucket {
  byId: Map<number, Entry[]>;
  any: Entry[];
}

export class RuleSet {
  readonly rules: CompiledRule[] = [];
  readonly skipped: SkippedRule[] = [];
  readonly errors: RuleLoadError[] = [];
  private channels = new Map<string, ChannelBucket>();
  private everyChannel: Entry[] = [];

  /** Build from rule files and folders. */
  static fromPaths(paths: string[]): RuleSet {
    const { docs, errors } = loadRuleDocuments(paths);
    const rs = new RuleSet();
    rs.errors.push(...errors);
    rs.addDocuments(docs);
    return rs;
  }

  /** Build from YAML text (tests, embedded rules). */
  static fromText(file: string, text: string): RuleSet {
    const { docs, errors } = parseRuleText(file, text);
    const rs = new RuleSet();
    rs.errors.push(...errors);
    rs.addDocuments(docs);
    return rs;
  }

  addDocuments(docs: RuleDocument[]): void {
    const seen = new Map<string, string>();
    for (const r of this.rules) if (r.meta.id) seen.set(r.meta.id, r.meta.file);
    for (const d of docs) {
      const out = compileRule(d);
      if (out.kind === 'error') {
        this.errors.push({ file: out.file, ruleId: out.ruleId, title: out.title, message: out.message });
      } else if (out.kind === 'skipped') {
        this.skipped.push({ file: out.file, ruleId: out.ruleId, title: out.title, reason: out.reason });
      } else {
        const id = out.rule.meta.id;
        if (id && seen.has(id)) {
          this.errors.push({ file: d.file, ruleId: id, title: out.rule.meta.title, message: `duplicate rule id ${id} (also in ${seen.get(id)})` });
          continue;
        }
        if (id) seen.set(id, d.file);
        this.add(out.rule);
      }
    }
  }

  private bucket(channel: string): ChannelBucket {
    const k = channel.toLowerCase();
    let b = this.channels.get(k);
    if (!b) {
      b = { byId: new Map(), any: [] };
      this.channels.set(k, b);
    }
    return b;
  }

  add(rule: CompiledRule): void {
    this.rules.push(rule);
    for (const t of rule.targets) {
      const entry: Entry = { rule, match: t.match };
      const ids = t.target.eventIds ?? t.eventIds;
      if (t.target.channels.length === 0) {
        this.everyChannel.push(entry);
        continue;
      }
      for (const ch of t.target.channels) {
        const b = this.bucket(ch);
        if (!ids) b.any.push(entry);
        else
          for (const id of ids) {
            let l = b.byId.get(id);
            if (!l) b.byId.set(id, (l = []));
            l.push(entry);
          }
      }
    }
  }

  /** How many rule/source pairs an event of this channel and ID meets (for stats). */
  candidates(channel: string, eventId: number): number {
    const b = this.channels.get(channel.toLowerCase());
    return (b ? (b.byId.get(eventId)?.length ?? 0) + b.any.length : 0) + this.everyChannel.length;
  }

  /** Rules matching the event (each rule at most once). */
  match(ev: NormalizedEvent): SigmaRuleMeta[] {
    const b = this.channels.get(ev.channel.toLowerCase());
    const l1 = b?.byId.get(ev.eventId);
    const l2 = b?.any;
    const l3 = this.everyChannel;
    if (!l1?.length && !l2?.length && !l3.length) return [];
    const view = new EventView(ev);
    const out: SigmaRuleMeta[] = [];
    let seen: Set<CompiledRule> | null = null;
    const run = (l: Entry[] | undefined) => {
      if (!l) return;
      for (const e of l) {
        if (seen?.has(e.rule)) continue;
        let ok = false;
        try {
          ok = e.match(view);
        } catch {
          ok = false; // a rule must never stop the scan
        }
        if (ok) {
          out.push(e.rule.meta);
          (seen ??= new Set()).add(e.rule);
        }
      }
    };
    run(l1);
    run(l2);
    run(l3);
    return out;
  }
}
