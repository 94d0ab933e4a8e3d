import { relative, resolve } from 'node:path';
import { displayPath, seconds } from '../display.js';
import { NemoError, RecipeError, RecipeValidationError } from '../errors.js';
import type { RecipeReport } from '../execute/events.js';
import type { InvalidRecipe } from '../execute/reporters/junit.js';
import { styler, type Io } from './io.js';

/** The most characters of a recipe line shown under an error. */
const SHOWN_CHARS = 120;

/** `file:line:col: message`, the offending line with a caret under the spot, and a hint. */
export function formatRecipeError(error: RecipeError, style = styler({} as Io), warning = false): string {
  const { file, line, col } = error.pos;
  const said = warning ? style.yellow(`warning: ${error.message}`) : `${style.red(error.message)} ${style.dim(`[${error.code}]`)}`;
  const lines = [`${style.bold(`${file}:${line}:${col}:`)} ${said}`];
  if (error.sourceLine !== undefined) {
    const gutter = String(line);
    // A long line (minified, or an attack) is shown as a window around the spot.
    const start = error.sourceLine.length > SHOWN_CHARS ? Math.max(0, col - 1 - SHOWN_CHARS / 2) : 0;
    const cut = error.sourceLine.slice(start, start + SHOWN_CHARS).replace(/\t/g, ' ');
    const shown = `${start > 0 ? '…' : ''}${cut}${start + SHOWN_CHARS < error.sourceLine.length ? '…' : ''}`;
    const caret = Math.min(error.length, SHOWN_CHARS);
    lines.push(`  ${style.dim(`${gutter} |`)} ${shown}`);
    lines.push(`  ${' '.repeat(gutter.length)} ${style.dim('|')} ${' '.repeat(col - 1 - start + (start > 0 ? 1 : 0))}${style.red('^'.repeat(caret))}`);
  }
  if (error.hint) lines.push(`  ${style.cyan('hint:')} ${error.hint}`);
  return lines.join('\n');
}

/** Prints any error the way users should see it; returns the exit code it maps to. */
export function reportError(error: unknown, io: Io): number {
  const style = styler(io);
  if (error instanceof RecipeValidationError) {
    io.stderr.write(`${error.errors.map((e) => formatRecipeError(e, style)).join('\n\n')}\n`);
    if (onGithub(io)) io.stderr.write(error.errors.map((e) => annotation(e, io)).join(''));
    return error.exitCode;
  }
  if (error instanceof NemoError) {
    io.stderr.write(`${style.red('error:')} ${error.message}${style.dim(` [${error.code}]`)}\n`);
    if (error.hint) io.stderr.write(`  ${style.cyan('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  io.stderr.write(`${style.red('internal error')} (this is a bug in nemo-run; please report it):\n${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}

/**
 * Prints what passed its checks but deserves a look (`shown`), as `file:line:col: warning: …`; under GitHub Actions
 * every one of `annotated` (default: the same) also becomes a `::warning` at its line.
 */
export function reportWarnings(shown: RecipeError[], io: Io, annotated = shown): void {
  const style = styler(io);
  if (shown.length) io.stderr.write(`${shown.map((w) => formatRecipeError(w, style, true)).join('\n\n')}\n`);
  if (onGithub(io)) io.stderr.write(annotated.map((w) => annotation(w, io, 'warning')).join(''));
}

/** Says which files of a folder or glob were not taken as recipes, and why. */
export const skipped = (io: Io) => (file: string, reason: string) => io.stderr.write(`skipped ${file}: ${reason}\n`);

/** True when GitHub Actions reads the output: recipe problems are then also printed as annotations. */
export const onGithub = (io: Io) => io.env.GITHUB_ACTIONS === 'true';

/**
 * A GitHub Actions annotation (`::error` or `::warning`) at a place in a recipe; the file is relative to
 * `GITHUB_WORKSPACE`, which is what GitHub matches against the repository.
 */
export function annotation(error: RecipeError, io?: Pick<Io, 'env' | 'cwd'>, level: 'error' | 'warning' = 'error'): string {
  const { file, line, col } = error.pos;
  return `::${level} file=${workspacePath(file, io)},line=${line},col=${col}::${escapeAnnotation(`${error.message}${error.hint ? ` (${error.hint})` : ''}`)}\n`;
}

function workspacePath(file: string, io?: Pick<Io, 'env' | 'cwd'>): string {
  const root = io?.env.GITHUB_WORKSPACE;
  return root && io ? relative(resolve(io.cwd, root), resolve(io.cwd, file)) : file;
}

/**
 * GitHub Actions annotations for recipes whose run failed: at the line of the input or instruction whose step failed
 * (`where` finds it), else at the recipe's first line.
 */
export function runAnnotations(reports: RecipeReport[], io?: Pick<Io, 'env' | 'cwd'>, where?: (report: RecipeReport) => { line: number; col: number } | undefined): string {
  return reports
    .filter((r) => r.status === 'failed')
    .map((r) => {
      const at = where?.(r);
      const pos = at ? `line=${at.line},col=${at.col}` : 'line=1';
      return `::error file=${workspacePath(r.file, io)},${pos}::${escapeAnnotation(`${r.recipe}: ${r.error?.message ?? 'failed'}${r.error?.hint ? ` (${r.error.hint})` : ''}`)}\n`;
    })
    .join('');
}

function escapeAnnotation(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The problems of recipes that did not pass their checks, as `--json` and the reporters give them. */
export function invalidRecipes(problems: { file: string; row?: { number: number }; error: NemoError }[]): InvalidRecipe[] {
  return problems.map(({ file, row, error }) => {
    const each = error instanceof RecipeValidationError ? error.errors : [error];
    return {
      file,
      ...(row ? { row: row.number } : {}),
      code: error.code,
      message: error.message,
      problems: each.map((e) => ({
        file: e instanceof RecipeError ? e.pos.file : file,
        ...(e instanceof RecipeError ? { line: e.pos.line, col: e.pos.col } : {}),
        code: e.code,
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
      })),
    };
  });
}

/** What was made: `2.0s, 14.2 KB, poster out/r.poster.png`. */
function facts(r: RecipeReport, cwd: string): string {
  const kb = r.bytes === undefined ? undefined : r.bytes >= 1024 * 1024 ? `${(r.bytes / 1024 / 1024).toFixed(1)} MB` : `${(r.bytes / 1024).toFixed(1)} KB`;
  return [r.durationMs !== undefined && seconds(r.durationMs), kb, r.poster && `poster ${displayPath(r.poster, cwd)}`].filter(Boolean).join(', ');
}

/**
 * The closing summary of a run: what was made (length, size, poster), its warnings, what failed and why, and the
 * recipes that were invalid. `shown` recipes were already listed (listr) and get only their facts and warnings.
 */
export function formatSummary(reports: RecipeReport[], io: Io, shown = false, invalid: InvalidRecipe[] = []): string {
  const style = styler(io, 'stdout');
  const lines = reports.flatMap((r) => {
    const made = facts(r, io.cwd);
    const after = [...(made ? [`    ${style.dim(made)}`] : []), ...r.warnings.map((w) => `    ${style.yellow('!')} ${w}`)];
    if (r.status === 'ok' && r.upToDate) return [`${style.green('✔')} ${r.recipe} → ${displayPath(r.output, io.cwd)} ${style.dim('(up to date)')}`, ...after];
    if (r.status === 'ok') return shown ? (after.length ? [`${r.recipe}:`, ...after] : []) : [`${style.green('✔')} ${r.recipe} → ${displayPath(r.output, io.cwd)} ${style.dim(`(${seconds(r.ms)})`)}`, ...after];
    if (r.status === 'cancelled') return [`${style.yellow('■')} ${r.recipe}: cancelled`];
    const hint = `${r.error?.hint ? `\n    ${style.cyan('hint:')} ${r.error.hint}` : ''}${r.error?.stack ? `\n${style.dim(r.error.stack)}` : ''}`;
    return [`${style.red('✖')} ${r.recipe}: ${r.error?.message ?? 'failed'}${style.dim(` [${r.error?.code}]`)}${hint}`, ...after];
  });
  for (const p of invalid) lines.push(`${style.red('✖')} ${p.file}${p.row ? ` row ${p.row}` : ''}: invalid, not run (${p.problems.length} problem${p.problems.length === 1 ? '' : 's'}, above)`);
  const failed = reports.filter((r) => r.status === 'failed').length;
  const total = reports.length + invalid.length;
  if (total > 1) lines.push(`${reports.length - failed} of ${total} videos done${failed ? `, ${failed} failed` : ''}${invalid.length ? `, ${invalid.length} invalid` : ''}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
