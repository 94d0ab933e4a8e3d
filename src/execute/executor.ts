import pLimit, { type LimitFunction } from 'p-limit';
import type { Backend, StepContext } from '../backends/backend.js';
import { NemoError, isAbort } from '../errors.js';
import type { Plan, Step, StepRef } from '../plan/plan.types.js';
import type { ErrorInfo, RecipeReport, RunEvent, StepReport } from './events.js';
import type { Journal } from './journal.js';

/** A plan and the backend that runs it. */
export interface Job {
  plan: Plan;
  backend: Backend;
}

/** How to execute. */
export interface ExecuteOptions {
  /** The most steps running at once, across all jobs. */
  concurrency: number;
  /** Aborting it cancels every job: running steps see their own signal abort. */
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Keeps finished resumable steps, so an interrupted run resumes instead of starting over. */
  journal?: Journal;
}

/**
 * Runs every job's steps as soon as their dependencies are done, never more than `concurrency` at once.
 * A failing job cancels its own remaining steps only; the others run on. Never throws for a step's failure.
 */
export async function executePlans(jobs: Job[], opts: ExecuteOptions): Promise<RecipeReport[]> {
  const limit = pLimit(Math.max(1, Math.floor(opts.concurrency)));
  return Promise.all(jobs.map((job) => runJob(job, limit, opts)));
}

async function runJob({ plan, backend }: Job, limit: LimitFunction, opts: ExecuteOptions): Promise<RecipeReport> {
  const emit = opts.onEvent ?? (() => {});
  const started = performance.now();
  const controller = new AbortController();
  const abortAll = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) abortAll();
  opts.signal?.addEventListener('abort', abortAll, { once: true });

  const results = new Map<string, unknown>();
  const reports = new Map<string, StepReport>(plan.steps.map((s) => [s.id, { id: s.id, kind: s.kind, status: 'pending' }]));
  const warnings: string[] = [];
  const made: { video?: string; poster?: string; durationMs?: number } = {};
  let failure: ErrorInfo | undefined;
  const recipe = plan.recipe;
  const journal = opts.journal;
  const resumable = (step: Step) => Boolean(journal && backend.resumable?.(step));
  const earlier = journal ? await journal.load(plan) : new Map<string, unknown>();
  emit({ type: 'recipe:start', recipe, file: plan.file, steps: plan.steps });

  const runStep = async (step: Step, report: StepReport) => {
    if (earlier.has(step.id) && resumable(step)) {
      results.set(step.id, earlier.get(step.id));
      report.status = 'done';
      report.resumed = true;
      emit({ type: 'step:done', recipe, step, ms: 0, resumed: true });
      return;
    }
    if (controller.signal.aborted) {
      report.status = 'cancelled';
      emit({ type: 'step:skip', recipe, step, status: 'cancelled' });
      return;
    }
    report.status = 'running';
    emit({ type: 'step:start', recipe, step });
    const t0 = performance.now();
    const ctx: StepContext = {
      plan,
      signal: controller.signal,
      get: <T>(ref: StepRef<T>): T => {
        if (!results.has(ref.id)) throw new NemoError('E_PLAN', `step ${step.id} needs the result of ${ref.id}, which has none`);
        return results.get(ref.id) as T;
      },
      produced: (files) => Object.assign(made, files),
      progress: (fraction, detail) =>
        emit({ type: 'step:progress', recipe, step, fraction: Math.min(1, Math.max(0, fraction)), detail }),
      log: (message, level = 'info') => {
        if (level === 'warn') warnings.push(message);
        emit({ type: 'log', recipe, step, level, message });
      },
      // Checkpoints are the backend's own choice of what to keep, so every step may write one.
      saved: earlier.get(`${step.id}#checkpoint`),
      checkpoint: async (value) => {
        await journal?.record(plan, `${step.id}#checkpoint`, value);
      },
      amend: async ({ id }, result) => {
        results.set(id, result);
        const amended = plan.steps.find((s) => s.id === id);
        if (amended && resumable(amended)) await journal!.record(plan, id, result);
      },
    };
    try {
      const result = await backend.runStep(step, ctx);
      results.set(step.id, result);
      if (resumable(step)) await journal!.record(plan, step.id, result);
      report.status = 'done';
      report.ms = Math.round(performance.now() - t0);
      emit({ type: 'step:done', recipe, step, ms: report.ms });
    } catch (error) {
      report.ms = Math.round(performance.now() - t0);
      if (controller.signal.aborted && isAbort(error, controller.signal)) {
        report.status = 'cancelled';
        emit({ type: 'step:skip', recipe, step, status: 'cancelled' });
        return;
      }
      report.status = 'failed';
      report.error = errorInfo(error);
      failure ??= report.error;
      emit({ type: 'step:fail', recipe, step, error: report.error });
      controller.abort(new NemoError('E_STEP', `step ${step.id} failed`));
    }
  };

  // Steps are listed after their dependencies, so each one's predecessors are already scheduled.
  const scheduled = new Map<string, Promise<void>>();
  for (const step of plan.steps) {
    const deps = step.after.map((id) => {
      const dep = scheduled.get(id);
      if (!dep) throw new NemoError('E_PLAN', `step ${step.id} depends on ${id}, which is not before it in the plan`);
      return dep;
    });
    const report = reports.get(step.id)!;
    scheduled.set(
      step.id,
      Promise.all(deps).then(async () => {
        if (step.after.some((id) => reports.get(id)!.status !== 'done')) {
          report.status = controller.signal.aborted ? 'cancelled' : 'skipped';
          emit({ type: 'step:skip', recipe, step, status: report.status });
          return;
        }
        await limit(() => runStep(step, report));
      }),
    );
  }
  await Promise.all(scheduled.values());
  opts.signal?.removeEventListener('abort', abortAll);
  await backend.close?.().catch(() => {});

  const cancelled = opts.signal?.aborted === true;
  if (!cancelled && !failure) await journal?.clear(plan);
  const report: RecipeReport = {
    recipe,
    file: plan.file,
    backend: plan.backend,
    status: cancelled ? 'cancelled' : failure ? 'failed' : 'ok',
    output: made.video ?? plan.export.output,
    ...(made.poster ? { poster: made.poster } : {}),
    ...(made.durationMs !== undefined ? { durationMs: made.durationMs } : {}),
    ms: Math.round(performance.now() - started),
    error: cancelled ? { code: 'E_INTERRUPTED', message: 'interrupted', exitCode: 130 } : failure,
    steps: [...reports.values()],
    warnings,
  };
  emit({ type: 'recipe:done', report });
  return report;
}

/**
 * What a report may say about an error: code, message and hint. A failure of the system (disk full, no permission)
 * names its path and what to do; anything else that is not a NemoError is a bug, reported with its stack.
 */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof NemoError) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
  const system = error as NodeJS.ErrnoException;
  if (typeof system?.code === 'string' && typeof system.syscall === 'string') {
    const where = system.path ? ` ${system.path}` : '';
    return { code: 'E_IO', message: `${system.syscall}${where} failed: ${SYSTEM_ERRORS[system.code] ?? system.code}`, hint: SYSTEM_HINTS[system.code], exitCode: 1 };
  }
  return {
    code: 'E_INTERNAL',
    message: `internal error: ${error instanceof Error ? error.message : String(error)}`,
    hint: 'this is a bug in nemo-run: please report it with this message and the stack printed below it',
    stack: error instanceof Error ? error.stack : undefined,
    exitCode: 1,
  };
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: 'the disk is full (ENOSPC)',
  EDQUOT: 'the disk quota is used up (EDQUOT)',
  EACCES: 'permission denied (EACCES)',
  EPERM: 'operation not permitted (EPERM)',
  EROFS: 'the file system is read-only (EROFS)',
  EMFILE: 'too many open files (EMFILE)',
  ENOENT: 'no such file or folder (ENOENT)',
};
const SYSTEM_HINTS: Record<string, string> = {
  ENOSPC: 'free some space on that disk (or write the output elsewhere) and run again; finished work is kept',
  EDQUOT: 'free some space within your quota and run again',
  EACCES: 'check the permissions of that path, or choose another export.output',
  EPERM: 'check the permissions of that path, or choose another export.output',
  EROFS: 'write the output to a writable folder (export.output takes absolute paths)',
  EMFILE: 'raise the open-file limit (`ulimit -n 4096`) or lower --concurrency',
};
