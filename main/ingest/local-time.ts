/**
 * Flat exports (NXLog, some SIEM pipelines) write the event time in the host's local time
 * with no zone. Each host gets one zone offset for the file: the one most of its records'
 * UTC references agree on, each reference giving an offset rounded to a quarter hour.
 * A record's reference is the best it carries: Sysmon's UtcTime (the event's own moment),
 * else the collector's EventReceivedTime when it is written with a zone, else the
 * shipper's @timestamp (which lags the event by the shipping delay); a record whose own
 * time is written with a numeric zone votes that zone too. One offset per host, not one
 * per record: a record shipped late (a backlog sent hours later) would otherwise move by
 * its lag. A record whose reference disagrees with its host's offset by more than
 * TOLERANCE_MS still takes the host's offset, and the ledger counts it per host.
 *
 * Events wait until their host's offset is decided: as soon as QUORUM of its references
 * are in and AGREEMENT of them agree (the usual case: events leave after a batch or two,
 * and memory stays flat), else at the end of the file, where the offset is the one most
 * of all its references agree on. Past MAX_PENDING events (or MAX_PENDING_CHARS of record
 * text) waiting, the host with most waiting is decided from the references seen so far.
 * A decided offset is kept for the rest of the file. So a backlog whose references put
 * nearly all of a host's first QUORUM records in one wrong quarter hour would set the
 * host's offset, and then every later record is reported as disagreeing. A host with no
 * usable reference at all has its times taken as UTC, reported.
 */
import type { NormalizedEvent } from '../../shared/model/event';
import { fractionMs, isoAt, type TimeText } from '../../shared/model/time-text';

const QUARTER_HOUR = 15 * 60 * 1000;
const MAX_OFFSET = 14 * 3600 * 1000;
/** How far a record's own UTC reference may be from the time its host's offset gives before it is reported. */
const TOLERANCE_MS = 2 * 60 * 1000;
/** References of a host in before its offset may be decided early, and the share of them that must agree. */
export const QUORUM = 1000;
const AGREEMENT = 0.9;
/** Most events held back waiting for their host's offset; beyond it the host with most waiting is decided. */
export const MAX_PENDING = 50_000;
/** Most record text (characters) held back; an event held costs about twice its text. */
const MAX_PENDING_CHARS = 32 * 1024 * 1024;

/** A UTC time of the same moment a record carries, and the field it came from. */
export interface UtcReference {
  ms: number;
  field: string;
}

/** The zone offset (UTC = wall + offset) a reference gives, rounded to a quarter hour; null when over 14 hours. */
function offsetFrom(local: TimeText, utcMs: number): number | null {
  if (!Number.isFinite(utcMs)) return null;
  const offset = Math.round((utcMs - local.wallMs - fractionMs(local.fraction)) / QUARTER_HOUR) * QUARTER_HOUR;
  return Math.abs(offset) > MAX_OFFSET ? null : offset;
}

/** 'UTC-04:00' for an offset of +4 hours (local = UTC - 4 h). */
function zoneName(offsetMs: number): string {
  const minutes = Math.abs(offsetMs) / 60_000;
  return `UTC${offsetMs > 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** '+9m30s', '-3s', '+2h0m0s'. */
function signedDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  s %= 60;
  return sign + (h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`);
}

interface Pending {
  seq: number;
  event: NormalizedEvent;
  local: TimeText;
  reference: UtcReference | null;
}

interface Host {
  /** The host name as first written, for the ledger. */
  name: string;
  votes: Map<number, number>;
  voteCount: number;
  offset: number | undefined;
  pending: Pending[];
  /** Events released without an offset (taken as UTC). */
  assumedUtc: number;
  /** Events given the host's offset. */
  resolved: number;
  disagree: { count: number; min: number; max: number; first: NormalizedEvent | null; fields: Set<string> };
}

export class LocalTimeResolver {
  private readonly hosts = new Map<string, Host>();
  private pendingCount = 0;
  private pendingChars = 0;
  private seq = 0;
  /** `emit` receives each event once its time is in UTC: a host's in file order, all of those still waiting at finish in file order. */
  constructor(private readonly emit: (e: NormalizedEvent) => void) {}

  private host(name: string): Host {
    const key = name.toLowerCase();
    let h = this.hosts.get(key);
    if (!h) {
      h = { name, votes: new Map(), voteCount: 0, offset: undefined, pending: [], assumedUtc: 0, resolved: 0, disagree: { count: 0, min: Infinity, max: -Infinity, first: null, fields: new Set() } };
      this.hosts.set(key, h);
    }
    return h;
  }

  private vote(h: Host, offset: number | null): void {
    if (offset === null) return;
    h.votes.set(offset, (h.votes.get(offset) ?? 0) + 1);
    h.voteCount++;
  }

  /** The offset most references agree on (ties: the smaller, since a shipper's lag only ever adds), with its votes. */
  private leader(h: Host): [number | undefined, number] {
    let best: number | undefined;
    let bestVotes = 0;
    for (const [offset, n] of h.votes) {
      if (n > bestVotes || (n === bestVotes && best !== undefined && offset < best)) {
        best = offset;
        bestVotes = n;
      }
    }
    return [best, bestVotes];
  }

  /**
   * An event of `event.computer` whose time of day `local` has no zone; `reference` is a UTC
   * time of the same moment from the record itself, when it carries one.
   */
  add(event: NormalizedEvent, local: TimeText, reference: UtcReference | null): void {
    const h = this.host(event.computer);
    if (reference) this.vote(h, offsetFrom(local, reference.ms));
    const p: Pending = { seq: this.seq++, event, local, reference };
    if (h.offset !== undefined) {
      this.resolve(h, p);
      return;
    }
    h.pending.push(p);
    this.pendingCount++;
    this.pendingChars += event.raw?.length ?? 0;
    if (reference && h.voteCount >= QUORUM) {
      const [offset, votes] = this.leader(h);
      if (votes >= AGREEMENT * h.voteCount) {
        h.offset = offset;
        for (const p of this.take(h)) this.resolve(h, p);
        return;
      }
    }
    if (this.pendingCount > MAX_PENDING || this.pendingChars > MAX_PENDING_CHARS) {
      let most: Host = h;
      for (const x of this.hosts.values()) if (x.pending.length > most.pending.length) most = x;
      this.decide(most);
      for (const p of this.take(most)) this.release(most, p);
    }
  }

  /** A record of `host` whose own time carries a numeric zone: that zone is its host's offset (UTC = wall - zone). */
  addZoneVote(host: string, zoneMs: number): void {
    const h = this.host(host);
    this.vote(h, Math.abs(zoneMs) > MAX_OFFSET ? null : -zoneMs);
  }

  /** Sets the host's offset from its references so far; it stays undefined with none. */
  private decide(h: Host): void {
    if (h.offset === undefined) h.offset = this.leader(h)[0];
  }

  private take(h: Host): Pending[] {
    const list = h.pending;
    h.pending = [];
    this.pendingCount -= list.length;
    for (const p of list) this.pendingChars -= p.event.raw?.length ?? 0;
    return list;
  }

  private release(h: Host, p: Pending): void {
    if (h.offset === undefined) {
      p.event.timeCreated = isoAt(p.local, 0);
      h.assumedUtc++;
      this.emit(p.event);
    } else this.resolve(h, p);
  }

  private resolve(h: Host, p: Pending): void {
    const offset = h.offset!;
    p.event.timeCreated = isoAt(p.local, offset);
    h.resolved++;
    if (p.reference && Number.isFinite(p.reference.ms)) {
      const diff = p.reference.ms - (p.local.wallMs + fractionMs(p.local.fraction) + offset);
      if (Math.abs(diff) > TOLERANCE_MS) {
        const d = h.disagree;
        d.count++;
        d.min = Math.min(d.min, diff);
        d.max = Math.max(d.max, diff);
        d.first ??= p.event;
        d.fields.add(p.reference.field);
      }
    }
    this.emit(p.event);
  }

  /** End of input: every host still waiting is decided, and what waits leaves in file order. */
  finish(): void {
    const rest: Array<[Host, Pending]> = [];
    for (const h of this.hosts.values()) {
      if (h.pending.length === 0) continue;
      this.decide(h);
      for (const p of this.take(h)) rest.push([h, p]);
    }
    rest.sort((a, b) => a[1].seq - b[1].seq);
    for (const [h, p] of rest) this.release(h, p);
  }

  /** Hosts whose events were released without an offset, with their counts (lower-case names). */
  get assumedUtc(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, h] of this.hosts) if (h.assumedUtc > 0) out.set(key, h.assumedUtc);
    return out;
  }

  /** The zone offset decided for a host (UTC = wall + offset), if any. */
  offsetOf(host: string): number | undefined {
    return this.hosts.get(host.toLowerCase())?.offset;
  }

  /** Ledger lines, after finish(): times taken as UTC, and records whose own reference disagreed with their host's offset. */
  report(): string[] {
    const lines: string[] = [];
    for (const h of this.hosts.values()) {
      if (h.assumedUtc > 0) {
        lines.push(`${h.assumedUtc} events of host ${h.name} carry local times with no zone and no usable UTC reference to infer one: taken as UTC`);
      }
      const d = h.disagree;
      if (d.count > 0) {
        const agreeing = h.votes.get(h.offset!) ?? 0;
        const total = h.voteCount;
        const by = d.min === d.max ? signedDuration(d.min) : `${signedDuration(d.min)} to ${signedDuration(d.max)}`;
        const first = d.first?.ref.recordNumber === undefined ? '' : `; first at line ${d.first.ref.recordNumber}`;
        lines.push(
          `${d.count} of ${h.resolved} events of host ${h.name}: their own UTC reference (${[...d.fields].join(', ')}) is ${by} off the time ` +
            `the host's zone offset ${zoneName(h.offset!)} gives (more than ${TOLERANCE_MS / 60_000} minutes${first}); they keep the host's offset, ` +
            `which ${agreeing} of ${total} references agree on (a reference lags when shipped late, or the host's zone changed)`,
        );
      }
    }
    return lines;
  }
}
