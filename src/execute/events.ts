import type { Step } from '../plan/plan.types.js';

/** What happened to a step. */
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';

/** A problem as reports show it: never a secret, and a stack only for a bug (E_INTERNAL). */
export interface ErrorInfo {
  code: string;
  message: string;
  hint?: string;
  /** Where a bug happened, for its report. */
  stack?: string;
  /** The exit code this error asks for (see README). */
  exitCode: number;
}

/** Everything the executor tells reporters, in order. */
export type RunEvent =
  | { type: 'recipe:start'; recipe: string; file: string; steps: Step[] }
  | { type: 'recipe:done'; report: RecipeReport }
  | { type: 'step:start'; recipe: string; step: Step }
  | { type: 'step:progress'; recipe: string; step: Step; fraction: number; detail?: string }
  | { type: 'step:done'; recipe: string; step: Step; ms: number; resumed?: boolean }
  | { type: 'step:fail'; recipe: string; step: Step; error: ErrorInfo }
  | { type: 'step:skip'; recipe: string; step: Step; status: 'cancelled' | 'skipped' }
  | { type: 'log'; recipe: string; step?: Step; level: 'info' | 'warn'; message: string };

/** One step's outcome. */
export interface StepReport {
  id: string;
  kind: string;
  status: StepStatus;
  /** Taken from the journal of an earlier, interrupted run. */
  resumed?: boolean;
  ms?: number;
  error?: ErrorInfo;
}

/** One recipe's outcome; `--json` prints a list of these. */
export interface RecipeReport {
  recipe: string;
  file: string;
  backend: string;
  status: 'ok' | 'failed' | 'cancelled';
  /** Nothing it is made from changed since the output was written, so it was not made again. */
  upToDate?: boolean;
  output?: string;
  /** The poster image beside the output, when one was made. */
  poster?: string;
  /** The output's size in bytes and its length, when it was made (or is up to date). */
  bytes?: number;
  durationMs?: number;
  ms: number;
  error?: ErrorInfo;
  steps: StepReport[];
  warnings: string[];
}
