import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { createBackend, type BackendOptions } from './backends/index.js';
import type { PlanDetails } from './backends/backend.js';
import { displayPath } from './display.js';
import { ExitCode, NemoError, RecipeError, RecipeValidationError } from './errors.js';
import type { RecipeReport } from './execute/events.js';
import { outputErrors } from './execute/outputs.js';
import { clashError, runPlans, type RunOptions } from './execute/run.js';
import { previewSettings } from './plan/export-settings.js';
import { strictErrors } from './plan/instructions/strict.js';
import { planVariants, variantsOf } from './plan/planner.js';
import type { Plan } from './plan/plan.types.js';
import { checkRecipe, checkRecipeDoc, type Instance } from './recipe/check.js';
import { shard } from './recipe/discover.js';
import { unmatchedMedia } from './recipe/inputs.js';
import { parseRecipe } from './recipe/load.js';
import type { BackendName, DataRow, Recipe, RecipeSpec } from './recipe/recipe.types.js';
import { createValidator, type SchemaValidator } from './recipe/validate.js';

export { findRecipes, shard } from './recipe/discover.js';
export { exitCodeOf, runPlans, type RunOptions } from './execute/run.js';

/** A recipe, or one data row of it, that did not pass its checks. */
export interface Problem {
  file: string;
  row?: DataRow;
  error: NemoError;
}

/** Checked recipes (one per data row), the problems of those that did not pass, and what passed but deserves a look. */
export interface CheckResult {
  recipes: Recipe[];
  problems: Problem[];
  /** Located, not fatal: words the interpreter cannot place (errors under `strict`), media a glob leaves out. */
  warnings: RecipeError[];
  /** How many recipes and data rows there were before `shard` took its share. */
  total: number;
}

/** Options for checking recipes. */
export interface CheckOptions {
  cwd: string;
  backend?: BackendName;
  /** Words the interpreter cannot place, and requests the local backend cannot do, are errors (exit 2). */
  strict?: boolean;
  validator?: SchemaValidator;
  /** `--set key=value`: values for `${vars.key}`, over each recipe's own `vars`. */
  vars?: Record<string, string>;
  /** `--data FILE`: one video per row of this table, instead of each recipe's own `data`. */
  data?: string;
  /** Only every `count`-th recipe or data row, from the `index`-th (1-based): one CI job's share. */
  shard?: { index: number; count: number };
}

/** One recipe instance after every check: its plans (the main video and its variants), or its problem. */
type Unit = { recipe: Recipe; plans: Plan[]; warnings: RecipeError[]; problem?: undefined } | { problem: Problem; recipe?: undefined; plans?: undefined };

/**
 * Checks one recipe: the front end, then what needs its plans (outputs, variants, `strict`). Returns one recipe per
 * data row; throws RecipeValidationError with the problems of every row that did not pass.
 */
export async function checkOne(path: string, opts: CheckOptions): Promise<{ recipes: Recipe[]; plans: Plan[] }> {
  const units = planChecked(path, await checkRecipe(path, opts), opts);
  outputClashes(units);
  return fromUnits(units);
}

/**
 * Checks several recipes with one compiled validator; a bad one (or a bad data row) does not stop the others. Two
 * videos that would write the same output (after instructions changed their shape) are a problem of the second.
 * With `shard`, only that share of the recipes and rows is returned, problems included: every row is checked (so
 * clashes between shards are seen), and each problem is reported once, by the job whose share it falls in.
 */
export async function checkRecipes(paths: string[], opts: CheckOptions): Promise<CheckResult> {
  const validator = opts.validator ?? createValidator();
  const settled = await Promise.allSettled(paths.map((path) => checkRecipe(path, { ...opts, validator })));
  const units = settled.flatMap((outcome, i): Unit[] => {
    if (outcome.status === 'fulfilled') return planChecked(paths[i]!, outcome.value, opts);
    if (!(outcome.reason instanceof NemoError)) throw outcome.reason;
    return [{ problem: { file: paths[i]!, error: outcome.reason } }];
  });
  outputClashes(units);
  const share = opts.shard ? shard(units, opts.shard.index, opts.shard.count) : units;
  const result: CheckResult = { recipes: [], problems: [], warnings: [], total: units.length };
  for (const unit of share) {
    if (unit.problem) result.problems.push(unit.problem);
    else {
      result.recipes.push(unit.recipe);
      result.warnings.push(...unit.warnings);
      if (!opts.strict && unit.plans[0]!.notes) result.warnings.push(...strictErrors(unit.recipe, unit.plans[0]!.notes));
    }
  }
  // Media a glob leaves out, once per recipe file (its rows share the recipe's globs).
  const files = new Set<string>();
  const firstOfFile = result.recipes.filter((r) => !files.has(r.file) && files.add(r.file));
  result.warnings.push(...(await Promise.all(firstOfFile.map(unmatchedMedia))).flat());
  // Rows of one recipe share its words and globs: a warning about them is said once.
  result.warnings = [...new Map(result.warnings.map((w) => [`${w.pos.file}:${w.pos.line}:${w.pos.col} ${w.message}`, w])).values()];
  return result;
}

/** The checks that need the plans: where each output goes (after instructions changed its shape), and `strict`. */
function planChecked(file: string, instances: Instance[], opts: CheckOptions): Unit[] {
  return instances.map((instance): Unit => {
    if ('error' in instance) return { problem: { file, error: instance.error, ...(instance.row ? { row: instance.row } : {}) } };
    const { recipe } = instance;
    const { plans, repeats, unneeded } = variantsOf(recipe, opts.backend);
    const errors = [
      ...plans.flatMap((plan) => outputErrors(atOutput(recipe, plan), plan.export)),
      ...(opts.strict && plans[0]!.notes ? strictErrors(recipe, plans[0]!.notes) : []),
    ];
    const warnings = [...repeats.map((i) => repeatWarning(recipe, i)), ...unneeded.map((aspect) => unneededWarning(recipe, plans[0]!, aspect))];
    if (!errors.length) return { recipe, plans, warnings };
    const row = recipe.row;
    const said = row ? errors.map((e) => new RecipeError(e.code, `row ${row.number} (${row.file}:${row.line}): ${e.message}`, e.pos, e)) : errors;
    return { problem: { file, error: new RecipeValidationError(said), ...(row ? { row } : {}) } };
  });
}

/** A variant written out that is the main video again (or an earlier variant): made once, and said. */
function repeatWarning(recipe: Recipe, index: number): RecipeError {
  const at = recipe.variantsAt?.[index];
  return new RecipeError('E_RECIPE_SCHEMA', `export.variants[${index}] makes the same video as the main one or an earlier variant; it is made once`, { file: recipe.file, line: at?.line ?? 1, col: at?.col ?? 1 }, {
    hint: 'list only the other shapes: the export block itself is the main video',
    sourceLine: at?.sourceLine,
  });
}

/** A shape the instructions add beside the main video that the main video already has (export.aspect 9:16, "also vertical"). */
function unneededWarning(recipe: Recipe, main: Plan, aspect: string): RecipeError {
  const i = (main.notes ?? []).findIndex((n) => n.did.some((d) => d.includes(`${aspect} variant`)));
  const at = recipe.instructionAt[i] ?? { line: 1, col: 1, sourceLine: undefined };
  return new RecipeError('E_PLAN', `the instructions ask for a ${aspect} version, which the main video already is; it is made once`, { file: recipe.file, line: at.line, col: at.col }, {
    hint: 'to make the main video another shape, change export.aspect (or say "make it …")',
    sourceLine: at.sourceLine,
  });
}

/** The recipe as a variant's output checks see it: located at the variant's own `output` when it has one. */
function atOutput(recipe: Recipe, plan: Plan): Recipe {
  if (!plan.variant) return recipe;
  const i = (recipe.export.variants ?? []).findIndex((v) => v.output !== undefined && v.output === plan.export.outputTemplate);
  return i >= 0 ? { ...recipe, outputAt: recipe.variantsAt?.[i] } : recipe;
}

/**
 * The second of two videos with the same output becomes a problem, said where its output is written; so does the
 * second of two with the same name in one folder, since the name keys its lock, up-to-date stamp and journal.
 */
function outputClashes(units: Unit[]): void {
  const outputs = new Map<string, Plan>();
  const names = new Map<string, Plan>();
  units.forEach((unit, i) => {
    if (!unit.recipe) return;
    for (const plan of unit.plans) {
      const name = `${plan.dir}\0${plan.recipe}\0${plan.backend}`;
      const first = outputs.get(plan.export.output);
      const namesake = names.get(name);
      const other = first ?? namesake;
      if (other) return void (units[i] = { problem: clashProblem(unit.recipe, plan, first ? clashError(plan, first) : sameName(plan, other), other.file === plan.file) });
      outputs.set(plan.export.output, plan);
      names.set(name, plan);
    }
  });
}

/** Two videos of one folder with one name would share a lock, a stamp and a journal. */
function sameName(plan: Plan, first: Plan): NemoError {
  const row = (p: Plan) => (p.row ? `row ${p.row.number} (${p.row.file}:${p.row.line})` : p.file);
  return new NemoError('E_USAGE', `${row(plan)} makes a video named ${plan.recipe}, as ${row(first)} does`, {
    exitCode: ExitCode.invalid,
    hint: 'give each row its own name, from a column that tells rows apart: name: ad-${row.sku} (or leave ${row…} out of the name to number them)',
  });
}

/** A clash as the second video's problem: located at its output when the first is in the same recipe file. */
function clashProblem(recipe: Recipe, plan: Plan, error: NemoError, sameFile: boolean): Problem {
  const at = atOutput(recipe, plan).outputAt;
  const pos = at && sameFile ? { file: plan.file, line: at.line, col: at.col } : undefined;
  return {
    file: recipe.file,
    error: pos ? new RecipeValidationError([new RecipeError(error.code, error.message, pos, { hint: error.hint, sourceLine: at!.sourceLine })]) : error,
    ...(recipe.row ? { row: recipe.row } : {}),
  };
}

/** The recipes and plans of units that passed; the problems of the others, thrown together. */
function fromUnits(units: Unit[]): { recipes: Recipe[]; plans: Plan[] } {
  const problems = units.flatMap((u) => (u.problem ? [u.problem.error] : []));
  const unlocated = problems.find((e) => !(e instanceof RecipeValidationError));
  if (problems.length === 1 || unlocated) throw unlocated ?? problems[0];
  if (problems.length) throw new RecipeValidationError(problems.flatMap((e) => (e as RecipeValidationError).errors));
  return { recipes: units.map((u) => u.recipe!), plans: units.flatMap((u) => u.plans ?? []) };
}

/** A plan with what its backend adds (the local backend: the draft, notes and any shape change). */
export async function describePlan(plan: Plan, opts: BackendOptions & { signal: AbortSignal }): Promise<Plan & PlanDetails> {
  const backend = createBackend(plan.backend, opts);
  try {
    const details = (await backend.describe?.(plan, { signal: opts.signal })) ?? {};
    return { ...plan, ...details };
  } finally {
    await backend.close?.();
  }
}

/** Every video the recipes make: one plan per recipe (or data row) and variant, as `--preview` small renders if asked. */
export function planAll(recipes: Recipe[], opts: { backend?: BackendName; preview?: boolean }): Plan[] {
  return recipes.flatMap((recipe) =>
    planVariants(recipe, opts.backend).map((plan) => (opts.preview ? { ...plan, export: previewSettings(plan.export, recipe.name, plan.dir) } : plan)),
  );
}

/**
 * Plans each recipe (each data row, each variant) for its backend and executes them together under one concurrency
 * limit; see `runPlans`.
 */
export function runRecipes(recipes: Recipe[], opts: RunOptions): Promise<RecipeReport[]> {
  return runPlans(planAll(recipes, opts), opts);
}

/** Where a recipe given as an object (or YAML text) would live: its folder, and the file name its messages use. */
export interface ObjectCheckOptions extends CheckOptions {
  /** The folder relative paths resolve against and `.nemo-run/` goes to (default: `cwd`). */
  dir?: string;
  /** The file name messages use (default: `<name>.yaml` in `dir`); it need not exist. */
  file?: string;
}

/**
 * Checks a recipe given as an object or as YAML text, exactly as `checkOne` checks a file (schema, inputs, outputs,
 * `strict`). An object is written out as YAML first, so every problem still has a line and column.
 */
export async function checkRecipeObject(spec: RecipeSpec | string, opts: ObjectCheckOptions): Promise<{ recipes: Recipe[]; plans: Plan[] }> {
  const dir = resolve(opts.cwd, opts.dir ?? '.');
  const named = typeof spec === 'object' && spec !== null && typeof spec.name === 'string' ? spec.name : 'recipe';
  const absolute = resolve(dir, opts.file ?? `${named}.yaml`);
  const file = displayPath(absolute, opts.cwd);
  const doc = parseRecipe(file, typeof spec === 'string' ? spec : stringify(spec));
  const units = planChecked(file, await checkRecipeDoc(doc, absolute, opts), opts);
  outputClashes(units);
  return fromUnits(units);
}
