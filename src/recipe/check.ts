import { basename, dirname, extname, resolve } from 'node:path';
import { RecipeValidationError } from '../errors.js';
import { inputPatterns, resolveInputs } from './inputs.js';
import { loadRecipe, locate, locateText, recipeError, type RecipeDoc } from './load.js';
import type { BackendName, Recipe, RecipeSpec } from './recipe.types.js';
import { createValidator, type SchemaValidator } from './validate.js';

/** Options for checking a recipe. */
export interface CheckOptions {
  cwd?: string;
  /** Overrides the recipe's own `backend`. */
  backend?: BackendName;
  /** Reuse one compiled validator across recipes. */
  validator?: SchemaValidator;
}

/**
 * Loads, validates and checks the inputs of a recipe: the whole front end in one call.
 * Throws RecipeValidationError with every problem found.
 */
export async function checkRecipe(path: string, opts: CheckOptions = {}): Promise<Recipe> {
  const cwd = opts.cwd ?? process.cwd();
  const absolute = resolve(cwd, path);
  return checkRecipeDoc(await loadRecipe(absolute, cwd), absolute, opts);
}

/**
 * Checks a parsed recipe as if it were the file at `absolute` (which need not exist: a recipe given as an object is
 * parsed from YAML text, so its problems have positions too). Throws RecipeValidationError with every problem found.
 */
export async function checkRecipeDoc(doc: RecipeDoc, absolute: string, opts: CheckOptions = {}): Promise<Recipe> {
  const cwd = opts.cwd ?? process.cwd();
  const validator = opts.validator ?? createValidator();
  const errors = validator.check(doc);
  const spec = doc.data as RecipeSpec;
  const backend = opts.backend ?? spec.backend ?? 'local';
  const dir = dirname(absolute);
  // Inputs are checked even when the schema found problems elsewhere, so one run shows everything.
  const { inputs, errors: inputErrors } = await resolveInputs(doc, Array.isArray(spec.inputs) ? spec.inputs : [], dir, backend, cwd);
  errors.push(...inputErrors);
  const seen = inputs.every((input) => input.kind);
  if (!inputErrors.length && inputs.length && seen && !inputs.some((i) => i.role === 'media' && (i.kind === 'image' || i.kind === 'video'))) {
    const at = locate(doc, ['inputs']);
    errors.push(
      recipeError(doc, 'E_RECIPE_INPUT', at.offset, 'there is nothing to show: no image or clip among the inputs', {
        hint: 'add images or clips as inputs (role: media, the default); music, a logo and captions go with them',
      }),
    );
  }
  if (errors.length) throw new RecipeValidationError(errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col));
  return {
    file: doc.file,
    dir,
    name: spec.name ?? basename(absolute, extname(absolute)),
    backend,
    inputs,
    instructions: spec.instructions,
    instructionAt: spec.instructions.map((_, i) => locateText(doc, ['instructions', i])),
    inputPatterns: inputPatterns(spec.inputs),
    ...(spec.export?.output ? { outputAt: locateText(doc, ['export', 'output']) } : {}),
    ...(spec.title ? { title: spec.title } : {}),
    ...(spec.cta ? { cta: spec.cta } : {}),
    export: spec.export ?? {},
    text: doc.text,
  };
}
