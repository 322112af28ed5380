/** Every evidence format we read, in the order their content sniffers are asked. */
import type { EvidenceParser } from '../evidence-parser';
import { evtxParser } from './evtx';
import { jsonEventsParser } from './json-events';
import { wmiAuditParser } from './wmi-audit';
import { xmlEventsParser } from './xml-events';

export const EVIDENCE_PARSERS: readonly EvidenceParser[] = [evtxParser, xmlEventsParser, wmiAuditParser, jsonEventsParser];

export function parserFor(head: Uint8Array): EvidenceParser | undefined {
  return EVIDENCE_PARSERS.find((p) => p.sniff(head));
}
