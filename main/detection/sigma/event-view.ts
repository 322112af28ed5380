/**
 * A read-only view of one NormalizedEvent under Sigma field names, built once per event and
 * shared by every rule evaluated against it. Lowercased values are computed once per field.
 */
import type { NormalizedEvent } from '../../../shared/model/event';

type Values = string[];

/**
 * Loose field-name key: case-insensitive and without spaces, so rules written as
 * `ThreatName` / `SourceName` read Defender's "Threat Name" / "Source Name" fields
 * (as THOR and evtx-sigma-checker, the SigmaHQ reference, do).
 */
function fold(name: string): string {
  return name.replace(/\s/g, '').toLowerCase();
}

/** Sigma's names for the System part of a Windows event. */
function systemField(ev: NormalizedEvent, name: string): Values | undefined {
  switch (name) {
    case 'EventID':
      return [String(ev.eventId)];
    case 'Channel':
      return [ev.channel];
    case 'Provider_Name':
    case 'Provider':
      return [ev.provider];
    case 'Computer':
    case 'ComputerName':
      return [ev.computer];
    case 'EventRecordID':
      return ev.recordId === null ? undefined : [String(ev.recordId)];
    case 'Security_UserID':
    case 'UserID':
      return ev.userSid === null ? undefined : [ev.userSid];
    case 'Level':
      return ev.level === null ? undefined : [String(ev.level)];
    case 'Task':
      return ev.task === null ? undefined : [String(ev.task)];
    case 'Opcode':
      return ev.opcode === null ? undefined : [String(ev.opcode)];
    case 'Keywords':
      return ev.keywords === null ? undefined : [ev.keywords];
    case 'ProcessID':
      return ev.processId === null ? undefined : [String(ev.processId)];
    case 'ThreadID':
      return ev.threadId === null ? undefined : [String(ev.threadId)];
    default:
      return undefined;
  }
}

export class EventView {
  private rawCache = new Map<string, Values | null>();
  private lowerCache = new Map<string, Values | null>();
  private ciKeys: Map<string, string> | null = null;
  private everything: Array<[string, string]> | null = null;

  constructor(readonly event: NormalizedEvent) {}

  private resolve(name: string): Values | undefined {
    const d = this.event.data;
    let v = d[name];
    if (v === undefined) {
      const sys = systemField(this.event, name);
      if (sys !== undefined) return sys;
      if (!this.ciKeys) {
        this.ciKeys = new Map();
        for (const k of Object.keys(d)) {
          const key = fold(k);
          if (!this.ciKeys.has(key)) this.ciKeys.set(key, k);
        }
      }
      const k = this.ciKeys.get(fold(name));
      if (k === undefined) return undefined;
      v = d[k];
    }
    return typeof v === 'string' ? [v] : v;
  }

  /** Values of a field as logged, or undefined when the event has no such field. */
  raw(name: string): Values | undefined {
    let v = this.rawCache.get(name);
    if (v === undefined) {
      v = this.resolve(name) ?? null;
      this.rawCache.set(name, v);
    }
    return v ?? undefined;
  }

  lower(name: string): Values | undefined {
    let v = this.lowerCache.get(name);
    if (v === undefined) {
      const r = this.raw(name);
      v = r ? r.map((x) => x.toLowerCase()) : null;
      this.lowerCache.set(name, v);
    }
    return v ?? undefined;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** Every value of the event (data fields and message) as [raw, lower] pairs, for keyword search. */
  allLower(): Array<[string, string]> {
    if (!this.everything) {
      const out: Array<[string, string]> = [];
      for (const v of Object.values(this.event.data)) {
        if (typeof v === 'string') out.push([v, v.toLowerCase()]);
        else for (const x of v) out.push([x, x.toLowerCase()]);
      }
      if (this.event.message) out.push([this.event.message, this.event.message.toLowerCase()]);
      this.everything = out;
    }
    return this.everything;
  }
}
