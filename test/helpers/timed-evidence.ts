/**
 * An Event Viewer XML export whose times test the explorer's time handling: a zeroed
 * timestamp (1601-01-01, FILETIME 0, common in real logs) and the largest time a clock can
 * give (9999-12-31), which must not stretch the histogram, and events 100 ns apart and at
 * the three precisions sources give (7 fractional digits, 3, none) within one millisecond;
 * and one event with a very long channel name.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const TIMED = {
  zeroed: '1601-01-01T00:00:00.0000000Z',
  farFuture: '9999-12-31T23:59:59.9999999Z',
  /** Two events 100 ns apart, and one at the same millisecond with millisecond precision. */
  a: '2021-03-04T05:06:07.1234567Z',
  b: '2021-03-04T05:06:07.1234568Z',
  milli: '2021-03-04T05:06:07.123Z',
  /** Whole seconds, without fractional digits. */
  whole: '2021-03-04T05:06:07Z',
  host: 'HOST-TIMED',
  /** A channel name long enough to fill the event detail panel's header many times over. */
  longChannel: `Microsoft-Windows-${'VeryLongChannelName'.repeat(30)}/Operational`,
} as const;

function event(recordId: number, time: string, image: string, channel = 'Microsoft-Windows-Sysmon/Operational'): string {
  return `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Sysmon"/><EventID>1</EventID><TimeCreated SystemTime="${time}"/><EventRecordID>${recordId}</EventRecordID><Channel>${channel}</Channel><Computer>${TIMED.host}</Computer></System><EventData><Data Name="Image">${image}</Data></EventData></Event>`;
}

/** Writes the export into `dir`; returns its path. */
export function writeTimedEvidence(dir: string): string {
  const file = path.join(dir, 'timed-events.xml');
  const events = [
    event(1, TIMED.zeroed, 'C:\\zeroed.exe'),
    event(2, TIMED.a, 'C:\\a.exe'),
    event(3, TIMED.b, 'C:\\b.exe'),
    event(4, TIMED.milli, 'C:\\milli.exe'),
    event(5, TIMED.whole, 'C:\\whole.exe'),
    event(6, TIMED.farFuture, 'C:\\far-future.exe'),
    event(7, '2021-03-05T00:00:00.0000000Z', 'C:\\long-channel.exe', TIMED.longChannel),
  ];
  writeFileSync(file, `<?xml version="1.0" encoding="utf-8"?>\n<Events>\n${events.join('\n')}\n</Events>\n`);
  return file;
}
