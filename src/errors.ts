/** Stable, greppable error codes (like undici's `UND_ERR_*`). */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_RECIPE_READ'
  | 'E_RECIPE_YAML'
  | 'E_RECIPE_SCHEMA'
  | 'E_RECIPE_INPUT'
  | 'E_RECIPE_INSTRUCTION'
  | 'E_RECIPE_VAR'
  | 'E_RECIPE_DATA'
  | 'E_PLAN'
  | 'E_MEDIA'
  | 'E_FFMPEG_MISSING'
  | 'E_FFMPEG_EXIT'
  | 'E_BACKEND_HTTP'
  | 'E_BACKEND_NETWORK'
  | 'E_BACKEND_PROTOCOL'
  | 'E_BACKEND_SESSION'
  | 'E_BACKEND_RENDER'
  | 'E_BACKEND_AUTH'
  | 'E_BACKEND_CREDITS'
  | 'E_BACKEND_PLAN_LIMIT'
  | 'E_BACKEND_TIMEOUT'
  | 'E_BACKEND_STREAM'
  | 'E_BACKEND_FILE'
  | 'E_OUTPUT'
  | 'E_LOCKED'
  | 'E_STATE'
  | 'E_IO'
  | 'E_INTERRUPTED'
  | 'E_STEP'
  | 'E_INTERNAL';

/** The exit codes the CLI documents in the README. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  invalid: 2,
  refused: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error meant for the user: a code, a message that says what is wrong, and a hint that says what to do. */
export class NemoError extends Error {
  readonly hint?: string;
  readonly exitCode: ExitCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    opts: { cause?: unknown; hint?: string; exitCode?: ExitCode } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'NemoError';
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.failed;
  }
}

/** A source position in a recipe file; line and column start at 1. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

/** One problem in a recipe, located in its source. */
export class RecipeError extends NemoError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly pos: SourcePos,
    opts: { hint?: string; sourceLine?: string; length?: number } = {},
  ) {
    super(code, message, { hint: opts.hint, exitCode: ExitCode.invalid });
    this.name = 'RecipeError';
    this.sourceLine = opts.sourceLine;
    this.length = opts.length ?? 1;
  }
  /** The text of the offending line, shown under the message. */
  readonly sourceLine?: string;
  /** How many characters to underline. */
  readonly length: number;
}

/** Every problem found in one or more recipes, reported at once. */
export class RecipeValidationError extends NemoError {
  constructor(readonly errors: RecipeError[]) {
    super(
      errors[0]?.code ?? 'E_RECIPE_SCHEMA',
      `${errors.length} problem${errors.length === 1 ? '' : 's'} in ${new Set(errors.map((e) => e.pos.file)).size > 1 ? 'the recipes' : errors[0]?.pos.file}`,
      { exitCode: ExitCode.invalid },
    );
    this.name = 'RecipeValidationError';
  }
}

/** The run was interrupted by a signal or an abort. */
export class InterruptedError extends NemoError {
  constructor(reason?: unknown) {
    super('E_INTERRUPTED', `interrupted${typeof reason === 'string' ? ` (${reason})` : ''}`, {
      exitCode: ExitCode.interrupted,
    });
    this.name = 'InterruptedError';
  }
}

/** Throws an InterruptedError when the signal has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError(signal.reason);
}

/** True for errors that stem from an abort rather than a failure. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (error instanceof InterruptedError) return true;
  if (signal?.aborted) return true;
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}
