import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RuleSet } from '../../../../main/detection/sigma/engine';
import { resolveLogsource } from '../../../../main/detection/sigma/logsource';
import { sigmaRuleDirs } from '../corpus';
import { mkEvent, rule, SYSMON } from './events';

const GOOD = rule("    sel:\n        Image|endswith: '\\evil.exe'\n    condition: sel");

describe('rule loading', () => {
  test('invalid rules are reported with file and reason; others still load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-'));
    try {
      writeFileSync(join(dir, 'good.yml'), GOOD);
      writeFileSync(join(dir, 'bad-yaml.yml'), 'title: x\ndetection: [unclosed\n');
      writeFileSync(join(dir, 'no-condition.yml'), 'title: x\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n    sel:\n        Image: a\n');
      writeFileSync(join(dir, 'bad-modifier.yml'), rule("    sel:\n        Image|endswithh: 'x'\n    condition: sel").replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-555555555556'));
      writeFileSync(join(dir, 'bad-ref.yml'), rule("    sel:\n        Image: 'x'\n    condition: sel and other").replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-555555555557'));
      writeFileSync(join(dir, 'bad-regex.yml'), rule("    sel:\n        Image|re: '(unclosed'\n    condition: sel").replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-555555555558'));
      writeFileSync(join(dir, 'no-title.yml'), 'logsource:\n    product: windows\ndetection:\n    sel:\n        a: b\n    condition: sel\n');
      writeFileSync(join(dir, 'linux.yml'), rule("    sel:\n        a: b\n    condition: sel", 'product: linux').replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-555555555559'));
      writeFileSync(join(dir, 'agg.yml'), rule('    sel:\n        a: b\n    condition: sel | count() > 3').replace('11111111-2222-3333-4444-555555555555', '11111111-2222-3333-4444-55555555555a'));
      const rs = RuleSet.fromPaths([dir]);
      assert.equal(rs.rules.length, 1);
      const byFile = Object.fromEntries(rs.errors.map((e) => [e.file.split(/[\\/]/).pop(), e.message]));
      assert.match(byFile['bad-yaml.yml'], /YAML error/);
      assert.match(byFile['no-condition.yml'], /no 'condition'/);
      assert.match(byFile['bad-modifier.yml'], /unknown modifier 'endswithh'/);
      assert.match(byFile['bad-ref.yml'], /'other'/);
      assert.match(byFile['bad-regex.yml'], /invalid regular expression/);
      assert.match(byFile['no-title.yml'], /missing 'title'/);
      assert.equal(rs.errors.length, 6);
      const skipped = Object.fromEntries(rs.skipped.map((s) => [s.file.split(/[\\/]/).pop(), s.reason]));
      assert.match(skipped['linux.yml'], /product 'linux'/);
      assert.match(skipped['agg.yml'], /aggregation/);
      // The good rule still works.
      assert.equal(rs.match(mkEvent(SYSMON, 1, { Image: 'C:\\x\\evil.exe' })).length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('duplicate rule ids are errors naming both files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigma-'));
    try {
      writeFileSync(join(dir, 'a.yml'), GOOD);
      writeFileSync(join(dir, 'b.yml'), GOOD);
      const rs = RuleSet.fromPaths([dir]);
      assert.equal(rs.rules.length, 1);
      assert.match(rs.errors[0].message, /duplicate rule id .*\(also in .*a\.yml\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logsource mapping', () => {
  test('process_creation reads Sysmon 1 and Security 4688 under Sysmon names', () => {
    const rs = RuleSet.fromText(
      't.yml',
      rule("    sel:\n        Image|endswith: '\\whoami.exe'\n        ParentImage|endswith: '\\wmiprvse.exe'\n    condition: sel"),
    );
    assert.equal(rs.match(mkEvent(SYSMON, 1, { Image: 'C:\\w\\whoami.exe', ParentImage: 'C:\\w\\WmiPrvSE.exe' })).length, 1);
    assert.equal(rs.match(mkEvent('Security', 4688, { NewProcessName: 'C:\\w\\whoami.exe', ParentProcessName: 'C:\\w\\WmiPrvSE.exe' })).length, 1);
    // Other channels or event ids never meet the rule.
    assert.equal(rs.match(mkEvent('Security', 4689, { NewProcessName: 'C:\\w\\whoami.exe', ParentProcessName: 'C:\\w\\WmiPrvSE.exe' })).length, 0);
    assert.equal(rs.match(mkEvent(SYSMON, 3, { Image: 'C:\\w\\whoami.exe', ParentImage: 'C:\\w\\WmiPrvSE.exe' })).length, 0);
  });
  test('categories and services map to channels and event ids', () => {
    const t = (ls: Record<string, string>) => {
      const r = resolveLogsource(ls);
      return r.ok ? r.targets.map((x) => `${x.channels.join('+')}:${x.eventIds?.join(',') ?? '*'}`) : [r.reason];
    };
    assert.deepEqual(t({ product: 'windows', category: 'wmi_event' }), ['Microsoft-Windows-Sysmon/Operational:19,20,21']);
    assert.deepEqual(t({ product: 'windows', service: 'wmi' }), ['Microsoft-Windows-WMI-Activity/Operational:*']);
    assert.deepEqual(t({ product: 'windows', category: 'ps_script' }), ['Microsoft-Windows-PowerShell/Operational+PowerShellCore/Operational:4104']);
    assert.deepEqual(t({ product: 'windows', category: 'ps_module' }), ['Microsoft-Windows-PowerShell/Operational+PowerShellCore/Operational:4103']);
    assert.deepEqual(t({ product: 'windows', category: 'ps_classic_start' }), ['Windows PowerShell:400']);
    assert.deepEqual(t({ product: 'windows', category: 'registry_set' }), ['Microsoft-Windows-Sysmon/Operational:13']);
    assert.deepEqual(t({ product: 'windows', category: 'pipe_created' }), ['Microsoft-Windows-Sysmon/Operational:17,18']);
    assert.deepEqual(t({ product: 'windows', service: 'windefend' }), ['Microsoft-Windows-Windows Defender/Operational:*']);
    assert.match(t({ product: 'windows', category: 'file_access' })[0], /ETW/);
    assert.match(t({ product: 'linux', category: 'process_creation' })[0], /not Windows/);
  });
  test('every Windows logsource used by the SigmaHQ rules is served or skipped with a reason', () => {
    const rs = RuleSet.fromPaths(sigmaRuleDirs());
    assert.deepEqual(rs.errors.map((e) => `${e.file}: ${e.message}`), []);
    assert.ok(rs.rules.length > 2500, `${rs.rules.length} rules compiled`);
    for (const s of rs.skipped) assert.ok(s.reason.length > 10, s.file);
    // Windows rules skipped only for data no Windows event log holds (kernel file ETW) or deployment placeholders.
    const windowsSkips = rs.skipped.filter((s) => !/not Windows event logs/.test(s.reason));
    for (const s of windowsSkips) assert.match(s.reason, /ETW|placeholder/, `${s.file}: ${s.reason}`);
  });
});
