/** The one normalizer for XML-shaped events: System, EventData, UserData, RenderingInfo. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventXml } from '../../../main/ingest/formats/xml-events';
import { eventFromXml, normalizeUtcTime, serializeXml } from '../../../shared/model/event-xml';

const ref = { sourceId: 1, sourcePath: 'x.xml' };

describe('eventFromXml', () => {
  it('reads UserData (log cleared, 1102) and the rendered message', () => {
    const xml = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
      <System><Provider Name="Microsoft-Windows-Eventlog" Guid="{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"/>
        <EventID>1102</EventID><Version>0</Version><Level>4</Level><Task>104</Task><Opcode>0</Opcode>
        <Keywords>0x4020000000000000</Keywords><TimeCreated SystemTime="2019-03-19T23:34:25.231754900Z"/>
        <EventRecordID>1</EventRecordID><Correlation/><Execution ProcessID="1064" ThreadID="4584"/>
        <Channel>Security</Channel><Computer>PC01.example.corp</Computer><Security/></System>
      <UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">
        <SubjectUserSid>S-1-5-21-1-2-3-1000</SubjectUserSid><SubjectUserName>user01</SubjectUserName>
        <SubjectDomainName>EXAMPLE</SubjectDomainName><SubjectLogonId>0x2a4a0</SubjectLogonId></LogFileCleared></UserData>
      <RenderingInfo Culture="en-US"><Message>The audit log was cleared.</Message><Level>Information</Level></RenderingInfo>
    </Event>`;
    const e = eventFromXml(parseEventXml(xml), ref, xml);
    assert.equal(e.eventId, 1102);
    assert.equal(e.timeCreated, '2019-03-19T23:34:25.231754900Z');
    assert.equal(e.processId, 1064);
    assert.equal(e.threadId, 4584);
    assert.equal(e.keywords, '0x4020000000000000');
    assert.equal(e.userSid, null);
    assert.equal(e.data.SubjectUserName, 'user01');
    assert.equal(e.data.SubjectLogonId, '0x2a4a0');
    assert.equal(e.message, 'The audit log was cleared.');
    assert.equal(e.data.Level, undefined, 'RenderingInfo is not event data');
  });

  it('collects unnamed <Data> items (PowerShell 800/400) and Binary, keeps EventID qualifiers apart', () => {
    const xml = `<Event><System><Provider Name="PowerShell"/><EventID Qualifiers="0">800</EventID>
      <TimeCreated SystemTime="2020-09-21T00:14:37.000Z"/><EventRecordID>9</EventRecordID><Channel>Windows PowerShell</Channel>
      <Computer>WORKSTATION5</Computer><Security UserID="S-1-5-18"/></System>
      <EventData><Data>Get-WmiObject -Class Win32_Process</Data><Data>  DetailSequence=1 &lt;tag&gt; &amp; more</Data><Binary>0A0B</Binary></EventData></Event>`;
    const e = eventFromXml(parseEventXml(xml), ref, xml);
    assert.equal(e.eventId, 800);
    assert.equal(e.userSid, 'S-1-5-18');
    assert.deepEqual(e.data.Data, ['Get-WmiObject -Class Win32_Process', '  DetailSequence=1 <tag> & more']);
    assert.equal(e.data.Binary, '0A0B');
  });

  it('keeps attacker markup as text, and escapes it again when serialized', () => {
    const xml = `<Event><System><EventID>1</EventID><Computer>H</Computer></System><EventData><Data Name="CommandLine">&lt;img src=x onerror=alert(1)&gt;</Data></EventData></Event>`;
    const tree = parseEventXml(xml);
    const e = eventFromXml(tree, ref, xml);
    assert.equal(e.data.CommandLine, '<img src=x onerror=alert(1)>');
    assert.match(serializeXml(tree), /&lt;img src=x onerror=alert\(1\)&gt;/);
  });
});

describe('normalizeUtcTime', () => {
  it('keeps every fractional digit and converts zones to UTC', () => {
    assert.equal(normalizeUtcTime('2019-05-11T17:57:49.9031596Z'), '2019-05-11T17:57:49.9031596Z');
    assert.equal(normalizeUtcTime('2019-05-11 17:57:49.903'), '2019-05-11T17:57:49.903Z');
    assert.equal(normalizeUtcTime('2019-05-11T19:57:49.1234567+02:00'), '2019-05-11T17:57:49.1234567Z');
    assert.equal(normalizeUtcTime('2019-05-11T12:57:49-0500'), '2019-05-11T17:57:49Z');
  });

  it('reads other exporters\' forms by an explicit grammar, zone-less ones as UTC; anything else is no time, never Date.parse\'s guess', () => {
    assert.equal(normalizeUtcTime('2019-05-11 12:57:49 -0500'), '2019-05-11T17:57:49Z');
    assert.equal(normalizeUtcTime('5/11/2019 5:57:49 PM'), '2019-05-11T17:57:49Z');
    assert.equal(normalizeUtcTime('05/11/2019 17:57:49.25'), '2019-05-11T17:57:49.25Z');
    assert.equal(normalizeUtcTime('2020-02-29T23:59:59.1234567Z'), '2020-02-29T23:59:59.1234567Z');
    assert.equal(normalizeUtcTime('2019-02-29T23:59:59.1234567Z'), '', 'no 29 February in 2019');
    assert.equal(normalizeUtcTime('2019-00-10T23:59:59Z'), '');
    // Date.parse read these in the workstation's zone (or accepted nonsense): now they are no time.
    for (const s of ['May 11, 2019 17:57:49', '11.05.2019 17:57:49', '2019-02-29 00:00:00', '13/11/2019 17:57:49', '1557597469000', 'now']) {
      assert.equal(normalizeUtcTime(s), '', s);
    }
  });

  it('an event whose SystemTime is in no format we read has no time, and keeps the text for the ledger', () => {
    const xml = `<Event><System><EventID>1</EventID><TimeCreated SystemTime="Sat May 11 2019 17:57:49"/><Computer>H</Computer></System></Event>`;
    const e = eventFromXml(parseEventXml(xml), ref, xml);
    assert.equal(e.timeCreated, '');
    assert.equal(e.unreadTime, 'Sat May 11 2019 17:57:49');
    const ok = xml.replace('Sat May 11 2019 17:57:49', '2019-05-11T17:57:49.9031596Z');
    assert.equal(eventFromXml(parseEventXml(ok), ref, ok).unreadTime, undefined);
  });
});
