import { displayPath, seconds } from '../display.js';
import { NemoError, RecipeError, RecipeValidationError } from '../errors.js';
import type { RecipeReport } from '../execute/events.js';
import { styler, type Io } from './io.js';

/** The most characters of a recipe line shown under an error. */
const SHOWN_CHARS = 120;

/** `file:line:col: message`, the offending line with a caret under the spot, and a hint. */
export function formatRecipeError(error: RecipeError, style = styler({} as Io)): string {
  const { file, line, col } = error.pos;
  const lines = [`${style.bold(`${file}:${line}:${col}:`)} ${style.red(error.message)} ${style.dim(`[${error.code}]`)}`];
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
    if (io.env.GITHUB_ACTIONS === 'true') io.stderr.write(error.errors.map(annotation).join(''));
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

/** A GitHub Actions annotation for a recipe error. */
export function annotation(error: RecipeError): string {
  return `::error file=${error.pos.file},line=${error.pos.line},col=${error.pos.col}::${escapeAnnotation(`${error.message}${error.hint ? ` (${error.hint})` : ''}`)}\n`;
}

/** GitHub Actions annotations for recipes whose run failed (at the recipe file, as no line is to blame). */
export function runAnnotations(reports: RecipeReport[]): string {
  return reports
    .filter((r) => r.status === 'failed')
    .map((r) => `::error file=${r.file},line=1::${escapeAnnotation(`${r.recipe}: ${r.error?.message ?? 'failed'}${r.error?.hint ? ` (${r.error.hint})` : ''}`)}\n`)
    .join('');
}

function escapeAnnotation(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** The closing summary of a run: what was made, what failed and why. `shown` recipes were already listed (listr). */
export function formatSummary(reports: RecipeReport[], io: Io, shown = false): string {
  const style = styler(io, 'stdout');
  const lines = reports.flatMap((r) => {
    if (r.status === 'ok' && r.upToDate) return [`${style.green('✔')} ${r.recipe} → ${displayPath(r.output, io.cwd)} ${style.dim('(up to date)')}`];
    // The live task list is gone when this prints: its warnings are said again so they stay on screen.
    if (r.status === 'ok') return shown ? r.warnings.map((w) => `${style.yellow('!')} ${r.recipe}: ${w}`) : [`${style.green('✔')} ${r.recipe} → ${displayPath(r.output, io.cwd)} ${style.dim(`(${seconds(r.ms)})`)}`];
    if (r.status === 'cancelled') return [`${style.yellow('■')} ${r.recipe}: cancelled`];
    const hint = `${r.error?.hint ? `\n    ${style.cyan('hint:')} ${r.error.hint}` : ''}${r.error?.stack ? `\n${style.dim(r.error.stack)}` : ''}`;
    return [`${style.red('✖')} ${r.recipe}: ${r.error?.message ?? 'failed'}${style.dim(` [${r.error?.code}]`)}${hint}`];
  });
  const failed = reports.filter((r) => r.status === 'failed').length;
  if (reports.length > 1) lines.push(`${reports.length - failed} of ${reports.length} recipes done${failed ? `, ${failed} failed` : ''}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
