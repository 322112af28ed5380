/** Paths for tests: the repository root and the read-only corpus beside it. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The checkout root: the folder holding package.json, found upward from the compiled test. */
export const REPO_ROOT: string = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
})();

export const CORPUS = path.resolve(REPO_ROOT, '..', 'shared', 'corpus');

export function corpus(...parts: string[]): string {
  return path.join(CORPUS, ...parts);
}

/** The compiled CLI, the file `npx wmi-workbench` runs. */
export const CLI = path.join(REPO_ROOT, 'dist', 'main', 'cli', 'main.js');

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Folders made by tempDir in this process, removed when it exits (each test file runs in a process of its own). */
const made: string[] = [];

/** A new empty folder under the system's temporary folder, removed with its contents when this process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `wmiwb-${prefix}-`));
  if (made.push(dir) === 1) process.on('exit', () => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });
  return dir;
}
