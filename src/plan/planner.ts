import type { BackendName, Recipe } from '../recipe/recipe.types.js';
import { exportSettings } from './export-settings.js';
import type { Plan, Step } from './plan.types.js';

/**
 * Compiles a checked recipe into the steps a backend runs, with their dependencies.
 * Pure: no file system, clock or environment.
 */
export function planRecipe(recipe: Recipe, backend: BackendName = recipe.backend): Plan {
  return {
    recipe: recipe.name,
    file: recipe.file,
    dir: recipe.dir,
    backend,
    export: exportSettings(recipe.export, recipe.name, recipe.dir),
    inputs: recipe.inputs,
    instructions: recipe.instructions,
    steps: backend === 'nemo' ? cloudSteps(recipe) : localSteps(recipe),
    source: recipe.text,
  };
}

/** probe each input (in parallel) → interpret the instructions → render → poster. */
function localSteps(recipe: Recipe): Step[] {
  const probes: Step[] = recipe.inputs.map((input) => ({
    id: `probe:${input.index}`,
    kind: 'probe',
    after: [],
    title: `probe ${input.name}`,
    input: input.index,
  }));
  return [
    ...probes,
    { id: 'interpret', kind: 'interpret', after: probes.map((s) => s.id), title: 'interpret instructions' },
    { id: 'render', kind: 'render', after: ['interpret'], title: 'render video' },
    { id: 'poster', kind: 'poster', after: ['render'], title: 'poster image' },
  ];
}

/** authenticate → session → one upload per input (parallel) → each instruction in order → export → wait → download. */
function cloudSteps(recipe: Recipe): Step[] {
  const uploads: Step[] = recipe.inputs.map((input) => ({
    id: `upload:${input.index}`,
    kind: 'upload',
    after: ['session'],
    title: `upload ${input.name}`,
    input: input.index,
  }));
  const instructions: Step[] = recipe.instructions.map((text, i) => ({
    id: `instruct:${i}`,
    kind: 'instruct',
    after: i === 0 ? uploads.map((s) => s.id) : [`instruct:${i - 1}`],
    title: `edit: ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`,
    instruction: i,
  }));
  const last = instructions.at(-1)?.id ?? 'session';
  return [
    { id: 'authenticate', kind: 'authenticate', after: [], title: 'authenticate' },
    { id: 'session', kind: 'session', after: ['authenticate'], title: 'start session' },
    ...uploads,
    ...instructions,
    { id: 'export', kind: 'export', after: [last], title: 'start export' },
    { id: 'wait', kind: 'wait', after: ['export'], title: 'wait for render' },
    { id: 'download', kind: 'download', after: ['wait'], title: 'download video' },
  ];
}
