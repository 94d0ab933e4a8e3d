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
    expect(formatSummary([report], io, true)).toBe('! promo: promo.yaml:6:5: not understood in "add sparkles": sparkles\n');
  });

  it('prints one line per finished recipe when the progress was plain lines (the warnings are already above)', () => {
    expect(formatSummary([report], io, false)).toBe('✔ promo → out/promo.mp4 (1.2s)\n');
  });
});
