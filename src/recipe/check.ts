import { basename, dirname, extname, resolve } from 'node:path';
import pLimit from 'p-limit';
import { displayPath } from '../display.js';
import { NemoError, RecipeError, RecipeValidationError } from '../errors.js';
import { readData, type DataTable } from './data.js';
import { inputPatterns, resolveInputs } from './inputs.js';
import { loadRecipe, locate, locateText, recipeError, type RecipeDoc } from './load.js';
import type { BackendName, DataRow, Recipe, RecipeSpec } from './recipe.types.js';
import { createValidator, type SchemaValidator } from './validate.js';
import { scopeVars, substitute, usesRow } from './variables.js';

/** Options for checking a recipe. */
export interface CheckOptions {
  cwd?: string;
  /** Overrides the recipe's own `backend`. */
  backend?: BackendName;
  /** Reuse one compiled validator across recipes. */
  validator?: SchemaValidator;
  /** `--set key=value`: values for `${vars.key}`, over the recipe's own `vars`. */
  vars?: Record<string, string>;
  /** `--data FILE`: the data table (relative to `cwd`), instead of the recipe's `data`. */
  data?: string;
}

/** One video a recipe makes (one per data row, or the one): checked, or what is wrong with it. */
export type Instance = { recipe: Recipe } | { error: NemoError; row?: DataRow };

/** What a name made from values must be, since it names files (the output, the stamp, the lock). */
const FILE_NAME = /^(?!\.\.?$)[^/\\\u0000-\u001f\u007f]{1,120}$/;

/** Rows checked at once: each expands globs and reads file headers. */
const ROWS_AT_ONCE = 8;

/**
 * Loads, validates and checks the inputs of a recipe: the whole front end in one call. Throws
 * RecipeValidationError with every problem of the recipe itself; a data row's own problems are its instance's.
 */
export async function checkRecipe(path: string, opts: CheckOptions = {}): Promise<Instance[]> {
  const cwd = opts.cwd ?? process.cwd();
  const absolute = resolve(cwd, path);
  return checkRecipeDoc(await loadRecipe(absolute, cwd), absolute, opts);
}

/**
 * Checks a parsed recipe as if it were the file at `absolute` (which need not exist: a recipe given as an object is
 * parsed from YAML text, so its problems have positions too). A recipe with data makes one instance per row, each
 * with its variables replaced and its inputs checked; the others make one.
 */
export async function checkRecipeDoc(doc: RecipeDoc, absolute: string, opts: CheckOptions = {}): Promise<Instance[]> {
  const cwd = opts.cwd ?? process.cwd();
  const validator = opts.validator ?? createValidator();
  const errors = validator.check(doc);
  const spec = doc.data as RecipeSpec;
  const dir = dirname(absolute);
  const dataPath = opts.data ? resolve(cwd, opts.data) : typeof spec.data === 'string' ? resolve(dir, spec.data) : undefined;
  const table = dataPath && !errors.length ? await readData(dataPath, displayPath(dataPath, cwd)) : undefined;
  const check = (row?: DataRow) => instance(doc, absolute, { ...opts, cwd }, errors, table, row, Boolean(dataPath && !table));
  if (!table) return [await check()];
  const limit = pLimit(ROWS_AT_ONCE);
  return Promise.all(table.rows.map((row) => limit(() => check(row))));
}

/** One instance: the recipe with the row's (or no row's) values, its inputs checked. */
async function instance(
  doc: RecipeDoc,
  absolute: string,
  opts: CheckOptions & { cwd: string },
  schemaErrors: RecipeError[],
  table: DataTable | undefined,
  row: DataRow | undefined,
  rowsUnread: boolean,
): Promise<Instance> {
  const raw = doc.data as RecipeSpec;
  const backend = opts.backend ?? raw.backend ?? 'local';
  const dir = dirname(absolute);
  const { spec, errors: referenceErrors } = substitute(doc, raw, { vars: scopeVars(raw, opts.vars), row, columns: table?.columns, rowsUnread });
  const errors = [...schemaErrors, ...referenceErrors];
  // Inputs are checked even when the schema found problems elsewhere, so one run shows everything.
  const { inputs, errors: inputErrors } = await resolveInputs(doc, Array.isArray(spec.inputs) ? spec.inputs : [], dir, backend, opts.cwd);
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
  if (typeof raw.name === 'string' && typeof spec.name === 'string' && spec.name !== raw.name && !FILE_NAME.test(spec.name)) {
    // Values make the name, and the name makes file names (the output, the stamp): it must stay one.
    const at = locate(doc, ['name']);
    errors.push(recipeError(doc, 'E_RECIPE_VAR', at.offset, `the name becomes "${spec.name}", which is not a file name`, {
      hint: 'a name needs 1 to 120 characters, no / or \\ or control characters, and is not . or ..; name the videos by a column that holds such values (an id, a SKU)',
      length: at.length,
    }));
  }
  if (errors.length) {
    const sorted = errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
    return { error: new RecipeValidationError(row ? sorted.map((e) => ofRow(e, row)) : sorted), ...(row ? { row } : {}) };
  }
  const name = spec.name ?? basename(absolute, extname(absolute));
  // Each row's video has its own name (and so its own output, stamp and report) unless the name already uses the row.
  const named = row && !usesRow(raw.name) ? `${name}-${row.number}` : name;
  return {
    recipe: {
      file: doc.file,
      dir,
      name: named,
      backend,
      inputs,
      instructions: spec.instructions,
      instructionAt: spec.instructions.map((text, i) => at(doc, ['instructions', i], text)),
      inputPatterns: inputPatterns(spec.inputs),
      ...(spec.export?.output ? { outputAt: at(doc, ['export', 'output'], spec.export.output) } : {}),
      ...(spec.export?.variants ? { variantsAt: spec.export.variants.map((_, i) => locateText(doc, ['export', 'variants', i])) } : {}),
      // A row's video is titled by the recipe's name as written, not by its row-numbered name.
      ...(spec.title || named !== name ? { title: spec.title ?? name } : {}),
      ...(spec.cta ? { cta: spec.cta } : {}),
      ...(row ? { row } : {}),
      export: spec.export ?? {},
      // What makes this instance itself, for fingerprints: the recipe's text and the values put into it.
      text: row || Object.keys(opts.vars ?? {}).length ? `${doc.text}\n# values: ${JSON.stringify({ vars: opts.vars ?? {}, row: row?.values })}` : doc.text,
    },
  };
}

/** Where a string starts in the recipe; not `inline` once variables changed its characters. */
function at(doc: RecipeDoc, path: (string | number)[], text: string) {
  const where = locateText(doc, path);
  return where.inline && doc.doc.getIn(path) !== text ? { ...where, inline: false } : where;
}

/** The same problem, said of one data row. */
function ofRow(error: RecipeError, row: DataRow): RecipeError {
  return new RecipeError(error.code, `row ${row.number} (${row.file}:${row.line}): ${error.message}`, error.pos, {
    hint: error.hint,
    sourceLine: error.sourceLine,
    length: error.length,
  });
}
