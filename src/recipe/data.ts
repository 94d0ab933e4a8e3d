import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import { RecipeError, RecipeValidationError } from '../errors.js';
import type { DataRow } from './recipe.types.js';

/** A data table bigger than this is a mistake: split it, or shard it over CI jobs. */
const MAX_DATA_BYTES = 16 * 1024 * 1024;
const MAX_DATA_ROWS = 10_000;

/** The rows of a data table, each with the line it starts on. */
export interface DataTable {
  file: string;
  columns: string[];
  rows: DataRow[];
}

/**
 * Reads a .csv (first line: the column names), .json (an array of objects) or .jsonl (one object per line) table.
 * Every value becomes text; a nested value, a short row or a duplicate column is an error located in the table.
 */
export async function readData(path: string, file: string): Promise<DataTable> {
  const fail = (message: string, line = 1, hint?: string): never => {
    throw new RecipeValidationError([new RecipeError('E_RECIPE_DATA', message, { file, line, col: 1 }, { hint })]);
  };
  const info = await stat(path).catch(() => undefined);
  if (!info) return fail(`data file not found: ${file}`, 1, "`data:` is relative to the recipe's folder; `--data` to the working folder");
  if (!info.isFile()) return fail(`${file} is not a file`);
  if (info.size > MAX_DATA_BYTES) return fail(`${file} is ${info.size} bytes; the limit is ${MAX_DATA_BYTES}`, 1, 'split the table, or shard it over several jobs');
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const records = extname(path).toLowerCase() === '.csv' ? csvRecords(text, fail) : jsonRecords(text, extname(path).toLowerCase() === '.jsonl', fail);
  if (!records.length) return fail(`${file} has no rows`, 1, 'add a row per video');
  if (records.length > MAX_DATA_ROWS) return fail(`${file} has ${records.length} rows; the limit is ${MAX_DATA_ROWS}`, 1, 'split the table into several recipes');
  const columns = [...new Set(records.flatMap((r) => Object.keys(r.values)))];
  const rows = records.map(({ line, values }, i): DataRow => {
    const text: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      if (value !== null && typeof value === 'object') fail(`row ${i + 1}: "${key}" is a list or an object; values are text, numbers or true/false`, line);
      text[key] = value === null || value === undefined ? '' : String(value);
    }
    return { number: i + 1, file, line, values: text };
  });
  return { file, columns, rows };
}

type Fail = (message: string, line?: number, hint?: string) => never;

function csvRecords(text: string, fail: Fail): { line: number; values: Record<string, unknown> }[] {
  let records: { info: { lines: number }; record: Record<string, string> }[];
  try {
    records = parse(text, { columns: headers(fail), info: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (error) {
    const { code, message, lines, record } = error as Error & { code?: string; lines?: number; record?: string[] };
    const said = code === 'CSV_RECORD_INCONSISTENT_COLUMNS' && record ? `this row has ${record.length} field${record.length === 1 ? '' : 's'}; the first line names a different number of columns` : message;
    return fail(said, lines ?? 1, 'each row needs as many fields as the first line has names; quote fields that hold commas');
  }
  return records.map(({ info, record }) => ({ line: info.lines, values: record }));
}

/** The first line names the columns: none empty, none twice. */
function headers(fail: Fail) {
  return (names: string[]): string[] => {
    names.forEach((name, i) => {
      if (!name) fail(`column ${i + 1} has no name in the first line`, 1, 'the first line names every column');
      if (names.indexOf(name) !== i) fail(`the column "${name}" is named twice`, 1, 'give each column its own name');
    });
    return names;
  };
}

function jsonRecords(text: string, lines: boolean, fail: Fail): { line: number; values: Record<string, unknown> }[] {
  const object = (value: unknown, line: number, what: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${what} is not an object of column values`, line, 'write each row as {"column": "value", …}');
    return { line, values: value as Record<string, unknown> };
  };
  const read = (source: string, line: number) => {
    try {
      return JSON.parse(source) as unknown;
    } catch (error) {
      return fail(`not valid JSON: ${(error as Error).message}`, line);
    }
  };
  if (lines) {
    return text.split('\n').flatMap((source, i) => (source.trim() ? [object(read(source, i + 1), i + 1, `line ${i + 1}`)] : []));
  }
  const all = read(text, 1);
  if (!Array.isArray(all)) return fail('a .json data file holds an array of rows', 1, 'write [{"column": "value"}, …], or one object per line in a .jsonl file');
  return all.map((value, i) => object(value, 1, `row ${i + 1}`));
}
