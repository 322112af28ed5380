/**
 * The native EVTX EvidenceParser: streams the file chunk by chunk (memory stays flat however
 * large the file), builds each record's XmlElement tree and normalizes it with eventFromXml.
 * Every record found is accepted (recovered ones flagged) or rejected with its offset and reason;
 * file-level problems (bad header, CRC mismatches, truncation) go to sink.error.
 */
import type { EvidenceInput, EvidenceParser, RecordSink } from '../evidence-parser';
import { eventFromXml } from '../../../shared/model/event-xml';
import { hasFileMagic } from '../../evtx/file-header';
import { hasChunkMagic } from '../../evtx/chunk';
import { readEvtxStream, type EvtxReadOptions } from '../../evtx/reader';
import type { ChunkRecord } from '../../evtx/chunk';
import { recordToXmlCompact } from '../../evtx/serialize/xml';

/** Accept or reject one record read by the EVTX reader. Shared by the in-process and worker paths. */
export function deliverRecord(input: Pick<EvidenceInput, 'sourceId' | 'path' | 'archivePath'>, r: ChunkRecord, sink: RecordSink): void {
  if (r.tree === null) {
    sink.reject({ offset: r.offset, recordNumber: r.recordId, reason: r.error ?? 'unreadable record' });
    return;
  }
  const ref = { sourceId: input.sourceId, sourcePath: input.path, archivePath: input.archivePath, recordNumber: r.recordId, offset: r.offset };
  if (ref.archivePath === undefined) delete ref.archivePath;
  sink.accept(eventFromXml(r.tree, ref, recordToXmlCompact(r.tree), r.recovered));
}

export class EvtxParser implements EvidenceParser {
  readonly format = 'evtx' as const;
  constructor(private readonly opts: EvtxReadOptions = {}) {}

  sniff(head: Uint8Array): boolean {
    // The file header magic; a file cut from unallocated space may start with a chunk instead.
    return hasFileMagic(head) || hasChunkMagic(head);
  }

  async parse(input: EvidenceInput, sink: RecordSink): Promise<void> {
    await readEvtxStream(
      input.stream(),
      {
        record: (r) => deliverRecord(input, r, sink),
        warning: (m) => sink.error(m),
        progress: (n) => sink.progress(n),
      },
      this.opts,
      input.size,
    );
  }
}

export const evtxParser = new EvtxParser();
