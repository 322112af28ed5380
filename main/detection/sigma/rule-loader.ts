/**
 * Reads Sigma rule files (YAML) from files and folders. Each file is parsed on its own:
 * a file that does not parse is reported with its path and the YAML error, and loading
 * continues with the next file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface RuleDocument {
  file: string;
  /** Index of the YAML document inside the file (0 for single-document files). */
  index: number;
  doc: Record<string, unknown>;
}

export interface RuleLoadError {
  file: string;
  ruleId?: string;
  title?: string;
  message: string;
}

function collectFiles(p: string, out: string[], errors: RuleLoadError[]): void {
  let st;
  try {
    st = statSync(p);
  } catch (e) {
    errors.push({ file: p, message: `cannot read: ${(e as Error).message}` });
    return;
  }
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(p).sort();
    } catch (e) {
      errors.push({ file: p, message: `cannot list folder: ${(e as Error).message}` });
      return;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const full = join(p, n);
      let sub;
      try {
        sub = statSync(full);
      } catch {
        continue;
      }
      if (sub.isDirectory()) collectFiles(full, out, errors);
      else if (/\.ya?ml$/i.test(n)) out.push(full);
    }
  } else out.push(p);
}

/** Rule files under the given files/folders, sorted, each once. */
export function findRuleFiles(paths: string[]): { files: string[]; errors: RuleLoadError[] } {
  const files: string[] = [];
  const errors: RuleLoadError[] = [];
  for (const p of paths) collectFiles(resolve(p), files, errors);
  return { files: [...new Set(files)], errors };
}

/** Parse YAML text into rule documents; errors name the file. */
export function parseRuleText(file: string, text: string): { docs: RuleDocument[]; errors: RuleLoadError[] } {
  const docs: RuleDocument[] = [];
  const errors: RuleLoadError[] = [];
  let parsed;
  try {
    parsed = parseAllDocuments(text, { prettyErrors: true });
  } catch (e) {
    return { docs, errors: [{ file, message: `YAML error: ${(e as Error).message}` }] };
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((d, index) => {
    if (d.errors.length > 0) {
      errors.push({ file, message: `YAML error: ${d.errors[0].message.split('\n')[0]}` });
      return;
    }
    let js: unknown;
    try {
      js = d.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push({ file, message: `YAML error: ${(e as Error).message}` });
      return;
    }
    if (js === null || js === undefined) return; // empty document
    if (typeof js !== 'object' || Array.isArray(js)) {
      errors.push({ file, message: 'not a Sigma rule: the document is not a mapping' });
      return;
    }
    docs.push({ file, index, doc: js as Record<string, unknown> });
  });
  return { docs, errors };
}

/** Load every rule document under the given files/folders. */
export function loadRuleDocuments(paths: string[]): { docs: RuleDocument[]; errors: RuleLoadError[] } {
  const { files, errors } = findRuleFiles(paths);
  const docs: RuleDocument[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      errors.push({ file: f, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const r = parseRuleText(f, text);
    docs.push(...r.docs);
    errors.push(...r.errors);
  }
  return { docs, errors };
}
