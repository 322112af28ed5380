/** Hand-made events for engine unit tests. */
import type { EventFields, NormalizedEvent } from '../../../../shared/model/event';

export function mkEvent(channel: string, eventId: number, data: EventFields, extra: Partial<NormalizedEvent> = {}): NormalizedEvent {
  return {
    timeCreated: '2024-01-02T03:04:05.0000000Z',
    channel,
    provider: extra.provider ?? '',
    eventId,
    recordId: 1,
    computer: 'HOST1',
    userSid: null,
    level: 4,
    task: null,
    opcode: null,
    keywords: null,
    processId: null,
    threadId: null,
    data,
    message: null,
    raw: null,
    recovered: false,
    ref: { sourceId: 1, sourcePath: 'test.evtx', recordNumber: 1 },
    ...extra,
  };
}

export const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

export function rule(detection: string, logsource = 'product: windows\n    category: process_creation', extra = ''): string {
  return `title: Test rule
id: 11111111-2222-3333-4444-555555555555
logsource:
    ${logsource}
detection:
${detection}
level: high
${extra}`;
}
