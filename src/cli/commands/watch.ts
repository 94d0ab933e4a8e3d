import { findRecipes } from '../../api.js';
import { ExitCode } from '../../errors.js';
import { lineReporter } from '../../execute/reporters/lines.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import { watchRecipes } from '../../watch/watch.js';
import { styler, type Io } from '../io.js';
import { reportError, skipped } from '../report.js';

/** Options of `nemo-run watch` (and `run --watch`). */
export interface WatchFlags {
  backend?: BackendName;
  concurrency: number;
  strict?: boolean;
  preview?: boolean;
  set?: Record<string, string>;
  data?: string;
}

/** `nemo-run watch`: runs, then re-runs on every change, until Ctrl-C. */
export async function watchCommand(args: string[], flags: WatchFlags, io: Io): Promise<number> {
  const paths = await findRecipes(args, io.cwd, skipped(io));
  const signal = io.signal ?? new AbortController().signal;
  const style = styler(io, 'stdout');
  const say = (text: string) => io.stdout.write(`${text}\n`);
  await watchRecipes(
    paths,
    { ...flags, env: io.env, cwd: io.cwd, signal, onEvent: lineReporter((text) => io.stdout.write(text), io.cwd) },
    {
      onInvalid: (file, error) => {
        reportError(error, io);
        say(style.yellow(`${file}: waiting for a valid save`));
      },
      onRestart: (file) => say(style.yellow(`${file}: changed during the run; cancelling it and starting again`)),
      // A cancelled run is followed by the one that replaces it; the status line waits for that one.
      onRun: (report, status) => say(report.status === 'cancelled' ? style.yellow(`${report.recipe}: run cancelled`) : style.dim(status)),
    },
  );
  say('stopped watching');
  return ExitCode.interrupted;
}
