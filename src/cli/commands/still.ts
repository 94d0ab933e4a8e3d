import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { checkRecipes, exitCodeOf, findRecipes, planAll, runRecipes } from '../../api.js';
import { findFfmpeg, runTool } from '../../backends/local/ffmpeg.js';
import { ExitCode, NemoError } from '../../errors.js';
import { videoTime } from '../../display.js';
import { lineReporter } from '../../execute/reporters/lines.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import type { Io } from '../io.js';
import { formatSummary, invalidRecipes, reportError, skipped } from '../report.js';

/** Options of `nemo-run still`. */
export interface StillFlags {
  at: string;
  output?: string;
  backend?: BackendName;
  force?: boolean;
  set?: Record<string, string>;
  data?: string;
}

/** "3s", "3", "1.5s", "500ms", "0:03", "1:02.5" → milliseconds; undefined when it is none of these. */
export function parseTime(text: string): number | undefined {
  const t = text.trim();
  let m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/i.exec(t);
  if (m) return Math.round(Number(m[1]) * (m[2]?.toLowerCase() === 'ms' ? 1 : 1000));
  m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(t);
  if (m) return Math.round((Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
  return undefined;
}

/**
 * `nemo-run still <recipe> --at 3s`: one frame of the recipe's video, as a PNG (thumbnails). The recipe is run as
 * `nemo-run run` runs it (an up-to-date output is used as it is), then the frame at that time is taken from the video.
 * Writes `<output>.<time>s.png` beside the video unless `-o` names the file; prints its path.
 */
export async function stillCommand(recipeArg: string, flags: StillFlags, io: Io): Promise<number> {
  const usage = (message: string, hint: string) => (reportError(new NemoError('E_USAGE', message, { hint, exitCode: ExitCode.invalid }), io), ExitCode.invalid);
  const atMs = parseTime(flags.at);
  if (atMs === undefined) return usage(`--at ${flags.at}: not a time`, 'write seconds (3s, 1.5, 500ms) or minutes:seconds (0:03)');
  if (flags.output !== undefined && !/\.png$/i.test(flags.output)) return usage(`-o ${flags.output}: a still is a PNG image`, 'name a .png file');

  const paths = await findRecipes([recipeArg], io.cwd, skipped(io));
  if (paths.length !== 1) return usage(`still takes one recipe; ${recipeArg} names ${paths.length}`, 'name one recipe file');
  const { recipes, problems } = await checkRecipes(paths, { cwd: io.cwd, backend: flags.backend, vars: flags.set, data: flags.data });
  for (const problem of problems) reportError(problem.error, io);
  if (!recipes.length) return ExitCode.invalid;
  const plans = planAll(recipes, flags);
  const videos = plans.length + problems.length;
  if (videos !== 1) return usage(`still takes one video; ${recipeArg} makes ${videos} (data rows and variants count)`, 'give --data a table of one row, or use a recipe without variants');

  // Progress and the run's summary go to stderr: stdout holds only the still's path.
  const reports = await runRecipes(recipes, {
    backend: flags.backend,
    force: flags.force,
    concurrency: availableParallelism(),
    env: io.env,
    cwd: io.cwd,
    signal: io.signal,
    onEvent: lineReporter((text) => io.stderr.write(text), io.cwd),
  });
  const report = reports[0]!;
  if (report.status !== 'ok' || !report.output) {
    io.stderr.write(formatSummary(reports, io, false, invalidRecipes(problems)));
    return exitCodeOf(reports, problems);
  }

  const video = report.output;
  const tools = findFfmpeg(io.env);
  const durationMs =
    report.durationMs ??
    Math.round(Number((await runTool(tools.ffprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', video], { signal: io.signal })).stdout.trim()) * 1000);
  if (!(atMs < durationMs)) {
    return usage(`--at ${flags.at}: the video is ${videoTime(durationMs, 3)} long`, `pick a time from 0 to ${videoTime(Math.max(0, durationMs - 1), 3)}`);
  }

  const seconds = atMs / 1000;
  const file = flags.output !== undefined ? resolve(io.cwd, flags.output) : join(dirname(video), `${basename(video).replace(/\.[^.]+$/, '')}.${seconds}s.png`);
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial.png`);
  try {
    // The frame on screen at that time began at or before it: -ss before -i keeps the frames from the time it is given
    // (decoding from the key frame before), so it is given a quarter of a frame before that frame begins.
    const { fps } = plans[0]!.export;
    const from = Math.max(0, (Math.floor(seconds * fps + 1e-9) - 0.25) / fps);
    await runTool(tools.ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-ss', from.toFixed(6), '-i', video, '-frames:v', '1', '-an', '-f', 'image2', '-c:v', 'png', '-y', partial], { signal: io.signal });
    if (!((await stat(partial).catch(() => undefined))?.size ?? 0)) throw new NemoError('E_OUTPUT', `no frame at ${seconds} s in ${relative(io.cwd, video)}`);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
  io.stderr.write(`${report.upToDate ? 'used' : 'made'} ${relative(io.cwd, video) || video}\n`);
  io.stdout.write(`${relative(io.cwd, file) || file}\n`);
  return ExitCode.ok;
}
