import { accessSync, constants, lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { NemoError } from './errors.js';
import { keyOf } from './hash.js';
import { privacyFix, privacyProblem } from './private.js';

/**
 * Where nemo-run keeps what it knows about the recipes of a folder (run journals, up-to-date stamps, locks, the
 * content cache): `.nemo-run/` beside them, or a private folder of the user's cache (`$XDG_CACHE_HOME/nemo-run/`,
 * else `~/.cache/nemo-run/`) when the recipes' folder cannot be written (a read-only checkout still renders to a
 * writable output folder) or its `.nemo-run/` is another user's, a link, or open to others' writes. That folder is created 0700 and must be the user's own and closed to others: a shared,
 * guessable place would let another user plant the pieces of someone else's video.
 */
export function stateDir(recipeDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const beside = join(recipeDir, '.nemo-run');
  try {
    accessSync(recipeDir, constants.W_OK);
    // One that is there already must be the user's own and closed to others' writes, or it is not used.
    const info = lstatSync(beside, { throwIfNoEntry: false });
    if (!info || !privacyProblem(info, 'folder', 0o022)) return beside;
  } catch {}
  return join(privateCacheDir(env), keyOf(recipeDir).slice(0, 16));
}

/** The user's own nemo-run cache folder, made if missing and refused if anyone else could write or read it. */
export function privateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nemo-run');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new NemoError('E_STATE', `cannot make the state folder ${dir} (${(error as NodeJS.ErrnoException).code ?? error})`, {
      hint: 'the recipes\' folder is read-only, so state goes to your cache folder: set XDG_CACHE_HOME to a folder you can write',
      cause: error,
    });
  }
  const problem = privacyProblem(lstatSync(dir), 'folder', 0o077);
  if (problem) {
    throw new NemoError('E_STATE', `the state folder ${dir} ${problem}; nemo-run keeps its state only in a private folder`, {
      hint: privacyFix(problem, dir, '700', 'remove it (nemo-run makes it again, 0700), or set XDG_CACHE_HOME to a folder of your own'),
    });
  }
  return dir;
}
