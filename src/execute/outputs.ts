import { constants, realpathSync, statSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { isDynamicPattern } from 'tinyglobby';
import { NemoError, RecipeError } from '../errors.js';
import type { Recipe } from '../recipe/recipe.types.js';
import type { ExportSettings } from '../plan/plan.types.js';

/** Folders of the operating system that no video belongs in. */
const SYSTEM_FOLDERS = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/proc', '/run', '/sbin', '/sys', '/usr', '/var/lib', '/var/log', '/System', 'C:\\Windows'];
/** The longest file name most file systems take, in bytes. */
const MAX_NAME_BYTES = 255;

/**
 * What is wrong with where a recipe would write its video, found before anything runs: an output that is one of the
 * inputs (it would be overwritten) or that an input glob would pick up on the next run (the video would feed on
 * itself), a missing or mismatched extension, a name no file system takes, a folder, a system folder.
 */
export function outputErrors(recipe: Recipe, settings: ExportSettings): RecipeError[] {
  const output = settings.output;
  const at = recipe.outputAt;
  const fail = (message: string, hint: string) =>
    new RecipeError('E_RECIPE_SCHEMA', message, { file: recipe.file, line: at?.line ?? 1, col: at?.col ?? 1 }, { hint, sourceLine: at?.sourceLine });
  const written = at ? 'export.output' : `the default output (${displayed(recipe, output)})`;
  const errors: RecipeError[] = [];

  // Through the links on its way too: an output folder that is a link into the inputs' folder is that folder.
  const real = realFolder(output);
  const same = recipe.inputs.find((input) => input.path && realFolder(input.path) === real);
  const picked = recipe.inputPatterns.find((pattern) => matches(pattern, recipe.dir, output) || matches(pattern, realFolder(recipe.dir), real));
  if (same) {
    errors.push(fail(`${written} is the input ${same.name}: the render would overwrite it`, 'write the video to another file, e.g. out/${name}.mp4'));
  } else if (picked) {
    errors.push(fail(`${written} (${displayed(recipe, output)}) matches the input "${picked}": the next run would take the video as an input`, 'write the video to a folder the inputs do not cover, e.g. out/${name}.mp4'));
  }
  const ext = extname(output).slice(1).toLowerCase();
  if (ext !== settings.format && !(settings.format === 'mp4' && ext === 'm4v')) {
    errors.push(fail(`${written} ${ext ? `ends in .${ext}` : 'has no extension'}, but the format is ${settings.format}`, `end it in .\${format} (or .${settings.format})`));
  }
  if (Buffer.byteLength(basename(output)) > MAX_NAME_BYTES) {
    errors.push(fail(`${written} has a file name of ${Buffer.byteLength(basename(output))} bytes; file systems take at most ${MAX_NAME_BYTES}`, 'use a shorter name'));
  }
  if (isFolder(output)) {
    errors.push(fail(`${written} (${displayed(recipe, output)}) is a folder`, 'name a file in it, e.g. out/${name}.mp4'));
  }
  const system = SYSTEM_FOLDERS.find((folder) => [output, real].some((path) => path.startsWith(folder + sep) || path.startsWith(`${folder}/`)));
  if (system) errors.push(fail(`${written} (${output}) is in the system folder ${system}`, 'write videos to a folder of your own; absolute paths are fine'));
  return errors;
}

/** Fails before any work when the output's folder (or the nearest one that exists) cannot be written. */
export async function checkWritable(output: string): Promise<void> {
  let dir = dirname(output);
  while (!(await stat(dir).catch(() => undefined)) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new NemoError('E_OUTPUT', `cannot write the output ${output}: ${dir} is not writable (${(error as NodeJS.ErrnoException).code})`, {
      hint: 'choose another export.output (an absolute path is fine), or make the folder writable',
    });
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false; // a name too long to look up is reported above
  }
}

/** A path with the links of its longest existing part resolved (the rest does not exist yet). */
function realFolder(path: string): string {
  for (let head = path; ; head = dirname(head)) {
    try {
      return join(realpathSync(head), relative(head, path));
    } catch {
      if (dirname(head) === head) return path;
    }
  }
}

/** Whether an input pattern (a glob or a path, relative to the recipe's folder) covers `file`. */
function matches(pattern: string, dir: string, file: string): boolean {
  if (!isDynamicPattern(pattern)) return resolve(dir, pattern) === file;
  const target = isAbsolute(pattern) ? file : relative(dir, file);
  return picomatch(pattern, { nocase: true })(target.split(sep).join('/'));
}

function displayed(recipe: Recipe, output: string): string {
  const rel = relative(recipe.dir, output);
  return rel.startsWith('..') || isAbsolute(rel) ? output : rel;
}
