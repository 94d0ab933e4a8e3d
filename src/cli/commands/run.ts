import { resolve } from 'node:path';
import { checkRecipes, exitCodeOf, findRecipes, planAll, runPlans } from '../../api.js';
import { writeFileAtomic } from '../../atomic.js';
import { ExitCode, NemoError } from '../../errors.js';
import { outputErrors } from '../../execute/outputs.js';
import type { RecipeReport } from '../../execute/events.js';
import { junitXml, type InvalidRecipe } from '../../execute/reporters/junit.js';
import { lineReporter } from '../../execute/reporters/lines.js';
import { inputAt } from '../../recipe/inputs.js';
import type { BackendName, Recipe } from '../../recipe/recipe.types.js';
import { isInteractive, type Io } from '../io.js';
import { formatSummary, invalidRecipes, onGithub, reportError, reportWarnings, runAnnotations, skipped } from '../report.js';

/** Options of `nemo-run run`. */
export interface RunFlags {
  backend?: BackendName;
  concurrency: number;
  json?: boolean;
  strict?: boolean;
  force?: boolean;
  preview?: boolean;
  shard?: { index: number; count: number };
  /** `--set key=value`: values for `${vars.key}`. */
  set?: Record<string, string>;
  /** `--data FILE`: one video per row. */
  data?: string;
  reporter?: 'json' | 'junit';
  reportFile?: string;
  /** `-o/--output`: where the one recipe writes its video, instead of its export.output (relative to the working folder). */
  output?: string;
}

/** `nemo-run run`: check, plan and execute recipes; one failure does not hide the others' results. */
export async function runCommand(args: string[], flags: RunFlags, io: Io): Promise<number> {
  const found = await findRecipes(args, io.cwd, skipped(io));
  const checked = await checkRecipes(found, { cwd: io.cwd, backend: flags.backend, strict: flags.strict, vars: flags.set, data: flags.data, shard: flags.shard });
  const { recipes, problems, warnings } = checked;
  if (flags.shard) io.stderr.write(`shard ${flags.shard.index}/${flags.shard.count}: ${recipes.length + problems.length} of ${checked.total} recipes and data rows\n`);
  if (flags.output !== undefined) {
    const videos = planAll(recipes, flags).length + problems.length;
    if (videos !== 1) {
      reportError(new NemoError('E_USAGE', `-o/--output names the output of one video; these recipes make ${videos} (data rows and variants count)`, { hint: 'give one recipe without data or variants, or set export.output (with ${row} or ${aspect}) in the recipe' }), io);
      return ExitCode.invalid;
    }
    if (recipes[0] && !overrideOutput(recipes[0], resolve(io.cwd, flags.output), flags, io)) return ExitCode.invalid;
  }
  for (const problem of problems) reportError(problem.error, io);
  // Words not understood are said by the run itself; what the check alone sees is said here.
  reportWarnings(warnings.filter((w) => w.code !== 'E_RECIPE_INSTRUCTION'), io, warnings);

  // Progress: a task list on a terminal, plain lines elsewhere; stdout stays clean for --json and a report on stdout.
  const machine = flags.json || (flags.reporter !== undefined && !flags.reportFile);
  const out = machine ? io.stderr : io.stdout;
  const interactive = isInteractive(io) && !machine && Boolean(io.stdout.isTTY);
  const plans = planAll(recipes, flags);
  // The reporter is chosen once, before anything runs: a task list (listr2, loaded only for a terminal) that shows
  // every video, up-to-date ones included, or plain lines.
  const reporter =
    interactive && plans.length
      ? (await import('../../execute/reporters/listr.js')).listrReporter(plans, io.cwd)
      : { onEvent: lineReporter((text) => out.write(text), io.cwd), done: Promise.resolve() };
  const reports = await runPlans(plans, { ...flags, env: io.env, cwd: io.cwd, signal: io.signal, onEvent: reporter.onEvent });
  await reporter.done;
  const invalid = invalidRecipes(problems);
  const ok = reports.every((r) => r.status === 'ok') && !problems.length;
  if (flags.json) io.stdout.write(`${JSON.stringify({ ok, recipes: reports, invalid }, null, 2)}\n`);
  else out.write(formatSummary(reports, io, interactive, invalid));
  if (onGithub(io)) io.stderr.write(runAnnotations(reports, io, (r) => failedAt(r, recipes)));
  if (flags.reporter) await writeReport(flags, reports, invalid, ok, io);
  return exitCodeOf(reports, problems);
}

/**
 * `-o/--output`: the recipe writes to this path instead of its export.output. The new path is checked as export.output
 * is (not an input, the format's extension, writable folder…); false (said) when it cannot be used.
 */
function overrideOutput(recipe: Recipe, output: string, flags: RunFlags, io: Io): boolean {
  recipe.export = { ...recipe.export, output };
  recipe.outputAt = undefined;
  const errors = outputErrors(recipe, planAll([recipe], { backend: flags.backend })[0]!.export);
  if (!errors.length) return true;
  reportError(new NemoError('E_USAGE', `-o ${flags.output}: ${errors.map((e) => e.message).join('; ')}`, { hint: errors[0]!.hint }), io);
  return false;
}

/** Where in its recipe a failed run went wrong: the input or instruction of the failed step, if it had one. */
function failedAt(report: RecipeReport, recipes: Recipe[]) {
  const recipe = recipes.find((r) => r.file === report.file);
  const step = report.steps.find((s) => s.status === 'failed');
  const index = Number(/:(\d+)$/.exec(step?.id ?? '')?.[1]);
  if (!recipe || !step || !Number.isInteger(index)) return undefined;
  if (step.kind === 'instruct') return recipe.instructionAt[index];
  return step.kind === 'probe' || step.kind === 'upload' ? inputAt(recipe, index) : undefined;
}

/** Writes the `--reporter` report to `--report-file` (atomically), or to stdout without one. */
async function writeReport(flags: RunFlags, reports: RecipeReport[], invalid: InvalidRecipe[], ok: boolean, io: Io) {
  const text = flags.reporter === 'junit' ? junitXml(reports, invalid) : `${JSON.stringify({ ok, recipes: reports, invalid }, null, 2)}\n`;
  if (!flags.reportFile) return void io.stdout.write(text);
  await writeFileAtomic(resolve(io.cwd, flags.reportFile), text);
}
