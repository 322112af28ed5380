/**
 * `wmi-workbench serve [case.wmicase | evidence…] [--port N]`: the workbench in a browser,
 * for analysis servers without a desktop. Listens on 127.0.0.1 only and prints the URL
 * with this run's token; runs until interrupted.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs, secondsOption, UsageError, type CliCommand, type CliIO } from '../command';
import { ClientCaseBackend } from '../../api/case-backend';
import { WorkbenchApi } from '../../api/workbench-api';
import { isCaseFile } from '../../db/case-file';
import { DEFAULT_QUERY_TIME_LIMIT_MS } from '../../db/snapshot-queries';
import { startWebServer } from '../../web/server';

/** The built renderer, next to the compiled main code (dist/renderer). */
export function rendererDir(): string {
  return path.resolve(__dirname, '../../../renderer');
}

function packageVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(path.resolve(__dirname, '../../../../package.json')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: 'wmi-workbench serve [case.wmicase | evidence...] [--port N] [--sql-time-limit SECONDS]',
  summary: 'Open the workbench in a browser: a web shell on 127.0.0.1 with a per-run token; a SQL query still running after --sql-time-limit (30 s) is stopped',
  async run(args: string[], io: CliIO): Promise<number> {
    const a = parseArgs(args, { values: ['port', 'sql-time-limit'] });
    const sqlTimeLimitMs = secondsOption('sql-time-limit', a.values['sql-time-limit'], DEFAULT_QUERY_TIME_LIMIT_MS);
    const port = a.values.port === undefined ? 0 : Number(a.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0-65535)');
    const staticDir = rendererDir();
    if (!existsSync(path.join(staticDir, 'index.html'))) {
      io.stderr.write(`The workbench's pages are not built (${staticDir} has no index.html). Run: npm run build\n`);
      return 1;
    }
    const isCase = await Promise.all(a.positionals.map(isCaseFile));
    const cases = a.positionals.filter((_, i) => isCase[i]);
    const inputs = a.positionals.filter((_, i) => !isCase[i]);
    if (cases.length > 1) throw new UsageError('serve opens at most one case file');

    const api = new WorkbenchApi({ factory: ClientCaseBackend.factory(), shell: 'web', version: packageVersion(), sqlTimeLimitMs });
    if (cases.length === 1) {
      const info = await api.openCase({ path: cases[0] });
      io.stderr.write(`Opened ${info.path}: ${info.events} events from ${info.sources} evidence files\n`);
    }
    if (inputs.length > 0) {
      io.stderr.write(`Importing ${inputs.length} input(s)…\n`);
      const { jobId } = await api.dispatch('startImport', { paths: inputs });
      await api.idle();
      const st = await api.importStatus({ jobId });
      for (const e of st.inputErrors) io.stderr.write(`${e.path}: ${e.error}\n`);
      if (st.error) io.stderr.write(`import failed: ${st.error}\n`);
      io.stderr.write(`Imported ${st.records} records from ${st.files.length} file(s) in ${(st.elapsedMs / 1000).toFixed(1)} s\n`);
    }

    const web = await startWebServer({ api, staticDir, port });
    io.stdout.write(`WMI Workbench is serving on 127.0.0.1 only. Open:\n\n  ${web.url}\n\nThe token in that URL is needed for every request; press Ctrl+C to stop.\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await web.close();
    await api.close();
    return 0;
  },
};
