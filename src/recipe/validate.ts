import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { RecipeError } from '../errors.js';
import { keyOf } from '../hash.js';
import { suggest } from '../suggest.js';
import { locate, locateKey, recipeError, type RecipeDoc } from './load.js';
import type { RecipeSpec } from './recipe.types.js';
import { OUTPUT_VARIABLES } from './recipe.types.js';

/** The recipe JSON Schema's text, as published in `schemas/`. */
function recipeSchemaText(): string {
  return readFileSync(new URL('../../schemas/recipe.schema.json', import.meta.url), 'utf8');
}

/** The recipe JSON Schema, as published in `schemas/`. */
export function readRecipeSchema(): Record<string, unknown> {
  return JSON.parse(recipeSchemaText());
}

/** A compiled schema validator; compile once, use for every recipe. */
export interface SchemaValidator {
  /** Returns every schema problem of the recipe, located in its source. */
  check(recipe: RecipeDoc): RecipeError[];
}

/**
 * ajv's options for the recipe schema: all errors, strict mode (but for strictRequired: the input's `anyOf`/`not` name
 * properties defined beside them, which ajv cannot see). The schema ships with the code and is checked against JSON
 * Schema's own by the tests, so it is not checked again (`validateSchema`).
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, strictRequired: false, verbose: true, validateSchema: false } as const;

/** The recipe schema compiled to code by the build (scripts/compile-schema.mjs), beside this module in `dist/`. */
export const COMPILED_SCHEMA = 'recipe-schema.cjs';

/** What the compiled schema was compiled from: its key. */
export const schemaKey = (text: string) => keyOf(['recipe schema', text]);

/**
 * The recipe schema's validator: the build's compiled one, which loads in 4 ms where loading ajv and compiling the
 * schema took 100 ms of every run; compiled here when there is none (running from the sources, as the tests do) or
 * when the schema changed since the build.
 */
export function createValidator(): SchemaValidator {
  const text = recipeSchemaText();
  const require = createRequire(import.meta.url);
  const compiled = new URL(`./${COMPILED_SCHEMA}`, import.meta.url);
  let validate = existsSync(compiled) ? (require(fileURLToPath(compiled)) as ValidateFunction & { schemaKey?: string }) : undefined;
  if (validate?.schemaKey !== schemaKey(text)) {
    const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 };
    validate = new Ajv(AJV_OPTIONS).compile(JSON.parse(text));
  }
  return { check: (recipe) => checkSchema(recipe, validate) };
}

function checkSchema(recipe: RecipeDoc, validate: ValidateFunction): RecipeError[] {
  const errors: RecipeError[] = [];
  if (!validate(recipe.data)) {
    for (const error of relevant(validate.errors ?? [])) errors.push(describe(recipe, error));
  }
  errors.push(...checkOutputVariables(recipe));
  return errors;
}

/** Drops errors that only repeat another: branch internals of `anyOf`/`if`, duplicates. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    if (error.keyword === 'if') return false;
    if (/\/(anyOf|oneOf)\/\d+\/|\/propertyNames\//.test(error.schemaPath)) return false;
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(recipe: RecipeDoc, error: ErrorObject): RecipeError {
  const path = pathOf(error.instancePath);
  const field = fieldName(path);
  const got = error.data === undefined ? '' : ` (got ${JSON.stringify(error.data)})`;
  const at = locate(recipe, path);
  const make = (message: string, hint?: string, where = at) =>
    recipeError(recipe, 'E_RECIPE_SCHEMA', where.offset, message, { hint, length: where.length });

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const guess = suggest(key, allowed);
      return make(
        `unknown key "${key}"${path.length ? ` in ${field}` : ''}`,
        guess ? `did you mean "${guess}"?` : `allowed keys: ${allowed.join(', ')}`,
        locateKey(recipe, path, key),
      );
    }
    case 'required':
      return make(
        `${path.length ? field : 'the recipe'} is missing the required key "${error.params.missingProperty}"`,
        requiredHint(String(error.params.missingProperty)),
      );
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const guess = typeof error.data === 'string' ? suggest(error.data, allowed) : undefined;
      return make(
        `${field} must be one of ${allowed.join(', ')}${got}`,
        guess ? `did you mean "${guess}"?` : `use one of: ${allowed.join(', ')}`,
      );
    }
    case 'const':
      return make(`${field} must be ${JSON.stringify(error.params.allowedValue)}${got}`, 'only recipe version 1 exists');
    case 'type':
      return make(`${field} must be ${article(String(error.params.type))}${got}`);
    case 'minimum':
    case 'maximum':
      return make(`${field} must be ${error.params.comparison} ${error.params.limit}${got}`);
    case 'minItems':
      return make(`${field} needs at least ${error.params.limit} item${error.params.limit === 1 ? '' : 's'}`, listHint(path));
    case 'maxItems':
      return make(`${field} has more than ${error.params.limit} items`);
    case 'minLength':
      return make(`${field} must not be empty`);
    case 'maxLength':
      return make(`${field} is longer than ${error.params.limit} characters`);
    case 'pattern':
      return make(`${field} is not valid${got}`, patternHint(path));
    case 'anyOf':
      return make(`${field} needs a \`path\` or a \`url\``, 'e.g. { path: assets/logo.png, role: logo }');
    case 'oneOf':
      return path.at(-1) === 'focus'
        ? make(`${field} must be left, right, top, bottom, center or [x, y]${got}`, 'x and y are fractions of the width and height, from 0 to 1: [0.7, 0.4]')
        : make(`${field} is not valid${got}`);
    case 'propertyNames':
      return make(`${field} has a key that is not a name ("${error.params.propertyName}")`, 'a key is letters, digits and _, and does not start with a digit: sale_price', locateKey(recipe, path, String(error.params.propertyName)));
    case 'not':
      return make(`${field} has both \`path\` and \`url\`; give one`, 'use two inputs if you need both');
    default:
      return make(`${field} ${error.message ?? 'is not valid'}`);
  }
}

function checkOutputVariables(recipe: RecipeDoc): RecipeError[] {
  const output = (recipe.data as RecipeSpec).export?.output;
  if (typeof output !== 'string') return [];
  const errors: RecipeError[] = [];
  for (const match of output.matchAll(/\$\{([^}]*)\}/g)) {
    const name = match[1]!;
    // `${vars.key}` and `${row.column}` are checked where they are replaced.
    if ((OUTPUT_VARIABLES as readonly string[]).includes(name) || /^(vars|row)(\.|$)/.test(name)) continue;
    const at = locate(recipe, ['export', 'output']);
    const guess = suggest(name, [...OUTPUT_VARIABLES]);
    errors.push(
      recipeError(recipe, 'E_RECIPE_SCHEMA', at.offset, `export.output uses the unknown variable \${${name}}`, {
        hint: guess ? `did you mean \${${guess}}?` : `variables: ${OUTPUT_VARIABLES.map((v) => `\${${v}}`).join(' ')} \${vars.key} \${row.column} \${row}`,
        length: at.length,
      }),
    );
  }
  return errors;
}

function pathOf(pointer: string): (string | number)[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** `["inputs", 2, "role"]` → `inputs[2].role`, the way people write it. */
export function fieldName(path: (string | number)[]): string {
  return path.reduce<string>((name, part) => (typeof part === 'number' ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

function article(type: string): string {
  return type === 'integer' || type === 'array' || type === 'object' ? `an ${type === 'object' ? 'mapping' : type}` : `a ${type}`;
}

function requiredHint(key: string): string | undefined {
  if (key === 'inputs') return 'add `inputs:` with at least one file, e.g. - assets/photo.jpg';
  if (key === 'instructions') return 'add `instructions:` with at least one line, e.g. - make a 15-second video';
  return undefined;
}

function listHint(path: (string | number)[]): string | undefined {
  return path[0] === 'inputs' ? 'list at least one file or glob' : path[0] === 'instructions' ? 'say what to make, in plain words' : undefined;
}

function patternHint(path: (string | number)[]): string | undefined {
  if (path.at(-1) === 'url') return 'URLs start with http:// or https://';
  if (path.at(-1) === 'name') return 'a name cannot contain / or \\';
  if (path.at(-1) === 'size') return 'write WIDTHxHEIGHT, e.g. 1200x628';
  return undefined;
}
