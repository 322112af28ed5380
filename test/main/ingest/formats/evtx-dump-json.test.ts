import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { xmlTreeFromEvtxDump } from '../../../../main/ingest/formats/evtx-dump-json';
import { splitJsonValues } from '../../../../main/ingest/formats/json-events';
import type { NormalizedEvent } from '../../../../shared/model/event';
import { eventFromXml, serializeXml } from '../../../../shared/model/event-xml';
import { evtxParser } from '../../../../main/ingest/formats/evtx';
import { eventsFromDumpJson, parseWith, SIGMA } from '../../detection/corpus';

const REF = { sourceId: 1, sourcePath: 'x.json' };

/**
 * evtx_dump renders GUID-typed values without braces ("5AA13A44-..."), Windows and our EVTX
 * parser with them ("{5AA13A44-...}"). The JSON cannot tell a GUID-typed value from a string,
 * so the mapping keeps the text as given; the comparison ignores the braces. evtx_dump also
 * drops trailing spaces of values (a command line ending in a space), so those are ignored too.
 */
function unbrace(d: NormalizedEvent['data']): NormalizedEvent['data'] {
  const f = (s: string) => s.trimEnd().replace(/^\{([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}$/, '$1');
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === 'string' ? f(v) : v.map(f)]));
}

describe('evtx_dump JSON -> XmlElement', () => {
  test('System attributes, text, EventData names', () => {
    const obj = {
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: {
          Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon', Guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' } },
          EventID: 1,
          Level: 4,
          Keywords: '0x8000000000000000',
          TimeCreated: { '#attributes': { SystemTime: '2019-05-11T17:58:23.450034Z' } },
          EventRecordID: 16113,
          Execution: { '#attributes': { ProcessID: 2032, ThreadID: 2020 } },
          Channel: 'Microsoft-Windows-Sysmon/Operational',
          Computer: 'IEWIN7',
          Security: { '#attributes': { UserID: 'S-1-5-18' } },
        },
        EventData: { RuleName: null, Image: 'C:\\Windows\\System32\\cmd.exe', ProcessId: 3128, Hashes: ['a', 'b'] },
      },
    };
    const e = eventFromXml(xmlTreeFromEvtxDump(obj), REF, null);
    assert.equal(e.eventId, 1);
    assert.equal(e.recordId, 16113);
    assert.equal(e.channel, 'Microsoft-Windows-Sysmon/Operational');
    assert.equal(e.provider, 'Microsoft-Windows-Sysmon');
    assert.equal(e.computer, 'IEWIN7');
    assert.equal(e.userSid, 'S-1-5-18');
    assert.equal(e.processId, 2032);
    assert.equal(e.threadId, 2020);
    assert.equal(e.keywords, '0x8000000000000000');
    assert.equal(e.timeCreated, '2019-05-11T17:58:23.450034Z');
    assert.deepEqual(e.data, { RuleName: '', Image: 'C:\\Windows\\System32\\cmd.exe', ProcessId: '3128', Hashes: ['a', 'b'] });
  });

  test('unnamed Data items, #text arrays and Binary', () => {
    const obj = {
      Event: {
        System: { EventID: { '#attributes': { Qualifiers: 0 }, '#text': 400 }, Channel: 'Windows PowerShell' },
        EventData: { Data: { '#text': ['Available', 'None', 'HostName=ConsoleHost'] }, Binary: '0A0B' },
      },
    };
    const el = xmlTreeFromEvtxDump(obj);
    const e = eventFromXml(el, REF, null);
    assert.equal(e.eventId, 400);
    assert.deepEqual(e.data.Data, ['Available', 'None', 'HostName=ConsoleHost']);
    assert.equal(e.data.Binary, '0A0B');
    assert.match(serializeXml(el), /<EventID Qualifiers="0">400<\/EventID>/);
  });

  test('nested UserData (WMI-Activity 5861) keeps its element structure', () => {
    const obj = {
      Event: {
        System: { EventID: 5861, Channel: 'Microsoft-Windows-WMI-Activity/Operational', Computer: 'WS1' },
        UserData: {
          Operation_ESStoConsumerBinding: {
            '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2006/windows/WMI' },
            Namespace: '//./root/subscription',
            ESS: 'BotFilter',
            CONSUMER: 'CommandLineEventConsumer="BotConsumer"',
            PossibleCause: 'Binding EventFilter: instance of __EventFilter { Name = "BotFilter"; };',
          },
        },
      },
    };
    const el = xmlTreeFromEvtxDump(obj);
    const e = eventFromXml(el, REF, null);
    assert.equal(e.data.ESS, 'BotFilter');
    assert.equal(e.data.CONSUMER, 'CommandLineEventConsumer="BotConsumer"');
    assert.equal(e.data.Namespace, '//./root/subscription');
    assert.match(String(e.data.PossibleCause), /instance of __EventFilter/);
    assert.match(serializeXml(el), /<UserData>\s*<Operation_ESStoConsumerBinding xmlns="http:\/\/manifests/);
  });

  test('concatenated pretty-printed values split into events', () => {
    const { values, errors } = splitJsonValues('{"Event":{"System":{"EventID":1}}}\n{\n "Event": {"System": {"EventID": 2, "Computer": "a}b"}}\n}\nnot json\n');
    assert.equal(values.length, 2);
    assert.equal(errors.length, 1);
  });

  test('every SigmaHQ regression JSON rendering gives the same events as its EVTX', async (t) => {
    const parser = evtxParser;
    const dirs: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.json')) dirs.push(join(d, e.name));
      }
    };
    walk(join(SIGMA, 'regression_data'));
    assert.ok(dirs.length >= 100);
    let compared = 0;
    const mismatches: string[] = [];
    for (const json of dirs) {
      const fromJson = eventsFromDumpJson(json);
      const fromEvtx: NormalizedEvent[] = (await parseWith(parser, json.replace(/\.json$/, ".evtx"))).filter((e) => !e.recovered);
      assert.equal(fromJson.length, fromEvtx.length, json);
      const key = (e: NormalizedEvent) => e.recordId;
      const byRec = new Map(fromEvtx.map((e) => [key(e), e]));
      for (const a of fromJson) {
        const b = byRec.get(key(a));
        assert.ok(b, `${json}: record ${a.recordId} missing from the EVTX`);
        assert.equal(a.eventId, b.eventId, json);
        assert.equal(a.channel, b.channel, json);
        assert.equal(a.provider, b.provider, json);
        assert.equal(a.computer, b.computer, json);
        assert.equal(a.userSid, b.userSid, json);
        assert.deepEqual(Object.keys(a.data).sort(), Object.keys(b.data).sort(), `${json} record ${a.recordId}`);
        const na = unbrace(a.data);
        const nb = unbrace(b.data);
        for (const k of Object.keys(na)) {
          if (JSON.stringify(na[k]) !== JSON.stringify(nb[k])) mismatches.push(`${basename(dirname(json))} ${a.recordId} ${k}: ${JSON.stringify(na[k])} vs ${JSON.stringify(nb[k])}`);
        }
        // evtx_dump renders times with microseconds; EVTX keeps 100 ns ticks.
        assert.equal(a.timeCreated.slice(0, 26), b.timeCreated.slice(0, 26), json);
        compared++;
      }
    }
    t.diagnostic(`${compared} events compared field by field`);
    // The one value where the published JSON rendering is not a rendering of its EVTX (edited case).
    assert.deepEqual(mismatches, [
      'proc_creation_win_susp_right_to_left_override 23419552 ParentCommandLine: "C:\\\\Windows\\\\Explorer.exe" vs "C:\\\\Windows\\\\Explorer.EXE"',
    ]);
  });
});
