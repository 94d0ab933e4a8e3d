import { checkRecipes, findRecipes, planAll } from '../../api.js';
import type { BackendName, Recipe } from '../../recipe/recipe.types.js';
import { styler, type Io } from '../io.js';
import { reportError, reportWarnings, skipped } from '../report.js';

/** `nemo-run validate`: every problem of every recipe, then exit 2 if there was any. */
export async function validateCommand(
  paths: string[],
  opts: { backend?: BackendName; strict?: boolean; set?: Record<string, string>; data?: string },
  io: Io,
): Promise<number> {
  const found = await findRecipes(paths, io.cwd, skipped(io));
  const { recipes, problems, warnings } = await checkRecipes(found, { cwd: io.cwd, backend: opts.backend, strict: opts.strict, vars: opts.set, data: opts.data });
  const style = styler(io, 'stdout');
  // A recipe with data rows is one line: its rows and videos are counted.
  for (const file of new Set(recipes.map((r) => r.file))) {
    const rows = recipes.filter((r) => r.file === file);
    const [recipe] = rows as [Recipe];
    const inputs = recipe.inputs.length;
    const videos = planAll(rows, opts).length;
    const made = recipe.row ? `, ${rows.length} data row${rows.length === 1 ? '' : 's'}` : '';
    io.stdout.write(
      `${style.green('✔')} ${file}: valid (${inputs} input${inputs === 1 ? '' : 's'}, ${recipe.instructions.length} instruction${recipe.instructions.length === 1 ? '' : 's'}, backend ${recipe.backend}${made}${videos > 1 ? `, ${videos} videos` : ''})\n`,
    );
  }
  reportWarnings(warnings, io);
  let code = 0;
  for (const problem of problems) code = Math.max(code, reportError(problem.error, io));
  return code;
}
