import { chmod, chown, mkdir, stat, symlink } from 'node:fs/promises';
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
  it('falls back to a private folder of the user cache, made 0700, stable per recipe folder', async () => {
    const cache = await tmpProject();
    const env = { XDG_CACHE_HOME: cache };
    const first = stateDir('/nonexistent/recipes', env);
    expect(first.startsWith(join(cache, 'nemo-run'))).toBe(true);
    expect((await stat(join(cache, 'nemo-run'))).mode & 0o777).toBe(0o700);
    expect(stateDir('/nonexistent/recipes', env)).toBe(first);
    expect(stateDir('/nonexistent/other', env)).not.toBe(first);
  });

  it('refuses a cache folder that others can write, or that is a link planted elsewhere', async () => {
    const open = await tmpProject();
    await mkdir(join(open, 'nemo-run'), { mode: 0o777 });
    await chmod(join(open, 'nemo-run'), 0o777);
    expect(() => stateDir('/nonexistent/recipes', { XDG_CACHE_HOME: open })).toThrow(/open to other users.*\n?/);
    expect(() => stateDir('/nonexistent/recipes', { XDG_CACHE_HOME: open })).toThrow(expect.objectContaining({ code: 'E_STATE', hint: expect.stringContaining('chmod 700') }));

    const linked = await tmpProject();
    const elsewhere = await tmpProject();
    await chmod(elsewhere, 0o700);
    await symlink(elsewhere, join(linked, 'nemo-run'));
    expect(() => stateDir('/nonexistent/recipes', { XDG_CACHE_HOME: linked })).toThrow(/is a symbolic link/);
  });
});

describe('stateDir beside the recipes', () => {
  it('does not use a .nemo-run that another user made, that others can write, or that is a link: the private cache instead', async () => {
    const cache = await tmpProject();
    const env = { XDG_CACHE_HOME: cache };
    const open = await tmpProject();
    await mkdir(join(open, '.nemo-run'));
    await chmod(join(open, '.nemo-run'), 0o777);
    expect(stateDir(open, env).startsWith(join(cache, 'nemo-run'))).toBe(true);

    const linked = await tmpProject();
    await symlink(await tmpProject(), join(linked, '.nemo-run'));
    expect(stateDir(linked, env).startsWith(join(cache, 'nemo-run'))).toBe(true);

    if (process.getuid?.() === 0) {
      const foreign = await tmpProject();
      await mkdir(join(foreign, '.nemo-run'));
      await chown(join(foreign, '.nemo-run'), 65534, 65534);
      expect(stateDir(foreign, env).startsWith(join(cache, 'nemo-run'))).toBe(true);
    }
    const own = await tmpProject();
    await mkdir(join(own, '.nemo-run'));
    expect(stateDir(own, env)).toBe(join(own, '.nemo-run'));
  });
});
