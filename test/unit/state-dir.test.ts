import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stateDir } from '../../src/state-dir.js';
import { tmpProject } from '../helpers/tmp.js';

describe('stateDir', () => {
  it('keeps state beside writable recipes', async () => {
    const dir = await tmpProject();
    expect(stateDir(dir)).toBe(join(dir, '.nemo-run'));
  });

  // As root every existing folder is writable to access(2), so the fallback is shown with a folder we cannot write to
  // because it does not exist.
  it('falls back to a stable folder in the temporary space when the recipes cannot be written beside', () => {
    const first = stateDir('/nonexistent/recipes');
    expect(first.startsWith(join(tmpdir(), 'nemo-run'))).toBe(true);
    expect(stateDir('/nonexistent/recipes')).toBe(first);
    expect(stateDir('/nonexistent/other')).not.toBe(first);
  });
});
