import { relative } from 'node:path';
import { checkRecipes, describePlan, planAll } from '../../api.js';
import { displayPath } from '../../display.js';
import type { PlanDetails } from '../../backends/backend.js';
import { describeUnplaced } from '../../plan/instructions/state.js';
import type { Plan } from '../../plan/plan.types.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import type { Io } from '../io.js';
import { reportError } from '../report.js';

/**
 * `nemo-run plan`: the steps a recipe compiles to, with what its backend adds. A recipe that makes several videos (data
 * rows, variants) is listed one video a line, then shown in full for each; `--json` prints `{ file, videos: […] }`.
 */
export async function planCommand(
  path: string,
  opts: { backend?: BackendName; json?: boolean; strict?: boolean; set?: Record<string, string>; data?: string },
  io: Io,
): Promise<number> {
  const { recipes, problems } = await checkRecipes([path], { cwd: io.cwd, backend: opts.backend, strict: opts.strict, vars: opts.set, data: opts.data });
  if (problems.length) {
    let code = 0;
    for (const problem of problems) code = Math.max(code, reportError(problem.error, io));
    return code;
  }
  const signal = io.signal ?? new AbortController().signal;
  const plans: (Plan & PlanDetails)[] = [];
  for (const plan of planAll(recipes, opts)) plans.push(await describePlan(plan, { env: io.env, signal }));
  if (opts.json) {
    const json = plans.length === 1 ? planJson(plans[0]!, io.cwd) : { file: recipes[0]!.file, videos: plans.map((p) => planJson(p, io.cwd)) };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    if (plans.length > 1) io.stdout.write(listVideos(plans, recipes[0]!.file, io.cwd));
    io.stdout.write(plans.map((p) => formatPlan(p, io.cwd)).join('\n'));
  }
  return 0;
}

/** One line per video: its name, shape and output, and the data row it comes from. */
function listVideos(plans: Plan[], file: string, cwd: string): string {
  const lines = plans.map((plan) => {
    const { row } = plan;
    const e = plan.export;
    return `  ${plan.recipe}  ${e.width}x${e.height} → ${displayPath(e.output, cwd)}${row ? `  (row ${row.number}, ${row.file}:${row.line})` : ''}`;
  });
  return `${file} makes ${plans.length} videos:\n${lines.join('\n')}\n\n`;
}

/** The plan as `--json` prints it; paths are relative to the working directory. */
export function planJson(plan: Plan & PlanDetails, cwd: string) {
  const { format, width, height, fps, quality, resolution, aspect } = plan.export;
  return {
    recipe: plan.recipe,
    file: plan.file,
    ...(plan.variant ? { variant: plan.variant } : {}),
    ...(plan.row ? { row: { number: plan.row.number, file: plan.row.file, line: plan.row.line, values: plan.row.values } } : {}),
    backend: plan.backend,
    export: { format, width, height, fps, quality, resolution, aspect, output: relative(cwd, plan.export.output) },
    inputs: plan.inputs.map((i) => ({ name: i.name, role: i.role, kind: i.kind ?? null, format: i.format ?? null, ...(i.url ? { url: i.url } : {}) })),
    instructions: plan.instructions,
    steps: plan.steps.map((s) => ({ id: s.id, kind: s.kind, after: s.after })),
    ...(plan.draft !== undefined ? { draft: plan.draft } : {}),
    ...(plan.notes !== undefined ? { notes: plan.notes } : {}),
  };
}

function formatPlan(plan: Plan & PlanDetails, cwd: string): string {
  const e = plan.export;
  const lines = [
    `${plan.recipe} (${plan.backend}) → ${displayPath(e.output, cwd)}`,
    `  ${e.width}x${e.height} ${e.fps}fps ${e.format} ${e.quality}`,
    `steps:`,
    ...plan.steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s.title}${s.after.length ? `  (after ${compact(s.after)})` : ''}`),
  ];
  if (plan.summary) lines.push(plan.summary);
  for (const note of plan.notes ?? []) {
    lines.push(`"${note.instruction}"${note.at ? `  (${note.at})` : ''}`);
    for (const did of note.did) lines.push(`    → ${did}`);
    for (const not of note.unsupported) lines.push(`    ✗ not done: ${not}`);
    if (note.notUnderstood.length) lines.push(`    ? not understood: ${note.unplaced.map(describeUnplaced).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `probe:0, probe:1, probe:2` → `probe:0…probe:2`. */
function compact(ids: string[]): string {
  return ids.length > 3 ? `${ids[0]}…${ids.at(-1)}` : ids.join(', ');
}
