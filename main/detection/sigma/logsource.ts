/**
 * Windows logsource mapping as SigmaHQ defines it (logsource guides and the THOR/pySigma
 * Windows pipelines): which channel(s) and event IDs feed a Sigma `logsource`, and how the
 * fields of an alternative source are renamed to the names the rules use (Security 4688 is
 * read under Sysmon 1 names). This table is data; the engine only consults it.
 */

export interface LogsourceTarget {
  /** Which source this is, for reports ("sysmon:1", "security:4688"). */
  label: string;
  /** Channel names (compared case-insensitively). */
  channels: string[];
  /** Event IDs; undefined = every event of the channel. */
  eventIds?: number[];
  /** Sigma field name -> field name in this source. */
  fieldMap?: Record<string, string>;
}

export interface Logsource {
  product?: string;
  category?: string;
  service?: string;
}

export type LogsourceResolution = { ok: true; targets: LogsourceTarget[] } | { ok: false; reason: string };

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const SECURITY = 'Security';
const PS_OPERATIONAL = ['Microsoft-Windows-PowerShell/Operational', 'PowerShellCore/Operational'];
const PS_CLASSIC = ['Windows PowerShell'];
const DEFENDER = 'Microsoft-Windows-Windows Defender/Operational';

/** Security 4688 read under Sysmon process_creation names. */
const MAP_4688: Record<string, string> = {
  Image: 'NewProcessName',
  ParentImage: 'ParentProcessName',
  ProcessId: 'NewProcessId',
  ParentProcessId: 'ProcessId',
  User: 'SubjectUserName',
  LogonId: 'SubjectLogonId',
  IntegrityLevel: 'MandatoryLabel',
};

const sysmon = (...ids: number[]): LogsourceTarget => ({ label: `sysmon:${ids.join(',')}`, channels: [SYSMON], eventIds: ids });

/** category -> sources. */
const CATEGORIES: Record<string, LogsourceTarget[]> = {
  process_creation: [
    sysmon(1),
    { label: 'security:4688', channels: [SECURITY], eventIds: [4688], fieldMap: MAP_4688 },
  ],
  file_change: [sysmon(2)],
  network_connection: [sysmon(3)],
  sysmon_status: [sysmon(4, 16)],
  process_termination: [sysmon(5)],
  driver_load: [sysmon(6)],
  image_load: [sysmon(7)],
  create_remote_thread: [sysmon(8)],
  raw_access_thread: [sysmon(9)],
  process_access: [sysmon(10)],
  file_event: [sysmon(11)],
  registry_add: [sysmon(12)],
  registry_delete: [sysmon(12)],
  registry_event: [sysmon(12, 13, 14)],
  registry_set: [sysmon(13)],
  registry_rename: [sysmon(14)],
  create_stream_hash: [sysmon(15)],
  pipe_created: [sysmon(17, 18)],
  wmi_event: [sysmon(19, 20, 21)],
  dns_query: [sysmon(22)],
  file_delete: [sysmon(23, 26)],
  clipboard_change: [sysmon(24)],
  process_tampering: [sysmon(25)],
  file_delete_detected: [sysmon(26)],
  file_block_executable: [sysmon(27)],
  file_block_shredding: [sysmon(28)],
  file_executable_detected: [sysmon(29)],
  sysmon_error: [sysmon(255)],
  ps_module: [{ label: 'powershell:4103', channels: PS_OPERATIONAL, eventIds: [4103] }],
  ps_script: [{ label: 'powershell:4104', channels: PS_OPERATIONAL, eventIds: [4104] }],
  ps_classic_start: [{ label: 'powershell-classic:400', channels: PS_CLASSIC, eventIds: [400] }],
  ps_classic_provider_start: [{ label: 'powershell-classic:600', channels: PS_CLASSIC, eventIds: [600] }],
  ps_classic_script: [{ label: 'powershell-classic:800', channels: PS_CLASSIC, eventIds: [800] }],
  antivirus: [
    {
      label: 'windefend:detections',
      channels: [DEFENDER],
      eventIds: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116],
      fieldMap: { Signature: 'Threat Name', Filename: 'Path' },
    },
  ],
};

/** Why a category cannot be served from Windows event logs. */
const UNSERVED_CATEGORIES: Record<string, string> = {
  file_access: 'file_access needs kernel file ETW telemetry, which no Windows event log channel records',
  file_rename: 'file_rename needs kernel file ETW telemetry, which no Windows event log channel records',
};

/** service -> channels. */
const SERVICES: Record<string, string[]> = {
  security: [SECURITY],
  system: ['System'],
  application: ['Application'],
  sysmon: [SYSMON],
  powershell: PS_OPERATIONAL,
  'powershell-classic': PS_CLASSIC,
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
  windefend: [DEFENDER],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  ntlm: ['Microsoft-Windows-NTLM/Operational'],
  dhcp: ['Microsoft-Windows-DHCP-Server/Operational'],
  'dns-server': ['DNS Server'],
  'dns-server-analytic': ['Microsoft-Windows-DNSServer/Analytical'],
  'dns-client': ['Microsoft-Windows-DNS Client Events/Operational'],
  'driver-framework': ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  'smbclient-connectivity': ['Microsoft-Windows-SmbClient/Connectivity'],
  'smbserver-connectivity': ['Microsoft-Windows-SMBServer/Connectivity'],
  'terminalservices-localsessionmanager': ['Microsoft-Windows-TerminalServices-LocalSessionManager/Operational'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  applocker: [
    'Microsoft-Windows-AppLocker/MSI and Script',
    'Microsoft-Windows-AppLocker/EXE and DLL',
    'Microsoft-Windows-AppLocker/Packaged app-Deployment',
    'Microsoft-Windows-AppLocker/Packaged app-Execution',
  ],
  'msexchange-management': ['MSExchange Management'],
  'microsoft-servicebus-client': ['Microsoft-ServiceBus-Client'],
  ldap: ['Microsoft-Windows-LDAP-Client/Debug'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  'security-mitigations': ['Microsoft-Windows-Security-Mitigations/Kernel Mode', 'Microsoft-Windows-Security-Mitigations/User Mode'],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  openssh: ['OpenSSH/Operational'],
  bitlocker: ['Microsoft-Windows-BitLocker/BitLocker Management'],
  vhdmp: ['Microsoft-Windows-VHDMP-Operational'],
  'appxdeployment-server': ['Microsoft-Windows-AppXDeploymentServer/Operational'],
  'lsa-server': ['Microsoft-Windows-LSA/Operational'],
  'appxpackaging-om': ['Microsoft-Windows-AppxPackaging/Operational'],
  'appmodel-runtime': ['Microsoft-Windows-AppModel-Runtime/Admin'],
  capi2: ['Microsoft-Windows-CAPI2/Operational'],
  'certificateservicesclient-lifecycle-system': ['Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational'],
  'kernel-shimengine': ['Microsoft-Windows-Kernel-ShimEngine/Operational', 'Microsoft-Windows-Kernel-ShimEngine/Diagnostic'],
  'application-experience': [
    'Microsoft-Windows-Application-Experience/Program-Telemetry',
    'Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant',
  ],
  ntfs: ['Microsoft-Windows-Ntfs/Operational'],
  'hyper-v-worker': ['Microsoft-Windows-Hyper-V-Worker-Admin'],
  'iis-configuration': ['Microsoft-IIS-Configuration/Operational'],
  'rdp': ['Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational'],
};

/** Which Windows sources a rule's logsource reads, or why we cannot serve it. */
export function resolveLogsource(ls: Logsource): LogsourceResolution {
  const product = ls.product?.toLowerCase();
  const category = ls.category?.toLowerCase();
  const service = ls.service?.toLowerCase();
  if (product !== undefined && product !== 'windows') return { ok: false, reason: `product '${ls.product}' is not Windows event logs` };
  if (product === undefined && category !== 'antivirus') {
    return { ok: false, reason: `logsource without product (category '${ls.category ?? '-'}', service '${ls.service ?? '-'}') is not Windows event logs` };
  }
  if (category !== undefined) {
    const t = CATEGORIES[category];
    if (!t) return { ok: false, reason: UNSERVED_CATEGORIES[category] ?? `category '${ls.category}' has no Windows event log source` };
    if (service !== undefined) {
      const chans = SERVICES[service];
      if (!chans) return { ok: false, reason: `service '${ls.service}' has no known Windows channel` };
      const low = new Set(chans.map((c) => c.toLowerCase()));
      const narrowed = t
        .map((x) => ({ ...x, channels: x.channels.filter((c) => low.has(c.toLowerCase())) }))
        .filter((x) => x.channels.length > 0);
      if (narrowed.length === 0) return { ok: false, reason: `category '${ls.category}' is not recorded by service '${ls.service}'` };
      return { ok: true, targets: narrowed };
    }
    return { ok: true, targets: t };
  }
  if (service !== undefined) {
    const chans = SERVICES[service];
    if (!chans) return { ok: false, reason: `service '${ls.service}' has no known Windows channel` };
    return { ok: true, targets: [{ label: service, channels: chans }] };
  }
  // product: windows alone: every Windows event.
  return { ok: true, targets: [{ label: 'windows', channels: [] }] };
}

/** All categories and services we serve (for documentation and tests). */
export const SERVED = { categories: Object.keys(CATEGORIES), services: Object.keys(SERVICES) };
