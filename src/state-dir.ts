import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyOf } from './hash.js';

/**
 * Where nemo-run keeps what it knows about the recipes of a folder (run journals, up-to-date stamps, the content
 * cache): `.nemo-run/` beside them, or a folder of the system's temporary space when the recipes' folder cannot be
 * written (a read-only checkout still renders to a writable output folder).
 */
export function stateDir(recipeDir: string): string {
  try {
    accessSync(recipeDir, constants.W_OK);
    return join(recipeDir, '.nemo-run');
  } catch {
    return join(tmpdir(), 'nemo-run', keyOf(recipeDir).slice(0, 16));
  }
}
