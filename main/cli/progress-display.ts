/** A one-line live progress display for terminals (stderr), redrawn at most 10 times a second. */
import { printable } from '../../shared/text/printable';
import type { ImportProgress } from '../db/case-client';
import { baseName } from '../../shared/text/file-name';

const fmtBytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(0)} kB`);

export class ProgressDisplay {
  private last = 0;
  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly enabled: boolean,
  ) {}

  update(p: ImportProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && p.filesDone < p.filesTotal) return;
    this.last = now;
    const current = p.files.filter((f) => f.state === 'parsing').map((f) => baseName(f.archivePath ?? f.path));
    const line =
      `files ${p.filesDone}/${p.filesTotal}  ${fmtBytes(p.bytesDone)}/${fmtBytes(p.bytesTotal)}  ` +
      `records ${p.records.toLocaleString('en-US')}  ${p.rate.toLocaleString('en-US')}/s` +
      (current.length ? `  ${printable(current.join(', '))}` : '');
    this.out.write(`\r\x1b[2K${line.slice(0, 160)}`);
  }

  finish(): void {
    if (this.enabled) this.out.write('\r\x1b[2K');
  }
}
