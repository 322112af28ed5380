/**
 * Flat exports (NXLog, some SIEM pipelines) write the event time in the host's local time
 * with no zone. The zone offset is inferred per host from a UTC reference in the same
 * evidence — the collector's `@timestamp`, or Sysmon's own `UtcTime` field — rounded to a
 * quarter hour. Events of a host seen before its offset is known wait (bounded) until it is;
 * what never gets an offset is taken as UTC and reported.
 */
import type { NormalizedEvent } from '../../shared/model/event';

const QUARTER_HOUR = 15 * 60 * 1000;
const MAX_OFFSET = 14 * 3600 * 1000;
/** Most events held back waiting for their host's offset; beyond it the oldest host's are released as UTC. */
export const MAX_PENDING = 50_000;

const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?$/;

export interface LocalTime {
  /** Milliseconds, reading the wall-clock time as if it were UTC. */
  wallMs: number;
  /** Fractional-second digits as written ('.130'), kept in the output. */
  fraction: string;
}

export function parseLocalTime(s: string): LocalTime | null {
  const m = LOCAL.exec(s.trim());
  if (!m) return null;
  const wallMs = Date.parse(`${m[1]}T${m[2]}Z`);
  return Number.isFinite(wallMs) ? { wallMs, fraction: m[3] ?? '' } : null;
}

/** The zone offset (local minus UTC is -offset) from a UTC reference, or null when implausible. */
export function offsetFrom(local: LocalTime, utcMs: number): number | null {
  if (!Number.isFinite(utcMs)) return null;
  const offset = Math.round((utcMs - local.wallMs) / QUARTER_HOUR) * QUARTER_HOUR;
  return Math.abs(offset) > MAX_OFFSET ? null : offset;
}

export function utcIso(local: LocalTime, offsetMs: number): string {
  return new Date(local.wallMs + offsetMs).toISOString().slice(0, 19) + local.fraction + 'Z';
}

interface Pending {
  event: NormalizedEvent;
  local: LocalTime;
}

export class LocalTimeResolver {
  private readonly offsets = new Map<string, number>();
  private readonly pending = new Map<string, Pending[]>();
  private pendingCount = 0;
  /** Hosts whose events were released without an offset, with their counts. */
  readonly assumedUtc = new Map<string, number>();

  constructor(private readonly emit: (e: NormalizedEvent) => void) {}

  /**
   * An event whose time is `local` (no zone). `utcReferenceMs` is a UTC time of the same
   * moment from the record itself (collector timestamp, Sysmon UtcTime), when it has one.
   */
  add(event: NormalizedEvent, local: LocalTime, utcReferenceMs: number): void {
    const host = event.computer.toLowerCase();
    const learned = offsetFrom(local, utcReferenceMs);
    if (learned !== null && !this.offsets.has(host)) {
      this.offsets.set(host, learned);
      this.release(host, learned);
    }
    const offset = learned ?? this.offsets.get(host);
    if (offset !== undefined) {
      event.timeCreated = utcIso(local, offset);
      this.emit(event);
      return;
    }
    const list = this.pending.get(host) ?? [];
    if (list.length === 0) this.pending.set(host, list);
    list.push({ event, local });
    if (++this.pendingCount > MAX_PENDING) this.release(this.pending.keys().next().value as string, null);
  }

  private release(host: string, offset: number | null): void {
    const list = this.pending.get(host);
    if (!list) return;
    this.pending.delete(host);
    this.pendingCount -= list.length;
    for (const p of list) {
      p.event.timeCreated = utcIso(p.local, offset ?? 0);
      this.emit(p.event);
    }
    if (offset === null) this.assumedUtc.set(host, (this.assumedUtc.get(host) ?? 0) + list.length);
  }

  /** End of input: what still waits is taken as UTC. */
  finish(): void {
    for (const host of [...this.pending.keys()]) this.release(host, null);
  }
}
