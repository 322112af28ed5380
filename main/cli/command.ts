/** One CLI sub-command. Each lives in its own module under commands/ and is listed in commands/index.ts. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  /** Set when `stdout` is the process's own standard output: its file descriptor, which `dump`'s workers write to themselves. */
  stdoutFd?: number;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** True when stderr is a terminal (progress displays only then). */
  interactive: boolean;
}

export interface CliCommand {
  name: string;
  /** One line: `wmi-workbench <name> <args>` */
  usage: string;
  summary: string;
  /** Returns the process exit code. Throw UsageError for bad arguments. */
  run(args: string[], io: CliIO): Promise<number>;
}

export class UsageError extends Error {}

/** Longest option value taken (a path's limit on Linux; names and selectors are far shorter). */
const MAX_OPTION_VALUE = 4096;

const OPTION = /^--[A-Za-z0-9][A-Za-z0-9-]*(=|$)/;

/** Minimal argument parser: `--flag value`, repeatable flags, boolean flags, positionals. */
export function parseArgs(
  args: string[],
  spec: { values?: string[]; repeat?: string[]; flags?: string[] },
): { positionals: string[]; values: Record<string, string>; repeated: Record<string, string[]>; flags: Set<string> } {
  const positionals: string[] = [];
  const values: Record<string, string> = {};
  const repeated: Record<string, string[]> = {};
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    // (An option is --name or --name=value; SQL opening with a `-- comment` line is an argument.)
    if (OPTION.test(a)) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const inline = eq > 0 ? a.slice(eq + 1) : undefined;
      if (spec.flags?.includes(name)) {
        flags.add(name);
        continue;
      }
      const isValue = spec.values?.includes(name);
      const isRepeat = spec.repeat?.includes(name);
      if (!isValue && !isRepeat) throw new UsageError(`unknown option --${name}`);
      const v = inline ?? args[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      if (v.length > MAX_OPTION_VALUE) throw new UsageError(`--${name}: the value is longer than ${MAX_OPTION_VALUE} characters`);
      if (isRepeat) (repeated[name] ??= []).push(v);
      else values[name] = v;
      continue;
    }
    positionals.push(a);
  }
  return { positionals, values, repeated, flags };
}

/** An option giving a time in seconds (fractions allowed, more than 0, at most a day), in milliseconds; `fallbackMs` when absent. */
export function secondsOption(option: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const s = Number(value);
  if (value.trim() === '' || !Number.isFinite(s) || s <= 0 || s > 86_400) {
    throw new UsageError(`--${option} takes a number of seconds (more than 0, at most 86400)`);
  }
  return Math.round(s * 1000);
}
