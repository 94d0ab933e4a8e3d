import { printable } from '../../display.js';
import type { RecipeReport } from '../events.js';

/** A recipe that never ran because it was invalid: its file, what was wrong, and each problem where it is. */
export interface InvalidRecipe {
  file: string;
  /** The data row that did not pass, for a recipe with data. */
  row?: number;
  code: string;
  message: string;
  problems: { file: string; line?: number; col?: number; code: string; message: string; hint?: string }[];
}

/** `file:line:col: message (hint: …)`, one line per problem. */
function problemLines(p: InvalidRecipe): string {
  if (!p.problems.length) return p.message;
  return p.problems.map((e) => `${e.file}${e.line ? `:${e.line}:${e.col}` : ''}: ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}`).join('\n');
}

/** JUnit XML for CI dashboards: one test case per recipe; failures carry the error code and message. */
export function junitXml(reports: RecipeReport[], invalid: InvalidRecipe[] = []): string {
  const failures = reports.filter((r) => r.status === 'failed').length + invalid.length;
  const skipped = reports.filter((r) => r.status === 'cancelled').length;
  const total = reports.length + invalid.length;
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const cases = [
    ...reports.map((r) => {
      const attrs = `classname="${xml(r.file)}" name="${xml(r.recipe)}" time="${seconds(r.ms)}"`;
      if (r.status === 'failed') {
        const detail = [r.error?.message, r.error?.hint && `hint: ${r.error.hint}`, ...r.warnings.map((w) => `warning: ${w}`)].filter(Boolean).join('\n');
        return `    <testcase ${attrs}>\n      <failure type="${xml(r.error?.code ?? 'E_STEP')}" message="${xml(r.error?.message ?? 'failed')}">${xml(detail)}</failure>\n    </testcase>`;
      }
      if (r.status === 'cancelled') return `    <testcase ${attrs}>\n      <skipped message="interrupted"/>\n    </testcase>`;
      const out = r.upToDate ? `up to date: ${r.output}` : `wrote ${r.output}`;
      return `    <testcase ${attrs}>\n      <system-out>${xml(out)}</system-out>\n    </testcase>`;
    }),
    ...invalid.map(
      (p) =>
        `    <testcase classname="${xml(p.file)}" name="${xml(p.row ? `${p.file} row ${p.row}` : p.file)}" time="0.000">\n      <failure type="${xml(p.code)}" message="${xml(p.message)}">${xml(problemLines(p))}</failure>\n    </testcase>`,
    ),
  ];
  const time = seconds(reports.reduce((sum, r) => sum + r.ms, 0));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="nemo-run" tests="${total}" failures="${failures}" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="nemo-run" tests="${total}" failures="${failures}" skipped="${skipped}" time="${time}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return printable(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Control characters are not allowed in XML 1.0.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
