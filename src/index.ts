/**
 * nemo-run as a library: check recipes, plan them and run them with events, from files or from objects.
 *
 *   import { checkRecipeRows, runRecipes } from 'nemo-run';
 *   const recipes = await checkRecipeRows('recipes/batch.yaml');           // one per data row (one without data)
 *   const reports = await runRecipes(recipes, { onEvent: (e) => console.log(e.type) });  // one per video: rows × variants
 *
 * Problems are thrown as `NemoError`s (a `code`, a `hint`, the CLI's `exitCode`); a recipe's problems together as one
 * `RecipeValidationError` whose `errors` each have a `pos` (file, line, col). Nothing here reads `process.argv` or
 * exits the process; `process.cwd()` and `process.env` are only the defaults of `cwd` and `env`.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as api from './api.js';
import { NemoError } from './errors.js';
import type { PlanDetails } from './backends/backend.js';
import type { RecipeReport, RunEvent } from './execute/events.js';
import type { Plan } from './plan/plan.types.js';
import type { Recipe, RecipeSpec } from './recipe/recipe.types.js';
import { readRecipeSchema } from './recipe/validate.js';

export { planRecipe, planVariants } from './plan/planner.js';
export { findRecipes, shard, exitCodeOf } from './api.js';
export { NemoError, RecipeError, RecipeValidationError, InterruptedError, ExitCode } from './errors.js';
export type { ErrorCode, SourcePos } from './errors.js';
export { VERSION } from './version.js';
export type { CheckResult, Problem } from './api.js';
export type { RunEvent, RecipeReport, StepReport, StepStatus, ErrorInfo } from './execute/events.js';
export type { Plan, Step } from './plan/plan.types.js';
export type { PlanDetails } from './backends/backend.js';
export type {
  Recipe,
  RecipeSpec,
  InputSpec,
  ExportSpec,
  VariantSpec,
  Focus,
  DataRow,
  ResolvedInput,
  BackendName,
  Role,
  Format,
  Resolution,
  Aspect,
  Quality,
  MediaKind,
} from './recipe/recipe.types.js';

/** How recipes are checked; every field is optional. */
export interface CheckOptions {
  /** What relative recipe paths resolve against (default: `process.cwd()`). */
  cwd?: string;
  /** Overrides the recipes' own `backend`. */
  backend?: 'local' | 'nemo';
  /** Words the interpreter cannot place, and requests the local backend cannot do, are errors. */
  strict?: boolean;
  /** Values for `${vars.key}`, over the recipes' own `vars` (the CLI's `--set key=value`). */
  vars?: Record<string, string>;
  /** A data table (.csv, .json, .jsonl; relative to `cwd`): one video per row, instead of the recipes' own `data`. */
  data?: string;
}

/** Where a recipe given as an object or YAML text lives. */
export interface ObjectOptions extends CheckOptions {
  /** The folder its relative paths resolve against and its `.nemo-run/` state goes to (default: `cwd`). */
  dir?: string;
  /** The file name its messages use (default: `<name>.yaml` in `dir`); it need not exist. */
  file?: string;
}

/** How recipes are run; every field is optional. */
export interface RunOptions extends CheckOptions {
  /** The most steps running at once, across all recipes (default: the number of cores). */
  concurrency?: number;
  /** The environment the backends read (`NEMO_*`; default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Aborting it cancels the run: ffmpeg and HTTP calls stop, outputs are left as they were. */
  signal?: AbortSignal;
  /** Every event of the run, in order: recipes and steps starting, progressing, finishing, failing. */
  onEvent?: (event: RunEvent) => void;
  /** Render even when the output is up to date. */
  force?: boolean;
  /** Small, fast renders to `*.preview.*` outputs. */
  preview?: boolean;
}

const withCwd = <T extends CheckOptions>(opts: T) => ({ ...opts, cwd: opts.cwd ?? process.cwd() });

/**
 * Checks one recipe file (YAML, schema, inputs, outputs); throws a `RecipeValidationError` with every problem. A
 * recipe with several data rows makes several recipes: check it with `checkRecipeRows`.
 */
export async function checkRecipe(path: string, opts: CheckOptions = {}): Promise<Recipe> {
  return one(await checkRecipeRows(path, opts), path);
}

/** Checks one recipe file and returns one recipe per row of its data (one, without data); `runRecipes` runs them. */
export async function checkRecipeRows(path: string, opts: CheckOptions = {}): Promise<Recipe[]> {
  return (await api.checkOne(path, withCwd(opts))).recipes;
}

/** Checks a recipe given as an object (as a recipe file would hold it) or as YAML text, like `checkRecipe`. */
export async function checkRecipeObject(spec: RecipeSpec | string, opts: ObjectOptions = {}): Promise<Recipe> {
  return one((await api.checkRecipeObject(spec, withCwd(opts))).recipes, opts.file ?? 'the recipe');
}

function one(recipes: Recipe[], what: string): Recipe {
  if (recipes.length === 1) return recipes[0]!;
  throw new NemoError('E_USAGE', `${what} makes ${recipes.length} videos, one per data row`, { hint: 'check it with checkRecipeRows, which returns them all' });
}

/** Checks several recipe files; a bad one does not stop the others, its problems are in `problems`. */
export function checkRecipes(paths: string[], opts: CheckOptions = {}): Promise<api.CheckResult> {
  return api.checkRecipes(paths, withCwd(opts));
}

/** A plan with what its backend adds: for the local backend the timeline (`draft`) and per-instruction `notes`. */
export function describePlan(plan: Plan, opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<Plan & PlanDetails> {
  return api.describePlan(plan, { env: opts.env ?? process.env, signal: opts.signal ?? new AbortController().signal });
}

/**
 * Runs checked recipes together under one concurrency limit and resolves with one report per recipe, in order; a
 * failed recipe is a report with `status: 'failed'` and its `error`, not a rejection. Up-to-date outputs are not
 * made again (unless `force`).
 */
export function runRecipes(recipes: Recipe[], opts: RunOptions = {}): Promise<RecipeReport[]> {
  return api.runRecipes(recipes, {
    ...withCwd(opts),
    env: opts.env ?? process.env,
    concurrency: opts.concurrency ?? availableParallelism(),
  });
}

/** The recipe JSON Schema (2020-12), as `schemas/recipe.schema.json` in this package holds it. */
export function recipeSchema(): Record<string, unknown> {
  return readRecipeSchema();
}

/** The path of `schemas/recipe.schema.json` in this package, for editors' `$schema` modelines. */
export const recipeSchemaPath: string = fileURLToPath(new URL('../schemas/recipe.schema.json', import.meta.url));
