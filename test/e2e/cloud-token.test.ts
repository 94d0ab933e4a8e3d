import { chmod, chown, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { NemoFake } from '../fakes/nemo-server.js';
import { tmpProject } from '../helpers/tmp.js';

const VIDEO = join(ROOT, 'test/fixtures/media/clip.mp4');
const PLANTED = 'nmv_usr_planted_secret_0123456789';
const isRoot = process.getuid?.() === 0;

let fake: NemoFake;
beforeEach(async () => {
  fake = await new NemoFake().start(VIDEO);
});
afterEach(async () => {
  await fake.close();
});

/** A project whose config folder holds a token file (mode 0600 unless changed after). */
async function withToken(): Promise<{ dir: string; folder: string; file: string }> {
  const dir = await tmpProject();
  const folder = join(dir, 'config/nemovideo');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  const file = join(folder, 'token.json');
  await writeFile(file, JSON.stringify({ token: PLANTED, user_id: 'anon_x', expires_at: new Date(Date.now() + 86_400_000).toISOString() }), { mode: 0o600 });
  return { dir, folder, file };
}

/** `nemo-run credits` in-process: the quickest command that needs a token. */
async function credits(dir: string) {
  const result = await runMain(['credits'], { cwd: dir, env: fake.env(dir) });
  const output = result.stdout + result.stderr;
  expect(output).not.toContain(PLANTED);
  return { ...result, output };
}

describe('token files are trusted only when they are the user\'s alone, as ssh does', () => {
  it('a private token file is used', async () => {
    const { dir } = await withToken();
    const { code, output } = await credits(dir);
    // The planted token is unknown to the fake, which answers 1001; a fresh anonymous token follows.
    expect(code, output).toBe(0);
    expect(fake.requests('GET', /credits/)[0]!.headers.authorization).toBe(`Bearer ${PLANTED}`);
  });

  it('a token file readable by others (0644) is refused, with the chmod that fixes it', async () => {
    const { dir, file } = await withToken();
    await chmod(file, 0o644);
    const { code, output } = await credits(dir);
    expect(code).toBe(1);
    expect(output).toContain(`the NemoVideo token file ${file} is open to other users (mode 644); nemo-run uses only a token file that is yours alone [E_BACKEND_AUTH]`);
    expect(output).toContain(`close it with \`chmod 600 ${file}\``);
    expect(fake.seen).toHaveLength(0);
  });

  it('a token file that is a symbolic link (to someone else\'s token) is refused', async () => {
    const { dir, file } = await withToken();
    const elsewhere = join(dir, 'someone-elses-token.json');
    await writeFile(elsewhere, JSON.stringify({ token: PLANTED }), { mode: 0o600 });
    await rm(file);
    await symlink(elsewhere, file);
    const { code, output } = await credits(dir);
    expect(code).toBe(1);
    expect(output).toContain(`the NemoVideo token file ${file} is a symbolic link`);
    expect(output).toContain(`remove it (\`rm ${file}\`; nemo-run fetches a new anonymous token)`);
    expect(fake.seen).toHaveLength(0);
  });

  it.skipIf(!isRoot)('a token file owned by another user is refused (needs root to chown; skipped otherwise)', async () => {
    const { dir, file } = await withToken();
    await chown(file, 65534, 65534);
    const { code, output } = await credits(dir);
    expect(code).toBe(1);
    expect(output).toContain(`the NemoVideo token file ${file} belongs to another user (uid 65534)`);
    expect(fake.seen).toHaveLength(0);
  });

  it('a config folder others can write into is refused, with the chmod that fixes it', async () => {
    const { dir, folder } = await withToken();
    await chmod(folder, 0o777);
    const { code, output } = await credits(dir);
    expect(code).toBe(1);
    expect(output).toContain(`the NemoVideo config folder ${folder} is open to other users (mode 777) [E_BACKEND_AUTH]`);
    expect(output).toContain(`close it with \`chmod 700 ${folder}\``);
    expect(fake.seen).toHaveLength(0);
  });

  it('a new anonymous token is stored 0600 in a 0700 folder', async () => {
    const dir = await tmpProject();
    const { code } = await credits(dir);
    expect(code).toBe(0);
    expect((await stat(join(dir, 'config/nemovideo'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'config/nemovideo/token.json'))).mode & 0o777).toBe(0o600);
  });
});
