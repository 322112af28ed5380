/** Every CLI sub-command. */
import type { CliCommand } from '../command';
import { queryCommand } from './query';
import { scanCommand } from './scan';

export const COMMANDS: readonly CliCommand[] = [scanCommand, queryCommand];
