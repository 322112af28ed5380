import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { wmiAuditParser } from '../../../../main/ingest/formats/wmi-audit';
import { AUDIT_CSV, AUDIT_JSON, AUDIT_TEXT, parseAudit } from './wmi-audit-fixtures';

describe('wmi-audit parser', () => {
  test('sniffs content, not names', () => {
    assert.equal(wmiAuditParser.sniff(Buffer.from(AUDIT_TEXT)), true);
    assert.equal(wmiAuditParser.sniff(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(AUDIT_TEXT, 'utf16le')])), true);
    assert.equal(wmiAuditParser.sniff(Buffer.from(AUDIT_CSV)), true);
    assert.equal(wmiAuditParser.sniff(Buffer.from(AUDIT_JSON)), true);
    assert.equal(wmiAuditParser.sniff(Buffer.from('{"Event":{"System":{"EventID":1}}}')), false);
    assert.equal(wmiAuditParser.sniff(Buffer.from('Name : x\nValue : y\n')), false);
    assert.equal(wmiAuditParser.sniff(Buffer.from('"a","b"\n"1","2"\n')), false);
  });
  test('Format-List text (UTF-16LE with BOM, as Out-File writes it): one event per object, wrapped values joined', async () => {
    const { events, errors } = await parseAudit(AUDIT_TEXT, 'utf16le', true);
    assert.deepEqual(errors, []);
    assert.equal(events.length, 4);
    for (const e of events) {
      assert.equal(e.channel, 'WMI-Audit');
      assert.equal(e.provider, 'Get-WmiObject');
      assert.equal(e.eventId, 0);
      assert.equal(e.computer, 'WS01');
      assert.equal(e.ref.sourceId, 7);
    }
    assert.deepEqual(events.map((e) => e.data.__CLASS), ['__EventFilter', '__EventFilter', 'CommandLineEventConsumer', '__FilterToConsumerBinding']);
    assert.equal(
      events[1].data.Query,
      "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200",
    );
    assert.equal(events[3].data.Filter, '__EventFilter.Name="Updater"');
    assert.equal(events[2].ref.recordNumber, 3);
    assert.match(String(events[2].raw), /^__GENUS\s+: 2\n__CLASS\s+: CommandLineEventConsumer/);
  });
  test('Export-Csv output', async () => {
    const { events } = await parseAudit(AUDIT_CSV);
    assert.equal(events.length, 1);
    assert.equal(events[0].data.__CLASS, 'NTEventLogEventConsumer');
    assert.equal(events[0].data.Name, 'SCM Event Log Consumer');
    assert.equal(events[0].computer, 'WS02');
  });
  test('ConvertTo-Json of Get-CimInstance objects', async () => {
    const { events } = await parseAudit(AUDIT_JSON);
    assert.equal(events.length, 2);
    assert.equal(events[0].data.__CLASS, 'ActiveScriptEventConsumer');
    assert.equal(events[0].computer, 'WS03');
    assert.equal(events[1].data.__CLASS, '__FilterToConsumerBinding');
    assert.equal(events[1].data.Filter, '__EventFilter.Name="UpdF"');
    assert.equal(events[1].data.Consumer, 'ActiveScriptEventConsumer.Name="Upd"');
  });
  test('objects without a class are rejected, not dropped', async () => {
    const { events, rejected } = await parseAudit('[{"__CLASS":"__EventFilter","Name":"a","__SERVER":"H"},{"Name":"no class","PSComputerName":"H","Query":"x EventConsumer"}]');
    assert.equal(events.length, 1);
    assert.equal(rejected, 1);
  });
});
