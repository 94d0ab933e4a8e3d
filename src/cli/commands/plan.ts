import { relative } from 'node:path';
import { checkRecipes, describePlan } from '../../api.js';
import { displayPath } from '../../display.js';
import type { PlanDetails } from '../../backends/backend.js';
import { planRecipe } from '../../plan/planner.js';
import { describeUnplaced } from '../../plan/instructions/state.js';
import type { Plan } from '../../plan/plan.types.js';
import type { BackendName } from '../../recipe/recipe.types.js';
import type { Io } from '../io.js';
import { reportError } from '../report.js';

/** `nemo-run plan`: the steps a recipe compiles to, with what its backend adds. */
export async function planCommand(path: string, opts: { backend?: BackendName; json?: boolean; strict?: boolean }, io: Io): Promise<number> {
  const { recipes, problems } = await checkRecipes([path], { cwd: io.cwd, backend: opts.backend, strict: opts.strict });
  if (problems.length) return reportError(problems[0]!.error, io);
  const plan = await describePlan(planRecipe(recipes[0]!, opts.backend), {
    env: io.env,
    signal: io.signal ?? new AbortController().signal,
  });
  io.stdout.write(opts.json ? `${JSON.stringify(planJson(plan, io.cwd), null, 2)}\n` : formatPlan(plan, io.cwd));
  return 0;
}

/** The plan as `--json` prints it; paths are relative to the working directory. */
export function planJson(plan: Plan & PlanDetails, cwd: string) {
  const { format, width, height, fps, quality, resolution, aspect } = plan.export;
  return {
    recipe: plan.recipe,
    file: plan.file,
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
