import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { ExitCode, NemoError } from '../errors.js';

/**
 * Turns arguments into recipe files: a folder stands for the recipes among its `*.yaml`/`*.yml` files and a glob for
 * the recipes among its matches (both sorted by name, so sharding is deterministic), anything else for itself. Order
 * is kept, duplicates dropped. A file of a folder or glob that is not a recipe (a `docker-compose.yml`) is passed to
 * `onSkip`; an argument that yields no recipe at all is an error (exit 2), so a typo in CI is not a green job.
 */
export async function findRecipes(args: string[], cwd: string, onSkip?: (file: string, reason: string) => void): Promise<string[]> {
  const found = await Promise.all(
    args.map(async (arg) => {
      const info = isDynamicPattern(arg) ? undefined : await stat(resolve(cwd, arg)).catch(() => undefined);
      if (!isDynamicPattern(arg) && !info?.isDirectory()) return [arg];
      const files = info
        ? (await glob('*.{yaml,yml}', { cwd: resolve(cwd, arg), onlyFiles: true, caseSensitiveMatch: false })).sort().map((f) => join(arg, f))
        : (await glob(arg, { cwd, onlyFiles: true })).sort();
      const recipes = await Promise.all(files.map((file) => readFile(resolve(cwd, file), 'utf8').then(looksLikeRecipe, () => false)));
      files.forEach((file, i) => recipes[i] || onSkip?.(file, 'not a recipe (it has no top-level `inputs:` or `instructions:`)'));
      return files.filter((_, i) => recipes[i]);
    }),
  );
  const empty = args.filter((_, i) => !found[i]!.length);
  if (empty.length) {
    throw new NemoError('E_USAGE', `no recipes matched ${empty.map((a) => `'${a}'`).join(', ')}`, {
      exitCode: ExitCode.invalid,
      hint: 'give recipe files (.yaml), folders that hold them, or globs (quoted, so the shell leaves them alone)',
    });
  }
  return [...new Set(found.flat())];
}

/** A recipe says what it is made of or what to do with it; other YAML (CI or compose files) says neither. */
function looksLikeRecipe(text: string): boolean {
  return /^(inputs|instructions)\s*:/m.test(text);
}

/** A share of the work for one of `count` CI jobs: every `count`-th item, starting at `index` (1-based). */
export function shard<T>(items: T[], index: number, count: number): T[] {
  return items.filter((_, i) => i % count === index - 1);
}
