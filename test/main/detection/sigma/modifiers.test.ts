import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RuleSet } from '../../../../main/detection/sigma/engine';
import { base64Offsets, parsePattern } from '../../../../main/detection/sigma/modifiers';
import { mkEvent, rule, SYSMON } from './events';

/** Does a process_creation rule with this detection match a Sysmon 1 event with these fields? */
function matches(detection: string, data: Record<string, string | string[]>): boolean {
  const rs = RuleSet.fromText('t.yml', rule(detection));
  assert.deepEqual(rs.errors, [], JSON.stringify(rs.errors));
  assert.equal(rs.rules.length, 1, JSON.stringify(rs.skipped));
  return rs.match(mkEvent(SYSMON, 1, data)).length === 1;
}

describe('wildcards and plain values', () => {
  test('plain values are whole-value, case-insensitive', () => {
    const d = "    sel:\n        Image: 'C:\\Windows\\System32\\cmd.exe'\n    condition: sel";
    assert.equal(matches(d, { Image: 'c:\\windows\\system32\\CMD.EXE' }), true);
    assert.equal(matches(d, { Image: 'c:\\windows\\system32\\cmd.exe2' }), false);
  });
  test('* and ? wildcards', () => {
    const d = "    sel:\n        CommandLine: '*whoami /a?l*'\n    condition: sel";
    assert.equal(matches(d, { CommandLine: 'cmd /c WHOAMI /all' }), true);
    assert.equal(matches(d, { CommandLine: 'cmd /c whoami /aXXl' }), false);
  });
  test('escaped wildcards are literal', () => {
    const d = "    sel:\n        CommandLine|contains: 'a\\*b'\n    condition: sel";
    assert.equal(matches(d, { CommandLine: 'xx a*b yy' }), true);
    assert.equal(matches(d, { CommandLine: 'xx aZZb yy' }), false);
    assert.deepEqual(parsePattern('a\\\\*'), ['a\\', 0]);
    assert.deepEqual(parsePattern('C:\\Windows\\'), ['C:\\Windows\\']);
  });
  test('lists are OR, maps are AND, all modifier is AND', () => {
    const d = "    sel:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n        CommandLine|contains|all:\n            - 'x1'\n            - 'x2'\n    condition: sel";
    assert.equal(matches(d, { Image: 'C:\\b.exe', CommandLine: 'x2 x1' }), true);
    assert.equal(matches(d, { Image: 'C:\\b.exe', CommandLine: 'x2' }), false);
    assert.equal(matches(d, { Image: 'C:\\c.exe', CommandLine: 'x1 x2' }), false);
  });
  test('null matches missing or empty fields', () => {
    const d = '    sel:\n        ParentImage: null\n    condition: sel';
    assert.equal(matches(d, { Image: 'x' }), true);
    assert.equal(matches(d, { Image: 'x', ParentImage: '' }), true);
    assert.equal(matches(d, { Image: 'x', ParentImage: 'p' }), false);
  });
  test('numbers compare as values; EventID reads the event id', () => {
    const d = '    sel:\n        EventID: 1\n        ProcessId: 42\n    condition: sel';
    assert.equal(matches(d, { ProcessId: '42' }), true);
    assert.equal(matches(d, { ProcessId: '420' }), false);
  });
  test('multi-valued fields match when any value does', () => {
    const d = "    sel:\n        Data|contains: 'needle'\n    condition: sel";
    assert.equal(matches(d, { Data: ['a', 'the needle', 'c'] }), true);
  });
  test('keywords search every value', () => {
    const d = "    keywords:\n        - 'evil.example'\n    condition: keywords";
    assert.equal(matches(d, { Whatever: 'GET http://EVIL.example/x' }), true);
    assert.equal(matches(d, { Whatever: 'good.example' }), false);
  });
});

describe('modifiers', () => {
  test('startswith / endswith / contains', () => {
    assert.equal(matches("    sel:\n        Image|startswith: 'C:\\Temp'\n    condition: sel", { Image: 'c:\\temp\\x.exe' }), true);
    assert.equal(matches("    sel:\n        Image|endswith: '.EXE'\n    condition: sel", { Image: 'c:\\temp\\x.exe' }), true);
    assert.equal(matches("    sel:\n        Image|endswith: '.dll'\n    condition: sel", { Image: 'c:\\temp\\x.exe' }), false);
  });
  test('re with and without i/m/s', () => {
    assert.equal(matches("    sel:\n        CommandLine|re: 'IEX\\s*\\('\n    condition: sel", { CommandLine: 'powershell IEX (x)' }), true);
    assert.equal(matches("    sel:\n        CommandLine|re: 'IEX\\s*\\('\n    condition: sel", { CommandLine: 'powershell iex (x)' }), false);
    assert.equal(matches("    sel:\n        CommandLine|re|i: 'IEX\\s*\\('\n    condition: sel", { CommandLine: 'powershell iex (x)' }), true);
    assert.equal(matches("    sel:\n        CommandLine|re: '^b$'\n    condition: sel", { CommandLine: 'a\nb' }), false);
    assert.equal(matches("    sel:\n        CommandLine|re|m: '^b$'\n    condition: sel", { CommandLine: 'a\nb' }), true);
    assert.equal(matches("    sel:\n        CommandLine|re: 'a.b'\n    condition: sel", { CommandLine: 'a\nb' }), false);
    assert.equal(matches("    sel:\n        CommandLine|re|s: 'a.b'\n    condition: sel", { CommandLine: 'a\nb' }), true);
  });
  test('base64 and base64offset', () => {
    const b64 = Buffer.from('http://evil').toString('base64');
    assert.equal(matches("    sel:\n        CommandLine|base64|contains: 'http://evil'\n    condition: sel", { CommandLine: `x ${b64} y` }), true);
    for (const pad of ['', 'a', 'ab']) {
      const enc = Buffer.from(`${pad}Invoke-Mimikatz -x`).toString('base64');
      assert.equal(matches("    sel:\n        CommandLine|base64offset|contains: 'Invoke-Mimikatz'\n    condition: sel", { CommandLine: enc }), true, pad);
    }
    assert.equal(base64Offsets(Buffer.from('abc')).length, 3);
  });
  test('utf16le / wide / utf16be with base64offset', () => {
    const enc = Buffer.from('zzIEX(New-Object', 'utf16le').toString('base64');
    assert.equal(matches("    sel:\n        CommandLine|wide|base64offset|contains: 'IEX('\n    condition: sel", { CommandLine: `-enc ${enc}` }), true);
    assert.equal(matches("    sel:\n        CommandLine|utf16le|base64offset|contains: 'IEX('\n    condition: sel", { CommandLine: `-enc ${enc}` }), true);
    const be = Buffer.from('IEX(', 'utf16le');
    be.swap16();
    assert.equal(matches("    sel:\n        CommandLine|utf16be|base64|contains: 'IEX('\n    condition: sel", { CommandLine: be.toString('base64') }), true);
  });
  test('windash', () => {
    const d = "    sel:\n        CommandLine|windash|contains: ' -encodedcommand '\n    condition: sel";
    assert.equal(matches(d, { CommandLine: 'powershell /encodedcommand AAA' }), true);
    assert.equal(matches(d, { CommandLine: 'powershell \u2013encodedcommand AAA' }), true);
    assert.equal(matches(d, { CommandLine: 'powershell -encodedcommand AAA' }), true);
    assert.equal(matches(d, { CommandLine: 'powershell +encodedcommand AAA' }), false);
  });
  test('cidr (IPv4 and IPv6)', () => {
    const d = "    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fe80::/10'\n    condition: sel";
    assert.equal(matches(d, { DestinationIp: '10.1.2.3' }), true);
    assert.equal(matches(d, { DestinationIp: '11.1.2.3' }), false);
    assert.equal(matches(d, { DestinationIp: 'fe80::1' }), true);
    assert.equal(matches(d, { DestinationIp: '2001:db8::1' }), false);
  });
  test('exists', () => {
    assert.equal(matches('    sel:\n        Hashes|exists: true\n    condition: sel', { Hashes: '' }), true);
    assert.equal(matches('    sel:\n        Hashes|exists: true\n    condition: sel', { Image: 'x' }), false);
    assert.equal(matches('    sel:\n        Hashes|exists: false\n    condition: sel', { Image: 'x' }), true);
  });
  test('fieldref', () => {
    const d = '    sel:\n        Image|fieldref: ParentImage\n    condition: sel';
    assert.equal(matches(d, { Image: 'C:\\a.exe', ParentImage: 'c:\\A.exe' }), true);
    assert.equal(matches(d, { Image: 'C:\\a.exe', ParentImage: 'c:\\b.exe' }), false);
    assert.equal(matches('    sel:\n        CommandLine|fieldref|contains: Image\n    condition: sel', { CommandLine: '"C:\\a.exe" -x', Image: 'C:\\a.exe' }), true);
  });
  test('gt / gte / lt / lte', () => {
    assert.equal(matches('    sel:\n        TerminalSessionId|gt: 1\n    condition: sel', { TerminalSessionId: '2' }), true);
    assert.equal(matches('    sel:\n        TerminalSessionId|gt: 1\n    condition: sel', { TerminalSessionId: '1' }), false);
    assert.equal(matches('    sel:\n        TerminalSessionId|gte: 1\n    condition: sel', { TerminalSessionId: '1' }), true);
    assert.equal(matches('    sel:\n        TerminalSessionId|lt: 1\n    condition: sel', { TerminalSessionId: '0' }), true);
    assert.equal(matches('    sel:\n        TerminalSessionId|lte: 1\n    condition: sel', { TerminalSessionId: '2' }), false);
    assert.equal(matches('    sel:\n        TerminalSessionId|lte: 1\n    condition: sel', { TerminalSessionId: 'x' }), false);
  });
  test('cased makes the comparison case-sensitive', () => {
    assert.equal(matches("    sel:\n        CommandLine|cased|contains: 'IEX'\n    condition: sel", { CommandLine: 'iex' }), false);
    assert.equal(matches("    sel:\n        CommandLine|cased|contains: 'IEX'\n    condition: sel", { CommandLine: 'IEX' }), true);
  });
});
