import { readFile, stat } from 'node:fs/promises';
import { LineCounter, isNode, isScalar, parseDocument, type Document } from 'yaml';
import { displayPath } from '../display.js';
import { RecipeError, RecipeValidationError, NemoError, ExitCode, type ErrorCode } from '../errors.js';
import type { InstructionAt } from './recipe.types.js';

/** Recipes are small; anything bigger is a mistake or an attack. */
export const MAX_RECIPE_BYTES = 1024 * 1024;
/** Anchors are fine, alias bombs are not. */
const MAX_ALIASES = 100;
/** A parsed recipe that still knows where every value came from. */
export interface RecipeDoc {
  /** The path as the user gave it (used in messages). */
  file: string;
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** The plain data, for validation. */
  data: unknown;
}

/** Reads and parses a recipe file; throws RecipeValidationError for YAML problems. */
export async function loadRecipe(path: string, cwd = process.cwd()): Promise<RecipeDoc> {
  const file = displayPath(path, cwd);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new NemoError('E_RECIPE_READ', `${file} is not a file`, { exitCode: ExitCode.invalid });
    if (info.size > MAX_RECIPE_BYTES) {
      throw new RecipeValidationError([
        new RecipeError('E_RECIPE_YAML', `recipe is ${info.size} bytes; the limit is ${MAX_RECIPE_BYTES}`, { file, line: 1, col: 1 }, {
          hint: 'a recipe lists inputs and instructions; keep media in separate files',
        }),
      ]);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof NemoError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new NemoError('E_RECIPE_READ', `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      exitCode: ExitCode.invalid,
      hint: code === 'ENOENT' ? 'check the path; recipes usually live in recipes/' : undefined,
    });
  }
  return parseRecipe(file, text);
}

/** Parses recipe text; every YAML problem is collected with its position. */
export function parseRecipe(file: string, text: string): RecipeDoc {
  const lineCounter = new LineCounter();
  // The core schema knows only plain data; any other tag is reported as unresolved, and refused below.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, schema: 'core', strict: true });
  const recipe: RecipeDoc = { file, text, doc, lineCounter, data: undefined };
  const errors: RecipeError[] = [];
  const yamlError = (offset: number, message: string, hint?: string, length = 1) =>
    errors.push(recipeError(recipe, 'E_RECIPE_YAML', offset, message, { hint, length }));

  for (const problem of [...doc.errors, ...doc.warnings]) {
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (/call stack/i.test(message)) {
      yamlError(problem.pos[0], 'the recipe nests brackets or lists too deeply to read', 'a recipe is a few levels deep: inputs, instructions, export; remove the extra nesting');
    } else if (problem.code === 'TAG_RESOLVE_FAILED') {
      yamlError(problem.pos[0], message.replace(/^Unresolved tag: (.*)$/, 'custom tag $1 is not allowed'), 'recipes are plain data: remove the tag');
    } else if (problem.code === 'MISSING_CHAR' && /closing (["'])quote/.test(message)) {
      // YAML reports the end of the file; the unclosed quote is what needs fixing.
      const quote = /closing (["'])/.exec(message)![1]!;
      yamlError(text.lastIndexOf(quote, problem.pos[0] - 1), `this ${quote === '"' ? 'double' : 'single'} quote is never closed`, `add the closing ${quote} at the end of the value`);
    } else {
      yamlError(problem.pos[0], message, yamlHint(problem.code));
    }
  }
  if (errors.length === 0) {
    try {
      recipe.data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      if (error instanceof RangeError) yamlError(0, 'the recipe nests too deeply to read', 'remove the extra nesting');
      else yamlError(0, `${(error as Error).message}`, 'too many aliases: write the values out instead of using anchors');
    }
  }
  if (errors.length) throw new RecipeValidationError(errors);
  if (recipe.data === null || typeof recipe.data !== 'object' || Array.isArray(recipe.data)) {
    const offset = doc.contents && isNode(doc.contents) ? (doc.contents.range?.[0] ?? 0) : 0;
    throw new RecipeValidationError([
      recipeError(recipe, 'E_RECIPE_SCHEMA', offset, 'a recipe must be a mapping with `inputs` and `instructions`', {
        hint: 'start from recipes/promo.yaml',
      }),
    ]);
  }
  return recipe;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'each key may appear once; remove or rename one of them';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'check the indentation and punctuation on this line';
    default:
      return undefined;
  }
}

/** Builds a RecipeError at a character offset of the recipe's text. */
export function recipeError(
  recipe: Pick<RecipeDoc, 'file' | 'text' | 'lineCounter'>,
  code: ErrorCode,
  offset: number,
  message: string,
  opts: { hint?: string; length?: number } = {},
): RecipeError {
  const { line, col } = recipe.lineCounter.linePos(Math.min(offset, recipe.text.length));
  const sourceLine = recipe.text.split(/\r?\n/)[line - 1] ?? '';
  const length = Math.max(1, Math.min(opts.length ?? 1, sourceLine.length - col + 1));
  return new RecipeError(code, message, { file: recipe.file, line, col }, { hint: opts.hint, sourceLine, length });
}

/** The node at a path of keys and indices, with the offset and length of its text. */
export function locate(recipe: RecipeDoc, path: (string | number)[]): { offset: number; length: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? recipe.doc.contents : recipe.doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) {
      const length = isScalar(node) ? node.range[1] - node.range[0] : 1;
      return { offset: node.range[0], length };
    }
  }
  return { offset: 0, length: 1 };
}

/** The key node of `key` in the mapping at `path`, for errors about a key itself. */
export function locateKey(recipe: RecipeDoc, path: (string | number)[], key: string): { offset: number; length: number } {
  const map = path.length === 0 ? recipe.doc.contents : recipe.doc.getIn(path, true);
  const items = (map as { items?: { key: unknown }[] } | null)?.items ?? [];
  for (const pair of items) {
    if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
      return { offset: pair.key.range[0], length: key.length };
    }
  }
  return locate(recipe, path);
}

/** Where the text of the string at `path` starts; `inline` when it is one line whose characters map one to one. */
export function locateText(recipe: RecipeDoc, path: (string | number)[]): InstructionAt {
  const node = recipe.doc.getIn(path, true);
  const offset = isScalar(node) && node.range ? node.range[0] : locate(recipe, path).offset;
  const { line, col } = recipe.lineCounter.linePos(offset);
  const sourceLine = recipe.text.split(/\r?\n/)[line - 1] ?? '';
  const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE');
  const raw = isScalar(node) && node.range ? recipe.text.slice(node.range[0], node.range[1]) : '';
  const inline = isScalar(node) && (node.type === 'PLAIN' || quoted) && !raw.includes('\n') && !/\\|''/.test(raw);
  return { line, col: col + (quoted ? 1 : 0), sourceLine, inline };
}
