/** The evidence reference of one event record: enough to find it again in the case and on disk. */
import type { EvidenceReference } from '../../shared/model/detection';
import type { NormalizedEvent } from '../../shared/model/event';

export type EventWithRow = NormalizedEvent & { id?: number };

export function evidenceOf(ev: EventWithRow): EvidenceReference {
  const r: EvidenceReference = {
    eventRowId: typeof ev.id === 'number' ? ev.id : null,
    file: ev.ref.sourcePath,
    recordId: ev.recordId,
    eventId: ev.eventId,
    channel: ev.channel,
    time: ev.timeCreated,
    host: ev.computer,
  };
  if (ev.ref.archivePath) r.archivePath = ev.ref.archivePath;
  if (ev.ref.recordNumber !== undefined) r.recordNumber = ev.ref.recordNumber;
  return r;
}
