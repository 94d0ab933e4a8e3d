import { escapePath } from 'tinyglobby';
import { RecipeError } from '../errors.js';
import { suggest } from '../suggest.js';
import { locate, recipeError, type RecipeDoc } from './load.js';
import type { DataRow, RecipeSpec } from './recipe.types.js';

/** What references are replaced with: the recipe's `vars` (with `--set` on top) and, for one instance, its data row. */
export interface Scope {
  vars: Record<string, string>;
  row?: DataRow;
  /** Every column of the data table, for suggestions. */
  columns?: string[];
  /** The recipe has a table that was not read (the recipe has other problems): `${row…}` is not judged yet. */
  rowsUnread?: boolean;
}

/** The recipe's `vars` as text, with `--set` values on top. */
export function scopeVars(spec: RecipeSpec, set: Record<string, string> = {}): Record<string, string> {
  const own = spec.vars && typeof spec.vars === 'object' ? spec.vars : {};
  return { ...Object.fromEntries(Object.entries(own).map(([k, v]) => [k, String(v)])), ...set };
}

/** True when the recipe's words use `${row…}`, so each data row needs its own name only if the name does not. */
export function usesRow(text: unknown): boolean {
  return typeof text === 'string' && /\$\{row[.}]/.test(text);
}

/** Any `${scope}` or `${scope.key}`: references to other scopes are typos (`${var.city}`) unless an output names its own. */
const ANY_REFERENCE = /\$\{([A-Za-z_]\w*)(?:\.([^}]*))?\}/g;

/** Where a reference stands: plain words, an input path (values are matched as written), or an output path. */
type Field = 'words' | 'input' | 'output';

/**
 * The recipe with every reference replaced, in the places that may hold them: the name, title and cta, instructions,
 * input paths and captions, and the outputs. A reference to a variable or column that does not exist, or to a scope
 * that does not (`${var.city}`), is an error located at the reference. Values put into an input path are matched as
 * written (`Shoes (red)`, `a[1].jpg` are no globs); a row's value may not lead a path out of its folder (`..`, `/`).
 */
export function substitute(doc: RecipeDoc, spec: RecipeSpec, scope: Scope): { spec: RecipeSpec; errors: RecipeError[] } {
  const errors: RecipeError[] = [];
  const replace = (path: (string | number)[], text: unknown, field: Field = 'words'): string | undefined => {
    if (typeof text !== 'string' || !text.includes('${')) return text as string | undefined;
    return text.replace(ANY_REFERENCE, (whole, scopeName: string, key: string | undefined) => {
      // An output's own variables (`${name}`, `${aspect}`) are the output's, checked with the schema.
      if (scopeName !== 'vars' && scopeName !== 'row' && field === 'output') return whole;
      const value = scopeName === 'vars' || scopeName === 'row' ? lookup(scopeName, key, scope) : unknownScope(scopeName);
      if (typeof value !== 'string') {
        if (value) errors.push(referenceError(doc, path, whole, value));
        return whole;
      }
      if (field !== 'words' && scopeName === 'row' && /(^|[\\/])\.\.([\\/]|$)|^[\\/]/.test(value)) {
        errors.push(referenceError(doc, path, whole, { why: `row ${scope.row!.number}'s value "${value}" leads out of the folder`, hint: 'row values in paths name files and folders inside the recipe\'s folder: no .. and no leading /' }));
        return whole;
      }
      return field === 'input' ? escapePath(value) : value;
    });
  };
  const inputs = Array.isArray(spec.inputs)
    ? spec.inputs.map((input, i) =>
        typeof input === 'string'
          ? replace(['inputs', i], input, 'input')!
          : input && typeof input === 'object'
            ? dropUndefined({ ...input, path: replace(['inputs', i, 'path'], input.path, 'input'), caption: replace(['inputs', i, 'caption'], input.caption) })
            : input,
      )
    : spec.inputs;
  const exported = spec.export && typeof spec.export === 'object' ? spec.export : undefined;
  const out: RecipeSpec = {
    ...spec,
    name: replace(['name'], spec.name),
    title: replace(['title'], spec.title),
    cta: replace(['cta'], spec.cta),
    inputs,
    instructions: Array.isArray(spec.instructions) ? spec.instructions.map((text, i) => replace(['instructions', i], text)!) : spec.instructions,
    ...(exported
      ? {
          export: dropUndefined({
            ...exported,
            output: replace(['export', 'output'], exported.output, 'output'),
            variants: Array.isArray(exported.variants)
              ? exported.variants.map((v, i) => (v && typeof v === 'object' ? dropUndefined({ ...v, output: replace(['export', 'variants', i, 'output'], v.output, 'output') }) : v))
              : undefined,
          }),
        }
      : {}),
  };
  return { spec: dropUndefined(out), errors };
}

/** The value of `${scope.key}`; why there is none; or undefined when the table is not read yet (another problem). */
function lookup(scope: string, key: string | undefined, within: Scope): string | { why: string; hint: string } | undefined {
  if (scope === 'row') {
    if (within.rowsUnread) return undefined;
    if (!within.row) return { why: 'the recipe has no `data:` table', hint: 'add `data: rows.csv` (one video per row), or give `--data FILE`' };
    if (key === undefined) return String(within.row.number);
    if (Object.hasOwn(within.row.values, key)) return within.row.values[key]!;
    const columns = within.columns ?? Object.keys(within.row.values);
    if (columns.includes(key)) return { why: `row ${within.row.number} (${within.row.file}:${within.row.line}) has no value for "${key}"`, hint: 'give every row a value for it' };
    const guess = suggest(key, columns);
    return { why: `${within.row.file} has no column "${key}"`, hint: guess ? `did you mean \${row.${guess}}?` : `its columns: ${columns.join(', ')}` };
  }
  if (key === undefined || key === '') return { why: 'a variable needs a name', hint: 'write ${vars.key}, with `key` set under `vars:` or by --set key=value' };
  if (Object.hasOwn(within.vars, key)) return within.vars[key]!;
  const guess = suggest(key, Object.keys(within.vars));
  return {
    why: `"${key}" is not defined`,
    hint: guess ? `did you mean \${vars.${guess}}?` : `define it under \`vars:\` in the recipe, or give --set ${key}=value`,
  };
}

/** A reference to a scope that does not exist: `${var.city}`, `${rows.sku}`. */
function unknownScope(scope: string): { why: string; hint: string } {
  const guess = suggest(scope, ['vars', 'row']);
  return { why: `there is no "${scope}" to take a value from`, hint: guess ? `did you mean \${${guess}…}? (\${vars.key}, \${row.column})` : 'write ${vars.key} for a variable, ${row.column} for a data column' };
}

function referenceError(doc: RecipeDoc, path: (string | number)[], whole: string, problem: { why: string; hint: string }): RecipeError {
  const node = locate(doc, path);
  // Point at the reference itself when it is written out in the node's text.
  const at = doc.text.indexOf(whole, node.offset);
  const inside = at >= 0 && at < node.offset + Math.max(node.length, whole.length + 2);
  return recipeError(doc, 'E_RECIPE_VAR', inside ? at : node.offset, `${whole}: ${problem.why}`, { hint: problem.hint, length: inside ? whole.length : node.length });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
