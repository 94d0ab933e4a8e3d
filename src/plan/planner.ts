import type { Aspect, BackendName, Recipe, VariantSpec } from '../recipe/recipe.types.js';
import { VARIANT_OUTPUT, aspectOf, aspectTag, exportSettings, frameSize, outputPath, parseSize, shapeSize } from './export-settings.js';
import { interpretInstruction } from './instructions/interpret.js';
import { initialState, type EditState, type InstructionNote } from './instructions/state.js';
import { stepIds, type ExportSettings, type Plan, type Step } from './plan.types.js';

/**
 * Compiles a checked recipe into the steps a backend runs, with their dependencies. For the local backend it also
 * reads the instructions, so the plan holds the final export settings (shape words change the size and output path)
 * and a note per instruction. Pure: no file system, clock or environment.
 */
export function planRecipe(recipe: Recipe, backend: BackendName = recipe.backend): Plan {
  const plan: Plan = {
    recipe: recipe.name,
    file: recipe.file,
    dir: recipe.dir,
    backend,
    export: exportSettings(recipe.export, recipe.name, recipe.dir),
    inputs: recipe.inputs,
    instructions: recipe.instructions,
    steps: backend === 'nemo' ? cloudSteps(recipe.inputs, recipe.instructions) : localSteps(recipe),
    source: recipe.text,
    ...(recipe.row ? { row: recipe.row } : {}),
  };
  if (backend === 'nemo') return plan;
  const { edit, notes, settings } = readInstructions(recipe, plan.export);
  return { ...plan, export: settings, edit, notes };
}

/**
 * Every video the recipe makes: the main one, then one per variant (`export.variants`, then the shapes instructions
 * add, "also a vertical version"). A variant is the same plan with its own export settings, name and output.
 */
export function planVariants(recipe: Recipe, backend: BackendName = recipe.backend): Plan[] {
  return variantsOf(recipe, backend).plans;
}

/**
 * The plans of `planVariants`; which of `export.variants` (by index) repeat the main video or an earlier variant, and
 * which shapes the instructions asked for that the main video already has: those are made once, and the check says so.
 */
export function variantsOf(recipe: Recipe, backend: BackendName = recipe.backend): { plans: Plan[]; repeats: number[]; unneeded: Aspect[] } {
  const main = planRecipe(recipe, backend);
  const asked: VariantSpec[] = [...(recipe.export.variants ?? []), ...(main.edit?.variants ?? []).map((aspect) => ({ aspect }))];
  const plans = [main];
  const repeats: number[] = [];
  const unneeded: Aspect[] = [];
  asked.forEach((spec, i) => {
    const settings = variantSettings(main.export, spec, recipe);
    const label = variantLabel(main.export, settings);
    if (label && !plans.some((p) => p.variant === label)) return void plans.push(variantPlan(main, label, settings, backend));
    if (i < (recipe.export.variants?.length ?? 0)) repeats.push(i);
    else unneeded.push(settings.aspect);
  });
  return { plans, repeats, unneeded };
}

/** A variant: the main plan with its own settings and name; on the cloud, also its own words for the shape. */
function variantPlan(main: Plan, label: string, settings: ExportSettings, backend: BackendName): Plan {
  const variant = { ...main, recipe: `${main.recipe}-${label}`, variant: label, export: settings };
  // The cloud's export has no shape setting: its sessions are asked for the shape in words, as one more edit.
  if (backend === 'nemo' && settings.aspect !== main.export.aspect) {
    const instructions = [...main.instructions, `change the aspect ratio to ${settings.aspect}`];
    Object.assign(variant, { instructions, steps: cloudSteps(main.inputs, instructions) });
  }
  return variant;
}

/** A variant's settings: the main video's, with the variant's fields over them and its own output. */
function variantSettings(main: ExportSettings, spec: VariantSpec, recipe: Recipe): ExportSettings {
  const merged = {
    format: spec.format ?? main.format,
    resolution: spec.resolution ?? main.resolution,
    aspect: spec.aspect ?? main.aspect,
    fps: spec.fps ?? main.fps,
    quality: spec.quality ?? main.quality,
  };
  // A variant that names only a shape keeps the main video's short side (a 160x90 main makes a 90x160 9:16).
  const size = spec.size
    ? parseSize(spec.size)
    : spec.resolution
      ? frameSize(merged.resolution, merged.aspect)
      : spec.aspect
        ? shapeSize(Math.min(main.width, main.height), merged.aspect)
        : { width: main.width, height: main.height };
  if (spec.size && !spec.aspect) merged.aspect = aspectOf(size.width, size.height) ?? merged.aspect;
  const settings = { ...main, ...merged, ...size, outputTemplate: spec.output ?? recipe.export.output ?? VARIANT_OUTPUT };
  return { ...settings, output: outputPath(settings, recipe.name, recipe.dir) };
}

/** What tells a variant from the main video, as a name part: `9x16`, `720p`, `1200x628-webm`; empty when nothing does. */
function variantLabel(main: ExportSettings, v: ExportSettings): string {
  const resized = v.width !== main.width || v.height !== main.height;
  const shape = !resized ? '' : v.aspect !== main.aspect ? aspectTag(v.aspect) : v.resolution !== main.resolution ? v.resolution : `${v.width}x${v.height}`;
  const parts = [shape, v.fps !== main.fps ? `${v.fps}fps` : '', v.format !== main.format ? v.format : '', v.quality !== main.quality ? v.quality : ''];
  return parts.filter(Boolean).join('-');
}

/** Interprets the instructions in order and applies what they say of the export block, crediting each instruction. */
function readInstructions(recipe: Recipe, base: ExportSettings): { edit: EditState; notes: InstructionNote[]; settings: ExportSettings } {
  const edit = initialState();
  const title = recipe.title ?? recipe.name;
  const words = {
    title,
    titleFrom: recipe.title ? "the recipe's `title`" : "the recipe's name (set `title:` for other words)",
    cta: recipe.cta ?? title,
    ctaFrom: recipe.cta ? "the recipe's `cta`" : "the recipe's title (set `cta:` for other words)",
  };
  let settings = base;
  const notes = recipe.instructions.map((text, i) => {
    const note = interpretInstruction(text, edit, words);
    const at = recipe.instructionAt[i];
    if (at) note.at = `${recipe.file}:${at.line}:${at.col}`;
    const next = applyOverrides(settings, edit, recipe);
    note.did.push(...next.overrides);
    settings = next.settings;
    return note;
  });
  return { edit, notes, settings };
}

/** Shape, size, rate and format from instructions override the export block; the messages say what changed. */
function applyOverrides(base: ExportSettings, state: EditState, recipe: Recipe): { settings: ExportSettings; overrides: string[] } {
  const changed = {
    aspect: state.aspect ?? base.aspect,
    resolution: state.resolution ?? base.resolution,
    fps: state.fps ?? base.fps,
    format: state.format ?? base.format,
  };
  const keys = (Object.keys(changed) as (keyof typeof changed)[]).filter((k) => changed[k] !== base[k]);
  if (!keys.length) return { settings: base, overrides: [] };
  const sized = keys.some((k) => k === 'aspect' || k === 'resolution') ? frameSize(changed.resolution, changed.aspect) : {};
  const settings = { ...base, ...changed, ...sized };
  return {
    settings: { ...settings, output: outputPath(settings, recipe.name, recipe.dir) },
    overrides: keys.map((key) => `export.${key} ${base[key]} → ${changed[key]} (the instruction overrides the export block)`),
  };
}

/**
 * probe each input (in parallel) → interpret the instructions → render → poster. Stills are probed last: the first
 * still's probe decodes them all in one batch, which the others wait for while holding their turns, so music and
 * clips go first and run beside it.
 */
function localSteps(recipe: Recipe): Step[] {
  const lastStills = [...recipe.inputs].sort((a, b) => Number(a.kind === 'image') - Number(b.kind === 'image'));
  const probes: Step[] = lastStills.map((input) => ({
    id: stepIds.probe(input.index),
    kind: 'probe',
    after: [],
    title: `probe ${input.name}`,
    input: input.index,
  }));
  return [
    ...probes,
    { id: stepIds.interpret, kind: 'interpret', after: recipe.inputs.map((input) => stepIds.probe(input.index)), title: 'interpret instructions' },
    { id: stepIds.render, kind: 'render', after: [stepIds.interpret], title: 'render video' },
    { id: stepIds.poster, kind: 'poster', after: [stepIds.render], title: 'poster image' },
  ];
}
/** authenticate → session → one upload per input (parallel) → each instruction in order → export → wait → download. */
function cloudSteps(inputs: Recipe['inputs'], texts: string[]): Step[] {
  const uploads: Step[] = inputs.map((input) => ({
    id: stepIds.upload(input.index),
    kind: 'upload',
    after: [stepIds.session],
    title: `upload ${input.name}`,
    input: input.index,
  }));
  const instructions: Step[] = texts.map((text, i) => ({
    id: stepIds.instruct(i),
    kind: 'instruct',
    after: i === 0 ? uploads.map((s) => s.id) : [stepIds.instruct(i - 1)],
    title: `edit: ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`,
    instruction: i,
  }));
  const last = instructions.at(-1)?.id ?? stepIds.session;
  return [
    { id: stepIds.authenticate, kind: 'authenticate', after: [], title: 'authenticate' },
    { id: stepIds.session, kind: 'session', after: [stepIds.authenticate], title: 'start session' },
    ...uploads,
    ...instructions,
    { id: stepIds.export, kind: 'export', after: [last], title: 'start export' },
    { id: stepIds.wait, kind: 'wait', after: [stepIds.export], title: 'wait for render' },
    { id: stepIds.download, kind: 'download', after: [stepIds.wait], title: 'download video' },
  ];
}
