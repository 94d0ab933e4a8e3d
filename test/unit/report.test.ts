import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/cli/report.js';
import type { RecipeReport } from '../../src/execute/events.js';

const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: { NO_COLOR: '1' }, cwd: '/work' };
const report: RecipeReport = {
  recipe: 'promo', file: 'promo.yaml', backend: 'local', status: 'ok', output: '/work/out/promo.mp4', ms: 1200, steps: [],
  warnings: ['promo.yaml:6:5: not understood in "add sparkles": sparkles'],
};

describe('the run summary', () => {
  it('says the warnings again after a live task list, which took them away with it', () => {
    expect(formatSummary([report], io, true)).toBe('promo:\n    ! promo.yaml:6:5: not understood in "add sparkles": sparkles\n');
  });

  it('prints each finished recipe with its length, size, poster and warnings, and counts the invalid ones', () => {
    const made = { ...report, durationMs: 30_000, bytes: 2_500_000, poster: '/work/out/promo.poster.png' };
    const invalid = [{ file: 'bad.yaml', code: 'E_RECIPE_SCHEMA', message: '1 problem in bad.yaml', problems: [{ file: 'bad.yaml', line: 3, col: 16, code: 'E_RECIPE_SCHEMA', message: 'export.fps must be >= 1 (got 0)' }] }];
    expect(formatSummary([made], io, false, invalid)).toBe(
      [
        '✔ promo → out/promo.mp4 (1.2s)',
        '    30.0s, 2.4 MB, poster out/promo.poster.png',
        '    ! promo.yaml:6:5: not understood in "add sparkles": sparkles',
        '✖ bad.yaml: invalid, not run (1 problem, above)',
        '1 of 2 videos done, 1 invalid',
        '',
      ].join('\n'),
    );
  });
});
