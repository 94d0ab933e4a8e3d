import { checkRecipes, exitCodeOf, runRecipes } from '../../api.js';
import type { RunEvent } from '../../execute/events.js';
import { lineReporter } from '../../execute/reporters/lines.js';
import { listrReporter } from '../../execute/reporters/listr.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import { isInteractive, type Io } from '../io.js';
import { formatSummary, reportError } from '../report.js';

/** Options of `nemo-run run`. */
export interface RunFlags {
  backend?: BackendName;
  concurrency: number;
  json?: boolean;
  strict?: boolean;
}

/** `nemo-run run`: check, plan and execute recipes; one failure does not hide the others' results. */
export async function runCommand(paths: string[], flags: RunFlags, io: Io): Promise<number> {
  const { recipes, problems } = await checkRecipes(paths, { cwd: io.cwd, backend: flags.backend });
  for (const problem of problems) reportError(problem, io);

  // Progress: a task list on a terminal, plain lines elsewhere; stdout stays clean for --json.
  const interactive = isInteractive(io) && !flags.json && Boolean(io.stdout.isTTY);
  let onEvent: (event: RunEvent) => void = lineReporter((text) => (flags.json ? io.stderr : io.stdout).write(text), io.cwd);
  let listrDone: Promise<unknown> = Promise.resolve();
  const reports = await runRecipes(
    recipes,
    { ...flags, env: io.env, cwd: io.cwd, signal: io.signal, onEvent: (event) => onEvent(event) },
    (plans) => {
      if (!interactive) return;
      const listr = listrReporter(plans, io.cwd);
      onEvent = listr.onEvent;
      listrDone = listr.done;
    },
  );
  await listrDone;
  if (flags.json) io.stdout.write(`${JSON.stringify({ ok: reports.every((r) => r.status === 'ok') && !problems.length, recipes: reports }, null, 2)}\n`);
  else io.stdout.write(formatSummary(reports, io, interactive));
  return exitCodeOf(reports, problems);
}
