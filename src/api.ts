import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { glob, isDynamicPattern } from 'tinyglobby';
import { stringify } from 'yaml';
import { createBackend, type BackendOptions } from './backends/index.js';
import { posterPath, type PlanDetails } from './backends/backend.js';
import { findFfmpeg, runTool } from './backends/local/ffmpeg.js';
import { encoderShare } from './cores.js';
import { NemoError, ExitCode, RecipeValidationError, type RecipeError } from './errors.js';
import type { RecipeReport, RunEvent } from './execute/events.js';
import { errorInfo, executePlans } from './execute/executor.js';
import { fileJournal } from './execute/journal.js';
import { takeLock } from './execute/lock.js';
import { checkWritable, outputErrors } from './execute/outputs.js';
import { runFingerprint, upToDateOutput, writeStamp } from './execute/stamp.js';
import { displayPath } from './display.js';
import { ContentHashes } from './hash.js';
import { previewSettings } from './plan/export-settings.js';
import { strictErrors } from './plan/instructions/strict.js';
import { planRecipe } from './plan/planner.js';
import type { Plan } from './plan/plan.types.js';
import { checkRecipe, checkRecipeDoc } from './recipe/check.js';
import { parseRecipe } from './recipe/load.js';
import { unmatchedMedia } from './recipe/inputs.js';
import type { BackendName, Recipe, RecipeSpec } from './recipe/recipe.types.js';
import { createValidator, type SchemaValidator } from './recipe/validate.js';

/** A recipe that did not pass its checks. */
export interface Problem {
  file: string;
  error: NemoError;
}

/** Checked recipes, the problems of those that did not pass, and what passed but deserves a look. */
export interface CheckResult {
  recipes: Recipe[];
  problems: Problem[];
  /** Located, not fatal: words the interpreter cannot place (errors under `strict`), media a glob leaves out. */
  warnings: RecipeError[];
}

/** Options for checking recipes. */
export interface CheckOptions {
  cwd: string;
  backend?: BackendName;
  /** Words the interpreter cannot place, and requests the local backend cannot do, are errors (exit 2). */
  strict?: boolean;
  validator?: SchemaValidator;
}

/** Checks one recipe: the front end, then (with `strict`) its instructions as the plan reads them. */
export async function checkOne(path: string, opts: CheckOptions): Promise<{ recipe: Recipe; plan: Plan }> {
  return planChecked(await checkRecipe(path, opts), opts);
}

/** The checks that need the plan: where the output goes (after instructions changed its shape), and `strict`. */
function planChecked(recipe: Recipe, opts: CheckOptions): { recipe: Recipe; plan: Plan } {
  const plan = planRecipe(recipe, opts.backend);
  const errors = [...outputErrors(recipe, plan.export), ...(opts.strict && plan.notes ? strictErrors(recipe, plan.notes) : [])];
  if (errors.length) throw new RecipeValidationError(errors);
  return { recipe, plan };
}

/**
 * Checks several recipes with one compiled validator; a bad one does not stop the others. Two recipes that would
 * write the same output (after instructions changed its shape) are a problem of the second.
 */
export async function checkRecipes(paths: string[], opts: CheckOptions): Promise<CheckResult> {
  const validator = opts.validator ?? createValidator();
  const settled = await Promise.allSettled(paths.map((path) => checkOne(path, { ...opts, validator })));
  const result: CheckResult = { recipes: [], problems: [], warnings: [] };
  const outputs = new Map<string, Plan>();
  settled.forEach((outcome, i) => {
    if (outcome.status === 'rejected') {
      if (!(outcome.reason instanceof NemoError)) throw outcome.reason;
      return void result.problems.push({ file: paths[i]!, error: outcome.reason });
    }
    const { recipe, plan } = outcome.value;
    const first = outputs.get(plan.export.output);
    if (first) return void result.problems.push({ file: paths[i]!, error: clashError(plan, first) });
    outputs.set(plan.export.output, plan);
    result.recipes.push(recipe);
    if (!opts.strict && plan.notes) result.warnings.push(...strictErrors(recipe, plan.notes));
  });
  result.warnings.push(...(await Promise.all(result.recipes.map(unmatchedMedia))).flat());
  return result;
}

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

/** A share of the recipes for one of `count` CI jobs: every `count`-th recipe, starting at `index` (1-based). */
export function shard<T>(items: T[], index: number, count: number): T[] {
  return items.filter((_, i) => i % count === index - 1);
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
  /** Checked before a watch run: words the interpreter cannot place are errors. */
  strict?: boolean;
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
  const fingerprints = new Map<Plan, string>();
  const releases: (() => Promise<void>)[] = [];
  try {
    const decided = await Promise.all(
      plans.map(async (plan, i): Promise<RecipeReport | undefined> => {
        const clash = plans.findIndex((other) => other.export.output === plan.export.output);
        if (clash !== i) return failedReport(plan, clashError(plan, plans[clash]!));
        try {
          // Before anything is read or written: the lock, then whether the inputs are still there and the output can be written.
          releases.push(await takeLock(plan));
          fingerprints.set(plan, await runFingerprint(plan, hashes).catch((error) => Promise.reject(inputGone(error))));
          await checkWritable(plan.export.output);
        } catch (error) {
          if (error instanceof NemoError) return failedReport(plan, error);
          throw error;
        }
        const current = opts.force ? undefined : await upToDateOutput(plan, fingerprints.get(plan)!);
        return current ? { ...emptyReport(plan), status: 'ok', output: current, upToDate: true } : undefined;
      }),
    );
    for (const report of decided) if (report) emit({ type: 'recipe:done', report });

    const toRun = plans.filter((_, i) => !decided[i]);
    onPlans?.(toRun);
    // One pool of encoders for every render of the run, so parallel recipes do not oversubscribe the cores or memory.
    const encoders = pLimit(encoderShare().encoders);
    const jobs = toRun.map((plan) => ({ plan, backend: createBackend(plan.backend, { ...opts, hashes, encoders }) }));
    const journal = fileJournal((plan) => fingerprints.get(plan)!);
    const ran = await executePlans(jobs, { concurrency: opts.concurrency, signal: opts.signal, onEvent: emit, journal });
    await Promise.all(
      ran.map(async (report, i) => {
        if (report.status === 'ok' && report.output) await writeStamp(toRun[i]!, fingerprints.get(toRun[i]!)!, report.output).catch(() => {});
      }),
    );
    let next = 0;
    return await Promise.all(decided.map((report) => report ?? ran[next++]!).map((report) => withOutputFacts(report, opts.env)));
  } finally {
    await Promise.all(releases.map((release) => release().catch(() => {})));
  }
}

/** A made (or up-to-date) output's poster, size and length, for the summary and `--json`; what cannot be read is left out. */
async function withOutputFacts(report: RecipeReport, env: NodeJS.ProcessEnv): Promise<RecipeReport> {
  if (report.status !== 'ok' || !report.output) return report;
  const bytes = (await stat(report.output).catch(() => undefined))?.size;
  const poster = posterPath(report.output);
  const hasPoster = await stat(poster).then((s) => s.isFile(), () => false);
  const probed = await Promise.resolve()
    .then(() => runTool(findFfmpeg(env).ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', report.output!]))
    .then(({ stdout }) => Math.round(Number(stdout.trim()) * 1000), () => NaN);
  return { ...report, ...(hasPoster ? { poster } : {}), ...(bytes !== undefined ? { bytes } : {}), ...(Number.isFinite(probed) ? { durationMs: probed } : {}) };
}

/** An input removed or renamed between the recipe's check and its run (watch mode sees this). */
function inputGone(error: unknown): unknown {
  const { code, path } = error as NodeJS.ErrnoException;
  if (code !== 'ENOENT') return error;
  return new NemoError('E_RECIPE_INPUT', `input ${path} was removed or renamed after the recipe was checked`, {
    hint: 'put it back, or change the recipe\'s inputs',
  });
}

function emptyReport(plan: Plan): RecipeReport {
  return { recipe: plan.recipe, file: plan.file, backend: plan.backend, status: 'ok', ms: 0, steps: [], warnings: [] };
}

function clashError(plan: Plan, first: Plan): NemoError {
  return new NemoError('E_USAGE', `${plan.file} writes the same output as ${first.file} (${plan.export.output})`, {
    exitCode: ExitCode.invalid,
    hint: 'give one of them another export.output (instructions that change the shape change ${aspect}, ${width} and ${height})',
  });
}

function failedReport(plan: Plan, error: NemoError): RecipeReport {
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
export async function checkRecipeObject(spec: RecipeSpec | string, opts: ObjectCheckOptions): Promise<{ recipe: Recipe; plan: Plan }> {
  const dir = resolve(opts.cwd, opts.dir ?? '.');
  const named = typeof spec === 'object' && spec !== null && typeof spec.name === 'string' ? spec.name : 'recipe';
  const absolute = resolve(dir, opts.file ?? `${named}.yaml`);
  const doc = parseRecipe(displayPath(absolute, opts.cwd), typeof spec === 'string' ? spec : stringify(spec));
  return planChecked(await checkRecipeDoc(doc, absolute, opts), opts);
}
