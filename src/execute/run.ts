import { stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { createBackend } from '../backends/index.js';
import { posterPath, SharedWork, type BackendOptions } from '../backends/backend.js';
import { findFfmpeg, runTool } from '../backends/local/ffmpeg.js';
import { encoderShare } from '../cores.js';
import { ExitCode, NemoError } from '../errors.js';
import { ContentHashes } from '../hash.js';
import type { Plan } from '../plan/plan.types.js';
import type { BackendName } from '../recipe/recipe.types.js';
import type { RecipeReport, RunEvent } from './events.js';
import { errorInfo, executePlans } from './executor.js';
import { fileJournal } from './journal.js';
import { takeLock } from './lock.js';
import { checkWritable } from './outputs.js';
import { runFingerprint, upToDateOutput, writeStamp } from './stamp.js';

/** Options for running plans. */
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
 * Executes plans together under one concurrency limit. Outputs that are up to date (same recipe, same inputs by
 * content, same tool version) are reported as such and not made again. Plans of one run share a pool of encoders and
 * the work they have in common (a variant's probes and sound are its main video's).
 */
export async function runPlans(plans: Plan[], opts: RunOptions): Promise<RecipeReport[]> {
  const emit = opts.onEvent ?? (() => {});
  const hashes = opts.hashes ?? new ContentHashes();
  const fingerprints = new Map<Plan, string>();
  const releases: (() => Promise<void>)[] = [];
  try {
    const decided = await Promise.all(
      plans.map(async (plan, i): Promise<RecipeReport | undefined> => {
        const clash = plans.findIndex((other) => other.export.output === plan.export.output);
        if (clash !== i) return failedReport(plan, clashError(plan, plans[clash]!));
        try {
          // Before anything is read or written: the lock, then whether the inputs are still there and the output can be written.
          releases.push(await takeLock(plan, opts.env));
          fingerprints.set(plan, await runFingerprint(plan, hashes).catch((error) => Promise.reject(inputGone(error))));
          await checkWritable(plan.export.output);
        } catch (error) {
          if (error instanceof NemoError) return failedReport(plan, error);
          throw error;
        }
        const current = opts.force ? undefined : await upToDateOutput(plan, fingerprints.get(plan)!, opts.env);
        return current ? { ...emptyReport(plan), status: 'ok', output: current, upToDate: true } : undefined;
      }),
    );
    for (const report of decided) if (report) emit({ type: 'recipe:done', report });

    const toRun = plans.filter((_, i) => !decided[i]);
    // One pool of encoders for every render of the run, so parallel recipes do not oversubscribe the cores or memory.
    const shared = { ...opts, hashes, encoders: pLimit(encoderShare().encoders), work: new SharedWork() };
    const jobs = toRun.map((plan) => ({ plan, backend: createBackend(plan.backend, shared) }));
    const journal = fileJournal((plan) => fingerprints.get(plan)!, opts.env);
    const ran = await executePlans(jobs, { concurrency: opts.concurrency, signal: opts.signal, onEvent: emit, journal });
    await Promise.all(
      ran.map(async (report, i) => {
        if (report.status === 'ok' && report.output) await writeStamp(toRun[i]!, fingerprints.get(toRun[i]!)!, report.output, opts.env).catch(() => {});
      }),
    );
    let next = 0;
    // A few probes at a time: a batch of a thousand up-to-date rows does not start a thousand ffprobes at once.
    const probes = pLimit(4);
    return await Promise.all(decided.map((report) => report ?? ran[next++]!).map((report) => probes(() => withOutputFacts(report, opts.env))));
  } finally {
    await Promise.all(releases.map((release) => release().catch(() => {})));
  }
}

/** A made (or up-to-date) output's poster, size and length, for the summary and `--json`; what cannot be read is left out. */
async function withOutputFacts(report: RecipeReport, env: NodeJS.ProcessEnv): Promise<RecipeReport> {
  if (report.status !== 'ok' || !report.output) return report;
  const bytes = (await stat(report.output).catch(() => undefined))?.size;
  const poster = report.poster ?? posterPath(report.output);
  const hasPoster = await stat(poster).then((s) => s.isFile(), () => false);
  // A video made in this run comes with its checked length; one that was up to date is measured.
  const probed =
    report.durationMs ??
    (await Promise.resolve()
      .then(() => runTool(findFfmpeg(env).ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', report.output!]))
      .then(({ stdout }) => Math.round(Number(stdout.trim()) * 1000), () => NaN));
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

/** Two plans that would write the same file: the second is refused. */
export function clashError(plan: Plan, first: Plan): NemoError {
  const who = (p: Plan) => (p.file !== plan.file || p.file !== first.file ? p.file : p.row ? `${p.recipe} (row ${p.row.number}, ${p.row.file}:${p.row.line})` : p.recipe);
  return new NemoError('E_USAGE', `${who(plan)} writes the same output as ${who(first)} (${plan.export.output})`, {
    exitCode: ExitCode.invalid,
    hint: 'give one of them another export.output: ${aspect}, ${width}, ${height}, ${row} and ${row.column} tell outputs apart',
  });
}

function failedReport(plan: Plan, error: NemoError): RecipeReport {
  return { ...emptyReport(plan), status: 'failed', error: errorInfo(error) };
}

/** The exit code for a run: interrupted beats invalid, invalid beats refused, refused beats failed. */
export function exitCodeOf(reports: RecipeReport[], problems: { error: NemoError }[]): number {
  const codes = [...problems.map((p) => p.error.exitCode), ...reports.map((r) => (r.status === 'ok' ? 0 : (r.error?.exitCode ?? 1)))];
  for (const code of [ExitCode.interrupted, ExitCode.invalid, ExitCode.refused, ExitCode.failed]) {
    if (codes.includes(code)) return code;
  }
  return codes.some((c) => c !== 0) ? ExitCode.failed : ExitCode.ok;
}
