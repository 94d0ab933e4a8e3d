import { resolve } from 'node:path';
import { checkRecipes, exitCodeOf, findRecipes, runRecipes, shard } from '../../api.js';
import { writeFileAtomic } from '../../atomic.js';
import type { RecipeReport, RunEvent } from '../../execute/events.js';
import { junitXml } from '../../execute/reporters/junit.js';
import { lineReporter } from '../../execute/reporters/lines.js';
import { listrReporter } from '../../execute/reporters/listr.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import { isInteractive, type Io } from '../io.js';
import { formatSummary, reportError, runAnnotations } from '../report.js';

/** Options of `nemo-run run`. */
export interface RunFlags {
  backend?: BackendName;
  concurrency: number;
  json?: boolean;
  strict?: boolean;
  force?: boolean;
  preview?: boolean;
  shard?: { index: number; count: number };
  reporter?: 'json' | 'junit';
  reportFile?: string;
}

/** `nemo-run run`: check, plan and execute recipes; one failure does not hide the others' results. */
export async function runCommand(args: string[], flags: RunFlags, io: Io): Promise<number> {
  const found = await findRecipes(args, io.cwd);
  const paths = flags.shard ? shard(found, flags.shard.index, flags.shard.count) : found;
  if (flags.shard) io.stderr.write(`shard ${flags.shard.index}/${flags.shard.count}: ${paths.length} of ${found.length} recipes\n`);
  const { recipes, problems } = await checkRecipes(paths, { cwd: io.cwd, backend: flags.backend, strict: flags.strict });
  for (const problem of problems) reportError(problem.error, io);

  // Progress: a task list on a terminal, plain lines elsewhere; stdout stays clean for --json.
  const interactive = isInteractive(io) && !flags.json && Boolean(io.stdout.isTTY);
  let onEvent: (event: RunEvent) => void = lineReporter((text) => (flags.json ? io.stderr : io.stdout).write(text), io.cwd);
  let listrDone: Promise<unknown> = Promise.resolve();
  const reports = await runRecipes(
    recipes,
    { ...flags, env: io.env, cwd: io.cwd, signal: io.signal, onEvent: (event) => onEvent(event) },
    (plans) => {
      if (!interactive || !plans.length) return;
      const listr = listrReporter(plans, io.cwd);
      onEvent = listr.onEvent;
      listrDone = listr.done;
    },
  );
  await listrDone;
  const ok = reports.every((r) => r.status === 'ok') && !problems.length;
  if (flags.json) io.stdout.write(`${JSON.stringify({ ok, recipes: reports }, null, 2)}\n`);
  else io.stdout.write(formatSummary(reports, io, interactive));
  if (io.env.GITHUB_ACTIONS === 'true') io.stderr.write(runAnnotations(reports));
  if (flags.reporter) await writeReport(flags, reports, problems.map((p) => ({ file: p.file, code: p.error.code, message: p.error.message })), ok, io);
  return exitCodeOf(reports, problems);
}

/** Writes the `--reporter` report to `--report-file` (atomically), or to stdout without one. */
async function writeReport(flags: RunFlags, reports: RecipeReport[], invalid: Parameters<typeof junitXml>[1], ok: boolean, io: Io) {
  const text = flags.reporter === 'junit' ? junitXml(reports, invalid) : `${JSON.stringify({ ok, recipes: reports, invalid }, null, 2)}\n`;
  if (!flags.reportFile) return void io.stdout.write(text);
  await writeFileAtomic(resolve(io.cwd, flags.reportFile), text);
}
