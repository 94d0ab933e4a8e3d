import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, runMain, spawnCli } from '../helpers/cli.js';
import { NemoFake } from '../fakes/nemo-server.js';
import { peakRss, sparseVideo } from '../helpers/big-file.js';
import { tmpProject, writeRecipe } from '../helpers/tmp.js';

const VIDEO = join(ROOT, 'test/fixtures/media/clip.mp4');
const IMAGES = ['blue.jpg', 'red.jpg', 'green-tall.png', 'logo.png', 'broken.jpg'];
const RECIPE = `name: shop
backend: nemo
inputs:
${IMAGES.map((i) => `  - media/${i}\n`).join('')}  - media/clip.mp4
instructions:
  - turn these product images into a 15-second promo
  - add background music
  - add the title "Summer Sale"
export:
  output: out/\${name}.mp4
`;

let fake: NemoFake;
beforeEach(async () => {
  fake = await new NemoFake().start(VIDEO);
});
afterEach(async () => {
  await fake.close();
});

/**
 * Runs the CLI against the fake, with protocol waits shortened and the config folder inside the project. Runs go
 * through `main()` in this process (runMain), except where a real process matters: signals and memory.
 */
function env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return fake.env(dir, extra);
}

async function project(yaml = RECIPE): Promise<string> {
  const dir = await tmpProject();
  await writeRecipe(dir, 'shop.yaml', yaml);
  return dir;
}

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

/** Every secret the fake handed out must stay out of everything the CLI printed. */
function expectNoToken(...outputs: string[]) {
  for (const token of fake.issuedTokens()) for (const output of outputs) expect(output).not.toContain(token);
  for (const output of outputs) expect(output).not.toMatch(/nmv_usr_[0-9a-f]/);
}

describe('the nemo cloud backend against a faithful local server', () => {
  it('runs a recipe end to end: token, session, uploads, edits in order, one render, a byte-identical download', async () => {
    const dir = await project();
    const { code, stdout, stderr } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout + stderr).toBe(0);
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));

    // Attribution on every API request, the token on every one but the token call itself.
    const api = fake.seen.filter((s) => !s.path.startsWith('/files/'));
    for (const request of api) {
      expect(request.headers).toMatchObject({ 'x-skill-source': 'nemo-run', 'x-skill-version': '0.1.0', 'x-skill-platform': 'unknown' });
      if (request.path === '/api/auth/anonymous-token') expect(request.headers.authorization).toBeUndefined();
      else expect(request.headers.authorization).toMatch(/^Bearer nmv_usr_/);
    }
    expect(fake.requests('POST', /anonymous-token/)).toHaveLength(1);
    expect(fake.requests('POST', /with-session/).map((s) => s.json)).toEqual([{ task_name: 'project', language: expect.any(String) }]);

    // Every file arrived whole: size and checksum match.
    const [session] = [...fake.sessions.values()];
    expect(session!.files.map((f) => f.filename).sort()).toEqual([...IMAGES, 'clip.mp4'].sort());
    for (const file of session!.files) {
      const local = join(dir, 'media', file.filename);
      expect(file.size).toBe((await stat(local)).size);
      expect(file.sha256).toBe(await sha256(local));
    }

    // The instructions went out in order, exactly once each, in the ADK request shape.
    expect(fake.requests('POST', /^\/run_sse$/).map((s) => s.json)).toEqual(
      ['turn these product images into a 15-second promo', 'add background music', 'add the title "Summer Sale"'].map((text) => ({
        app_name: 'nemo_agent',
        user_id: 'me',
        session_id: session!.id,
        new_message: { parts: [{ text }] },
      })),
    );
    expect(fake.renderStarts).toBe(1);
    const [exported] = fake.requests('POST', /^\/api\/render\/proxy\/lambda$/);
    expect(exported!.json).toMatchObject({ id: expect.stringMatching(/^render_\d+$/), sessionId: session!.id, output: { format: 'mp4', quality: 'high' } });
    expect(exported!.json.draft).toEqual(session!.draft);

    // The reply is shown with its GUI talk translated; tool calls stay internal; the token is stored privately.
    expect(stdout).toContain('cloud: Done: add background music. nemo-run exports the video itself once every instruction is done.');
    expect(stdout).not.toContain('edit_timeline');
    expect(stdout).not.toContain('Click the Export button');
    const tokenFile = join(dir, 'config/nemovideo/token.json');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'config/nemovideo/client_id'), 'utf8')).toMatch(/^[0-9a-f-]{36}\n$/);
    expectNoToken(stdout, stderr);
    // Nothing left to resume after a finished run.
    expect(existsSync(join(dir, '.nemo-run/shop.nemo.json'))).toBe(false);
  });

  it('accepts the older flat events and the other render-status shape', async () => {
    fake.flatEvents = true;
    fake.statusShape = 'data';
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('cloud: Done: add background music.');
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));
  });

  it('reuses a stored anonymous token on the next run', async () => {
    const dir = await project();
    expect((await runMain(['shop.yaml'], { cwd: dir, env: env(dir) })).code).toBe(0);
    expect((await runMain(['shop.yaml'], { cwd: dir, env: env(dir) })).code).toBe(0);
    expect(fake.requests('POST', /anonymous-token/)).toHaveLength(1);
  });

  it('a stream that closes with no text: the state is polled until the timeline changed, nothing is sent twice', async () => {
    fake.faults.silentTurns = [2];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('the cloud closed the turn without a reply; checking the timeline');
    expect(stdout).toMatch(/the timeline changed: Timeline \(2 tracks\): 1\. Video: .* 2\. BGM: Lo-fi \(0-18s, 35%\)/);
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(3);
  });

  it('a silent turn that changed nothing fails after 5 unchanged checks, without sending it again', async () => {
    fake.faults.idleTurns = [2];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(1);
    expect(stdout).toContain('the cloud closed the turn without a reply and the timeline did not change in 5 checks: "add background music"');
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(2);
    expect(fake.requests('GET', /^\/api\/state/).length).toBeGreaterThanOrEqual(1 + 1 + 5);
    expect(fake.renderStarts).toBe(0);
  });

  it('a dropped connection is answered by checking the state, not by sending the instruction again', async () => {
    fake.faults.droppedTurns = [1];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('the connection dropped; checking the timeline instead of sending again');
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(3);
  });

  it('heartbeats only: "Still working…", then a time-out with a clear message', async () => {
    fake.faults.heartbeatTurns = [1];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir, { NEMO_STREAM_TIMEOUT_MS: '500' }) });
    expect(code).toBe(1);
    expect(stdout).toContain('Still working…');
    expect(stdout).toContain('the cloud sent nothing but heartbeats for 1 s [E_BACKEND_TIMEOUT]');
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(1);
  });

  it('429: waits for Retry-After, then retries once', async () => {
    fake.faults.rateLimit = { path: /with-session/, times: 1, retryAfter: 0.3 };
    const dir = await project();
    const t0 = performance.now();
    const { code } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeGreaterThan(300);
    expect(fake.requests('POST', /with-session/)).toHaveLength(2);
    expect(fake.sessions.size).toBe(1);
  });

  it('5xx on idempotent calls: retried with backoff, and the server saw the failures then the success', async () => {
    fake.faults.unavailable = { path: /^\/api\/state\//, times: 2 };
    const dir = await project();
    const { code } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(0);
    expect(fake.requests('GET', /^\/api\/state\//).slice(0, 3).map((s) => s.status)).toEqual([503, 503, 200]);
  });

  it('5xx that does not stop: 3 attempts in all, then a failure naming the status', async () => {
    fake.faults.unavailable = { path: /^\/api\/state\//, times: 1000 };
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(1);
    expect(stdout).toContain('the NemoVideo API answered HTTP 503 [E_BACKEND_HTTP]');
    expect(fake.requests('GET', /^\/api\/state\//).map((s) => s.status)).toEqual([503, 503, 503]);
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(0);
  });

  it('a token that expires mid-run: a fresh anonymous token, the call retried once', async () => {
    fake.faults.expireTokensAfter = 5;
    const dir = await project();
    const { code, stdout, stderr } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(fake.requests('POST', /anonymous-token/)).toHaveLength(2);
    expect(fake.renderStarts).toBe(1);
    expectNoToken(stdout, stderr);
  });

  it('a bad NEMO_TOKEN: exit 3 with advice, and the token appears nowhere', async () => {
    const dir = await project();
    const secret = 'nmv_usr_users_own_secret_value';
    const { code, stdout, stderr } = await runMain(['shop.yaml', '--json'], { cwd: dir, env: env(dir, { NEMO_TOKEN: secret }) });
    expect(code).toBe(3);
    const report = JSON.parse(stdout);
    expect(report.recipes[0].error).toMatchObject({ code: 'E_BACKEND_AUTH', message: 'NEMO_TOKEN was refused: it is expired or invalid' });
    expect(report.recipes[0].error.hint).toContain('unset it to use a free anonymous token');
    for (const output of [stdout, stderr]) expect(output).not.toContain(secret);
    expect(fake.requests('POST', /anonymous-token/)).toHaveLength(0);
  });

  it('HTTP 400 on the token call: a new client id, then success', async () => {
    fake.faults.rejectFirstClientId = true;
    const dir = await project();
    const { code } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(0);
    const [first, second] = fake.requests('POST', /anonymous-token/);
    expect(first!.headers['x-client-id']).not.toBe(second!.headers['x-client-id']);
    expect(await readFile(join(dir, 'config/nemovideo/client_id'), 'utf8')).toBe(`${second!.headers['x-client-id']}\n`);
  });

  it('a session that vanishes: a new one, uploads and earlier edits redone, one render', async () => {
    fake.faults.vanishSessionAfterTurns = 2;
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('the cloud session was lost; starting a new one and redoing 6 uploads and 2 instructions');
    expect(fake.requests('POST', /with-session/)).toHaveLength(2);
    const [second] = [...fake.sessions.values()];
    expect(second!.files).toHaveLength(6);
    expect(second!.turns).toEqual(['turn these product images into a 15-second promo', 'add background music', 'add the title "Summer Sale"']);
    expect(fake.renderStarts).toBe(1);
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));
  });

  it('a session rebuilt before an interruption is the one a resumed run continues in: nothing is paid twice', async () => {
    fake.faults.vanishSessionAfterTurns = 2;
    // Turn 3 finds the session gone; the rebuild replays turns 3 and 4; the retried third instruction (turn 5) hangs.
    fake.faults.heartbeatTurns = [5];
    const dir = await project();
    const first = await runMain(['shop.yaml'], { cwd: dir, env: env(dir, { NEMO_STREAM_TIMEOUT_MS: '500' }) });
    expect(first.code).toBe(1);
    fake.faults.heartbeatTurns = [];
    const second = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(second.code, second.stdout).toBe(0);
    expect(second.stdout).not.toContain('session was lost');
    expect(fake.requests('POST', /with-session/)).toHaveLength(2);
    expect(fake.requests('POST', /upload-video/)).toHaveLength(12);
    // 2 turns, the one refused with 1002, 2 replayed, and the hung one, which the resumed run finds applied: 6.
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(6);
    expect(second.stdout).toContain('"add the title \"Summer Sale\"" was being sent when the last run stopped; checking the timeline instead of sending it again');
    expect(fake.renderStarts).toBe(1);
  });

  it('out of credits: exit 3 with the registration link for anonymous users', async () => {
    fake.credits = 15;
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(3);
    expect(stdout).toContain('out of NemoVideo credits [E_BACKEND_CREDITS]');
    expect(stdout).toMatch(/register to get more: https:\/\/nemovideo\.ai\/\?bind=anon_[0-9a-f]{8}/);
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(2);
    expect(fake.renderStarts).toBe(0);
  });

  it('a refused file type names the file and the accepted types (exit 3)', async () => {
    fake.faults.refuseType = 'png';
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(3);
    expect(stdout).toMatch(/green-tall\.png|logo\.png/);
    expect(stdout).toContain('the cloud does not accept this file type');
    expect(stdout).toContain('accepted types: mp4 mov avi webm mkv jpg jpeg png gif webp mp3 wav m4a aac');
  });

  it('a file over the size limit of the cloud: exit 3, the file named, advice to compress or trim', async () => {
    fake.faults.maxUploadBytes = 50_000;
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(3);
    expect(stdout).toContain('clip.mp4: the file is too large for the cloud (limit 500 MB)');
    expect(stdout).toContain('hint: compress or trim it below 500 MB');
  });

  it('sends URL inputs as a JSON upload for the cloud to fetch', async () => {
    const dir = await project(`backend: nemo\ninputs:\n  - media/blue.jpg\n  - { url: "https://cdn.example.com/clips/intro.mp4" }\ninstructions:\n  - make a video\n`);
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    const uploads = fake.requests('POST', /upload-video/);
    expect(uploads.map((u) => u.json).filter(Boolean)).toEqual([{ urls: ['https://cdn.example.com/clips/intro.mp4'], source_type: 'url' }]);
    expect(uploads.filter((u) => String(u.headers['content-type']).startsWith('multipart/form-data'))).toHaveLength(1);
  });

  it('HTTP 402 on export: exit 3, "a plan limit, not credits"', async () => {
    fake.faults.planLimit = true;
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(3);
    expect(stdout).toContain('a plan limit, not credits [E_BACKEND_PLAN_LIMIT]');
  });

  it('a connection cut mid-upload: that upload is sent again and kept once', async () => {
    fake.faults.cutUploads = [2];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    expect(fake.requests('POST', /upload-video/)).toHaveLength(7);
    const [session] = [...fake.sessions.values()];
    expect(session!.files.map((f) => f.filename).sort()).toEqual([...IMAGES, 'clip.mp4'].sort());
  });

  it('a connection cut mid-download: resumed with a Range request, the file byte-identical', async () => {
    fake.faults.cutDownloads = [1];
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code, stdout).toBe(0);
    const downloads = fake.requests('GET', /^\/files\//);
    expect(downloads).toHaveLength(2);
    expect(fake.halfSent).toBeGreaterThan(0);
    expect(downloads[1]!.headers.range).toBe(`bytes=${fake.halfSent}-`);
    expect(downloads[1]!.headers['if-range']).toMatch(/^"\d+-\d+"$/);
    expect(downloads[1]!.status).toBe(206);
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));
  });

  it('a render that fails: exit 1, a clear message, nothing at the output path', async () => {
    fake.faults.renderFails = true;
    const dir = await project();
    const { code, stdout } = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(code).toBe(1);
    expect(stdout).toMatch(/the cloud render render_\d+ failed/);
    expect(existsSync(join(dir, 'out/shop.mp4'))).toBe(false);
  });

  it('interrupted while the render runs, then started again: the same render is polled, exactly one started', async () => {
    fake.renderPolls = 1_000_000;
    const dir = await project();
    const child = spawnCli(['shop.yaml'], { cwd: dir, env: env(dir) });
    await new Promise<void>((resolve) => {
      const check = setInterval(() => fake.requests('GET', /^\/api\/render\/proxy\/lambda\//).length > 2 && (clearInterval(check), resolve()), 10);
    });
    child.kill('SIGINT');
    expect((await child.result).code).toBe(130);
    const journal = JSON.parse(await readFile(join(dir, '.nemo-run/shop.nemo.json'), 'utf8'));
    expect(journal.steps['export#checkpoint'].renderId).toMatch(/^render_\d+$/);
    expect(JSON.stringify(journal)).not.toMatch(/nmv_usr_/);

    fake.renderPolls = 1;
    const again = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(again.code, again.stdout).toBe(0);
    expect(fake.renderStarts).toBe(1);
    expect(fake.requests('POST', /with-session/)).toHaveLength(1);
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(3);
    expect(fake.requests('POST', /upload-video/)).toHaveLength(6);
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));
  });

  it('a render that failed is not polled again by the next run: a new one is started', async () => {
    fake.faults.renderFails = true;
    const dir = await project();
    expect((await runMain(['shop.yaml'], { cwd: dir, env: env(dir) })).code).toBe(1);
    fake.faults.renderFails = false;
    const again = await runMain(['shop.yaml'], { cwd: dir, env: env(dir) });
    expect(again.code, again.stdout).toBe(0);
    expect(fake.renderStarts).toBe(2);
    // The session, uploads and edits of the first run were kept.
    expect(fake.requests('POST', /^\/run_sse$/)).toHaveLength(3);
    expect(await readFile(join(dir, 'out/shop.mp4'))).toEqual(await readFile(VIDEO));
  });

  it('credits and state commands', async () => {
    const dir = await project();
    expect((await runMain(['shop.yaml'], { cwd: dir, env: env(dir) })).code).toBe(0);
    const credits = await runMain(['credits'], { cwd: dir, env: env(dir) });
    expect(credits.stdout).toBe('credits: 70 available, 0 frozen (held by work in progress), 70 total\n');
    const [session] = [...fake.sessions.values()];
    const state = await runMain(['state', session!.id], { cwd: dir, env: env(dir) });
    expect(state.stdout).toBe('Timeline (3 tracks): 1. Video: 5 images, 1 clip (0-18s) 2. BGM: Lo-fi (0-18s, 35%) 3. Title: "Summer Sale" (0-3s)\n');
  });

  it('uploads a 500 MB file in constant memory: no more than a tiny upload takes, far below the file size', async () => {
    const measure = async (bytes: number) => {
      const dir = await project(`backend: nemo\ninputs:\n  - media/big.mp4\ninstructions:\n  - make a video\n`);
      await sparseVideo(join(dir, 'media/big.mp4'), bytes, VIDEO);
      const child = spawnCli(['shop.yaml'], { cwd: dir, env: env(dir) });
      const peak = await peakRss(child.pid!, child.result);
      expect((await child.result).code).toBe(0);
      return peak;
    };
    const size = 500 * 1024 * 1024;
    const small = await measure(1024 * 1024);
    const big = await measure(size);
    expect(fake.requests('POST', /upload-video/)).toHaveLength(2);
    expect([...fake.sessions.values()].map((s) => s.files[0]!.size)).toEqual([1024 * 1024, size]);
    expect(small).toBeGreaterThan(0);
    expect(big - small).toBeLessThan(64 * 1024 * 1024);
    expect(big).toBeLessThan(size / 2);
  });
});
