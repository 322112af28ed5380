import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLineScore } from '../../../main/correlation/execution-chains';
import { correlated, recs, SAMPLES } from './helpers';

test('CommandLineEventConsumer sample: binding -> the cmd.exe WmiPrvSE.exe launched', async () => {
  const { c } = await correlated(SAMPLES.commandLineConsumer);
  const chain = c.chains.find((x) => x.consumerName === 'BotConsumer23');
  assert.ok(chain, 'chain of BotConsumer23');
  assert.equal(chain.filterName, 'BotFilter82');
  assert.equal(chain.consumerClass, 'CommandLineEventConsumer');
  assert.equal(chain.host, 'IEWIN7');
  // Sysmon 21 record 16112: the binding was created at 17:58:23.418; deleted with record 16123 later.
  assert.equal(chain.boundAt, '2019-05-11T17:58:23.4187846Z');
  assert.equal(chain.triggered.length, 1);
  const t = chain.triggered[0];
  assert.equal(t.confidence, 'name-match');
  assert.ok(recs(t.evidence).includes('21:16112'));
  assert.ok(recs(t.evidence).includes('1:16116'));
  const cmd = c.forest.processes.get(t.processId)!;
  assert.equal(cmd.image, 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(cmd.commandLine, 'c:\\Windows\\System32\\cmd.exe');
  assert.equal(cmd.pid, 2544);
  const parent = c.forest.processes.get(cmd.parentId!)!;
  assert.equal(parent.image, 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe');
  assert.equal(parent.guid, '{365ABB72-0D3F-5CD7-0000-00107F541600}'.toLowerCase());

  // The same in the graph: binding -triggers-> cmd.exe <-spawned- WmiPrvSE.exe; binds filter and consumer.
  const g = c.graph;
  const trig = g.outgoing(chain.bindingNodeId).find((e) => e.type === 'triggers');
  assert.equal(trig?.target, cmd.id);
  assert.equal(g.incoming(cmd.id).find((e) => e.type === 'spawned')?.source, parent.id);
  assert.deepEqual(g.outgoing(chain.bindingNodeId).filter((e) => e.type === 'binds').map((e) => g.node(e.target)!.type).sort(), ['consumer', 'filter']);
  // The WMIC.exe command lines that created consumer (16110), binding (16113) and filter (16114).
  const created = g.edges().filter((e) => e.type === 'created').map((e) => [recs(e.evidence)[0], g.node(e.target)!.type]).sort();
  assert.deepEqual(created, [['1:16110', 'consumer'], ['1:16113', 'binding'], ['1:16114', 'filter']]);
  // No WMIC.exe (python's children) is mistaken for a consumer run.
  assert.ok(chain.triggered.every((x) => !/wmic/i.test(c.forest.processes.get(x.processId)!.image)));
});

test('ActiveScriptEventConsumer (WMIGhost): binding -> scrcons.exe that hosts the script', async () => {
  const { c } = await correlated(SAMPLES.wmiGhost);
  const chain = c.chains.find((x) => x.consumerName === 'ProbeScriptFint');
  assert.ok(chain);
  assert.equal(chain.consumerClass, 'ActiveScriptEventConsumer');
  assert.equal(chain.host, 'PC04.example.corp');
  // Sysmon 21 record 7197 (binding modified 18:11:54.198), scrcons.exe Sysmon 1 record 7203 at 18:11:59.996.
  assert.equal(chain.boundAt, '2019-04-03T18:11:54.1984960Z');
  assert.equal(chain.triggered.length, 1);
  const t = chain.triggered[0];
  assert.equal(t.confidence, 'inferred-time');
  assert.deepEqual(recs(t.evidence), ['21:7197', '1:7203']);
  const scrcons = c.forest.processes.get(t.processId)!;
  assert.equal(scrcons.commandLine, 'C:\\Windows\\system32\\wbem\\scrcons.exe -Embedding');
  assert.deepEqual(scrcons.wmi.map((m) => m.kind), ['scrcons-host']);
  // The consumer node carries the script (Sysmon 20 record 7195) as its payload.
  const consumer = c.graph.nodes().find((n) => n.type === 'consumer')!;
  assert.ok(recs(consumer.evidence).includes('20:7195'));
  assert.match(String(consumer.props['payload.ScriptText'] ?? consumer.props.destination), /kumardeep\.sosblogs\.com/);
  // The WMIGhost.exe dropper (7194) did not run from WMI and is not in the chain.
  const dropper = [...c.forest.processes.values()].find((p) => /WMIGhost/i.test(p.image))!;
  assert.ok(!chain.nodeIds.includes(dropper.id));
});

test('a process that only looks like the payload is not linked when it ran before the binding or from another parent', async () => {
  const { c } = await correlated(SAMPLES.commandLineConsumer);
  const chain = c.chains.find((x) => x.consumerName === 'BotConsumer23')!;
  // cmd.exe 2404 (parent of python, created long before) matches the template by name but is not WmiPrvSE's child.
  const early = [...c.forest.processes.values()].filter((p) => /cmd\.exe$/i.test(p.image));
  assert.equal(early.length, 2);
  assert.deepEqual(chain.triggered.map((t) => c.forest.processes.get(t.processId)!.pid), [2544]);
});

test('command-line similarity', () => {
  assert.equal(commandLineScore('c:\\Windows\\System32\\cmd.exe', undefined, 'C:\\Windows\\System32\\cmd.exe', 'c:\\Windows\\System32\\cmd.exe'), 1);
  assert.equal(commandLineScore('"%SystemRoot%\\System32\\cmd.exe" /c echo x', undefined, 'C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\cmd.exe /c echo x'), 1);
  assert.equal(commandLineScore('cmd.exe /c del %TargetInstance.Name%', undefined, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c del evil.txt'), 0.9);
  assert.equal(commandLineScore('powershell.exe -enc AAAA', undefined, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami'), 0);
  assert.ok(commandLineScore('cmd.exe /c a b c d', undefined, 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c x y z w') < 0.75);
  assert.equal(commandLineScore(undefined, 'C:\\tools\\x.exe', 'C:\\Tools\\X.exe', 'x.exe -q'), 0.8);
  // A hostile template (hundreds of %placeholders%) against a long command line stays linear.
  const t0 = performance.now();
  assert.ok(commandLineScore(`cmd.exe ${'%a% x '.repeat(300)}z`, undefined, 'C:\\cmd.exe', `cmd.exe ${'x '.repeat(100000)}`) < 0.75);
  assert.ok(performance.now() - t0 < 1000);
});
