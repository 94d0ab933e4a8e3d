import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { glob, isDynamicPattern } from 'tinyglobby';
import { createBackend, type BackendOptions } from './backends/index.js';
import type { PlanDetails } from './backends/backend.js';
import { NemoError, ExitCode } from './errors.js';
import type { RecipeReport, RunEvent } from './execute/events.js';
import { errorInfo, executePlans } from './execute/executor.js';
import { fileJournal } from './execute/journal.js';
import { outputFingerprint, upToDateOutput, writeStamp } from './execute/stamp.js';
import { ContentHashes } from './hash.js';
import { previewSettings } from './plan/export-settings.js';
import { planRecipe } from './plan/planner.js';
import type { Plan } from './plan/plan.types.js';
import { checkRecipe } from './recipe/check.js';
import type { BackendName, Recipe } from './recipe/recipe.types.js';
import { createValidator } from './recipe/validate.js';

/** A recipe that did not pass its checks. */
export interface Problem {
  file: string;
  error: NemoError;
}

/** Checked recipes, and the problems of those that did not pass. */
export interface CheckResult {
  recipes: Recipe[];
  problems: Problem[];
}

/** Checks several recipes with one compiled validator; a bad one does not stop the others. */
export async function checkRecipes(paths: string[], opts: { cwd: string; backend?: BackendName }): Promise<CheckResult> {
  const validator = createValidator();
  const settled = await Promise.allSettled(paths.map((path) => checkRecipe(path, { ...opts, validator })));
  const result: CheckResult = { recipes: [], problems: [] };
  settled.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') result.recipes.push(outcome.value);
    else if (outcome.reason instanceof NemoError) result.problems.push({ file: paths[i]!, error: outcome.reason });
    else throw outcome.reason;
  });
  return result;
}

/**
 * Turns arguments into recipe files: a folder stands for the `*.yaml`/`*.yml` files in it and a glob for its matches
 * (both sorted by name, so sharding is deterministic), anything else for itself. Order is kept, duplicates dropped.
 */
export async function findRecipes(args: string[], cwd: string): Promise<string[]> {
  const found = await Promise.all(
    args.map(async (arg) => {
      if (isDynamicPattern(arg)) return (await glob(arg, { cwd, onlyFiles: true })).sort();
      const info = await stat(resolve(cwd, arg)).catch(() => undefined);
      if (!info?.isDirectory()) return [arg];
      return (await glob('*.{yaml,yml}', { cwd: resolve(cwd, arg), onlyFiles: true })).sort().map((f) => join(arg, f));
    }),
  );
  return [...new Set(found.flat())];
}

/** A share of the recipes for one of `count` CI jobs: every `count`-th recipe, starting at `index` (1-based). */
export function shard<T>(items: T[], index: number, count: number): T[] {
  return items.filter((_, i) => i % count === index - 1);
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
  /** Render even when the output is up to date. */
  force?: boolean;
  /** Small, fast renders to `*.preview.*` outputs. */
  preview?: boolean;
}

/**
 * Plans each recipe for its backend and executes them together under one concurrency limit. Outputs that are up to
 * date (same recipe, same inputs by content, same tool version) are reported as such and not made again.
 */
export async function runRecipes(recipes: Recipe[], opts: RunOptions, onPlans?: (plans: Plan[]) => void): Promise<RecipeReport[]> {
  const emit = opts.onEvent ?? (() => {});
  const hashes = opts.hashes ?? new ContentHashes();
  const plans = recipes.map((recipe) => {
    const plan = planRecipe(recipe, opts.backend);
    return opts.preview ? { ...plan, export: previewSettings(plan.export, plan.recipe, plan.dir) } : plan;
  });
  const fingerprints = await Promise.all(plans.map((plan) => outputFingerprint(plan, hashes)));
  const decided = await Promise.all(
    plans.map(async (plan, i): Promise<RecipeReport | undefined> => {
      const clash = plans.findIndex((other) => other.export.output === plan.export.output);
      if (clash !== i) return clashReport(plan, plans[clash]!);
      const current = opts.force ? undefined : await upToDateOutput(plan, fingerprints[i]!);
      return current ? { ...emptyReport(plan), status: 'ok', output: current, upToDate: true } : undefined;
    }),
  );
  for (const report of decided) if (report) emit({ type: 'recipe:done', report });

  const toRun = plans.filter((_, i) => !decided[i]);
  onPlans?.(toRun);
  // One pool of ffmpeg slots for every render of the run, so parallel recipes do not oversubscribe the cores.
  const encoders = pLimit(availableParallelism());
  const jobs = toRun.map((plan) => ({ plan, backend: createBackend(plan.backend, { ...opts, hashes, encoders }) }));
  const ran = await executePlans(jobs, { concurrency: opts.concurrency, signal: opts.signal, onEvent: emit, journal: fileJournal() });
  await Promise.all(
    ran.map(async (report, i) => {
      if (report.status !== 'ok' || !report.output) return;
      const plan = toRun[i]!;
      await writeStamp(plan, fingerprints[plans.indexOf(plan)]!, report.output).catch(() => {});
    }),
  );
  let next = 0;
  return decided.map((report) => report ?? ran[next++]!);
}

function emptyReport(plan: Plan): RecipeReport {
  return { recipe: plan.recipe, file: plan.file, backend: plan.backend, status: 'ok', ms: 0, steps: [], warnings: [] };
}

function clashReport(plan: Plan, first: Plan): RecipeReport {
  const error = new NemoError('E_USAGE', `${plan.file} writes the same output as ${first.file} (${plan.export.output})`, {
    exitCode: ExitCode.invalid,
    hint: 'give one of them another export.output',
  });
  return { ...emptyReport(plan), status: 'failed', error: errorInfo(error) };
}

/** The exit code for a run: interrupted beats invalid, invalid beats refused, refused beats failed. */
export function exitCodeOf(reports: RecipeReport[], problems: Problem[]): number {
  const codes = [...problems.map((p) => p.error.exitCode), ...reports.map((r) => (r.status === 'ok' ? 0 : (r.error?.exitCode ?? 1)))];
  for (const code of [ExitCode.interrupted, ExitCode.invalid, ExitCode.refused, ExitCode.failed]) {
    if (codes.includes(code)) return code;
  }
  return codes.some((c) => c !== 0) ? ExitCode.failed : ExitCode.ok;
}
