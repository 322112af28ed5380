/**
 * Builds one ledger entry while a file is parsed: counts, time range, hosts, rejected
 * records with their positions. The invariant found = imported + rejected holds by
 * construction, since found is never counted on its own.
 */
import type { NormalizedEvent } from '../../shared/model/event';
import { MAX_REJECTED_DETAILS, type EvidenceFormat, type LedgerEntry, type RejectedRecord } from '../../shared/model/ledger';

export class LedgerEntryBuilder {
  private records = 0;
  private recovered = 0;
  private rejected = 0;
  private readonly rejectedRecords: RejectedRecord[] = [];
  private readonly errors: string[] = [];
  private firstTime: string | null = null;
  private lastTime: string | null = null;
  private readonly hosts = new Set<string>();
  private unreadTimes = 0;
  private firstUnreadTime: NormalizedEvent | null = null;
  format: EvidenceFormat = 'unknown';
  sha256 = '';

  constructor(
    readonly id: number,
    readonly path: string,
    readonly archivePath: string | undefined,
    readonly size: number,
  ) {}

  imported(e: NormalizedEvent): void {
    this.records++;
    if (e.recovered) this.recovered++;
    const t = e.timeCreated;
    // ISO UTC strings of one shape order lexically.
    if (t) {
      if (this.firstTime === null || t < this.firstTime) this.firstTime = t;
      if (this.lastTime === null || t > this.lastTime) this.lastTime = t;
    }
    if (e.computer) this.hosts.add(e.computer);
    if (e.unreadTime !== undefined && this.unreadTimes++ === 0) this.firstUnreadTime = e;
  }

  /** The ledger line for events whose time text is in no format we read, or null when there are none. */
  unreadTimeLine(): string | null {
    const e = this.firstUnreadTime;
    if (!e) return null;
    const where = e.ref.recordNumber === undefined ? '' : ` at ${this.format.startsWith('json') || this.format.startsWith('xml') ? 'line' : 'record'} ${e.ref.recordNumber}`;
    return `${this.unreadTimes} events have a time in no format we read, imported with no time (first${where}: ${JSON.stringify(e.unreadTime!.slice(0, 60))})`;
  }

  reject(r: RejectedRecord): void {
    this.rejected++;
    if (this.rejectedRecords.length < MAX_REJECTED_DETAILS) this.rejectedRecords.push(r);
  }

  error(message: string): void {
    if (this.errors.length < MAX_REJECTED_DETAILS) this.errors.push(message);
  }

  get importedCount(): number {
    return this.records;
  }

  build(): LedgerEntry {
    return {
      id: this.id,
      path: this.path,
      archivePath: this.archivePath,
      size: this.size,
      sha256: this.sha256,
      format: this.format,
      found: this.records + this.rejected,
      records: this.records,
      recovered: this.recovered,
      rejected: this.rejected,
      rejectedRecords: this.rejectedRecords,
      errors: this.errors,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      hosts: [...this.hosts].sort(),
    };
  }
}
