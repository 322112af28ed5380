/** Every CLI sub-command. */
import type { CliCommand } from '../command';
import { queryCommand } from './query';
import { scanCommand } from './scan';
import { dumpCommand } from './dump';
import { huntCommand } from './hunt';
import { graphCommand } from './graph';
import { treeCommand } from './tree';
import { serveCommand } from './serve';

export const COMMANDS: readonly CliCommand[] = [scanCommand, queryCommand, dumpCommand, huntCommand, graphCommand, treeCommand, serveCommand];
