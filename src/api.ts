import { createBackend, type BackendOptions } from './backends/index.js';
import type { PlanDetails } from './backends/backend.js';
import { NemoError, ExitCode } from './errors.js';
import type { RecipeReport, RunEvent } from './execute/events.js';
import { executePlans } from './execute/executor.js';
import { fileJournal } from './execute/journal.js';
import { planRecipe } from './plan/planner.js';
import type { Plan } from './plan/plan.types.js';
import { checkRecipe } from './recipe/check.js';
import type { BackendName, Recipe } from './recipe/recipe.types.js';
import { createValidator } from './recipe/validate.js';

/** Checked recipes, and the problems of those that did not pass. */
export interface CheckResult {
  recipes: Recipe[];
  problems: NemoError[];
}

/** Checks several recipes with one compiled validator; a bad one does not stop the others. */
export async function checkRecipes(paths: string[], opts: { cwd: string; backend?: BackendName }): Promise<CheckResult> {
  const validator = createValidator();
  const settled = await Promise.allSettled(paths.map((path) => checkRecipe(path, { ...opts, validator })));
  const result: CheckResult = { recipes: [], problems: [] };
  for (const outcome of settled) {
    if (outcome.status === 'fulfilled') result.recipes.push(outcome.value);
    else if (outcome.reason instanceof NemoError) result.problems.push(outcome.reason);
    else throw outcome.reason;
  }
  return result;
}

/** A plan with what its backend adds (the local backend: the draft, notes and any shape change). */
export async function describePlan(plan: Plan, opts: BackendOptions & { signal: AbortSignal }): Promise<Plan & PlanDetails> {
  const backend = createBackend(plan.backend, opts);
  try {
    const details = (await backend.describe?.(plan, { signal: opts.signal })) ?? {};
    return { ...plan, ...details, export: details.export ?? plan.export };
  } finally {
    await backend.close?.();
  }
}

/** Options for running recipes. */
export interface RunOptions extends BackendOptions {
  cwd: string;
  backend?: BackendName;
  concurrency: number;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

/** Plans each recipe for its backend and executes them together under one concurrency limit. */
export async function runRecipes(recipes: Recipe[], opts: RunOptions, onPlans?: (plans: Plan[]) => void): Promise<RecipeReport[]> {
  const plans = recipes.map((recipe) => planRecipe(recipe, opts.backend));
  onPlans?.(plans);
  const jobs = plans.map((plan) => ({ plan, backend: createBackend(plan.backend, opts) }));
  return executePlans(jobs, { concurrency: opts.concurrency, signal: opts.signal, onEvent: opts.onEvent, journal: fileJournal() });
}

/** The exit code for a run: interrupted beats invalid, invalid beats refused, refused beats failed. */
export function exitCodeOf(reports: RecipeReport[], problems: NemoError[]): number {
  const codes = [...problems.map((p) => p.exitCode), ...reports.map((r) => (r.status === 'ok' ? 0 : (r.error?.exitCode ?? 1)))];
  for (const code of [ExitCode.interrupted, ExitCode.invalid, ExitCode.refused, ExitCode.failed]) {
    if (codes.includes(code)) return code;
  }
  return codes.some((c) => c !== 0) ? ExitCode.failed : ExitCode.ok;
}
