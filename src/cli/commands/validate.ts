import { checkRecipes, findRecipes } from '../../api.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import { styler, type Io } from '../io.js';
import { reportError, reportWarnings, skipped } from '../report.js';

/** `nemo-run validate`: every problem of every recipe, then exit 2 if there was any. */
export async function validateCommand(paths: string[], opts: { backend?: BackendName; strict?: boolean }, io: Io): Promise<number> {
  const found = await findRecipes(paths, io.cwd, skipped(io));
  const { recipes, problems, warnings } = await checkRecipes(found, { cwd: io.cwd, backend: opts.backend, strict: opts.strict });
  const style = styler(io, 'stdout');
  for (const recipe of recipes) {
    const inputs = recipe.inputs.length;
    io.stdout.write(
      `${style.green('✔')} ${recipe.file}: valid (${inputs} input${inputs === 1 ? '' : 's'}, ${recipe.instructions.length} instruction${recipe.instructions.length === 1 ? '' : 's'}, backend ${recipe.backend})\n`,
    );
  }
  reportWarnings(warnings, io);
  let code = 0;
  for (const problem of problems) code = Math.max(code, reportError(problem.error, io));
  return code;
}
