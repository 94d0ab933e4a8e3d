import { escapePath, isDynamicPattern } from 'tinyglobby';
import { RecipeError } from '../errors.js';
import { suggest } from '../suggest.js';
import { locate, recipeError, type RecipeDoc } from './load.js';
import type { DataRow, RecipeSpec } from './recipe.types.js';

/** `${vars.key}`, `${row.column}` and `${row}`: the references a recipe's words may hold. */
const REFERENCE = /\$\{(vars|row)(?:\.([^}]*))?\}/g;

/** What references are replaced with: the recipe's `vars` (with `--set` on top) and, for one instance, its data row. */
export interface Scope {
  vars: Record<string, string>;
  row?: DataRow;
  /** Every column of the data table, for suggestions. */
  columns?: string[];
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

/**
 * The recipe with every reference replaced, in the places that may hold them: the name, title and cta, instructions,
 * input paths and captions, and the outputs. A reference to a variable or column that does not exist is an error
 * located at the reference. Values put into a glob are escaped, so a folder called `Shoes (red)` is matched as written.
 */
export function substitute(doc: RecipeDoc, spec: RecipeSpec, scope: Scope): { spec: RecipeSpec; errors: RecipeError[] } {
  const errors: RecipeError[] = [];
  const replace = (path: (string | number)[], text: unknown, glob = false): string | undefined => {
    if (typeof text !== 'string' || !text.includes('${')) return text as string | undefined;
    const escape = glob && isDynamicPattern(text.replace(REFERENCE, 'x'));
    return text.replace(REFERENCE, (whole, scopeName: string, key: string | undefined) => {
      const value = lookup(scopeName, key, scope);
      if (typeof value === 'string') return escape ? escapePath(value) : value;
      errors.push(referenceError(doc, path, whole, value));
      return whole;
    });
  };
  const inputs = Array.isArray(spec.inputs)
    ? spec.inputs.map((input, i) =>
        typeof input === 'string'
          ? replace(['inputs', i], input, true)!
          : input && typeof input === 'object'
            ? dropUndefined({ ...input, path: replace(['inputs', i, 'path'], input.path, true), caption: replace(['inputs', i, 'caption'], input.caption) })
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
            output: replace(['export', 'output'], exported.output),
            variants: Array.isArray(exported.variants)
              ? exported.variants.map((v, i) => (v && typeof v === 'object' ? dropUndefined({ ...v, output: replace(['export', 'variants', i, 'output'], v.output) }) : v))
              : undefined,
          }),
        }
      : {}),
  };
  return { spec: dropUndefined(out), errors };
}

/** The value of `${scope.key}`, or why there is none. */
function lookup(scope: string, key: string | undefined, within: Scope): string | { why: string; hint: string } {
  if (scope === 'row') {
    if (!within.row) return { why: 'the recipe has no `data:` table', hint: 'add `data: rows.csv` (one video per row), or give `--data FILE`' };
    if (key === undefined) return String(within.row.number);
    if (key in within.row.values) return within.row.values[key]!;
    const columns = within.columns ?? Object.keys(within.row.values);
    if (columns.includes(key)) return { why: `row ${within.row.number} (${within.row.file}:${within.row.line}) has no value for "${key}"`, hint: 'give every row a value for it' };
    const guess = suggest(key, columns);
    return { why: `${within.row.file} has no column "${key}"`, hint: guess ? `did you mean \${row.${guess}}?` : `its columns: ${columns.join(', ')}` };
  }
  if (key === undefined || key === '') return { why: 'a variable needs a name', hint: 'write ${vars.key}, with `key` set under `vars:` or by --set key=value' };
  if (key in within.vars) return within.vars[key]!;
  const guess = suggest(key, Object.keys(within.vars));
  return {
    why: `"${key}" is not defined`,
    hint: guess ? `did you mean \${vars.${guess}}?` : `define it under \`vars:\` in the recipe, or give --set ${key}=value`,
  };
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
