import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFfmpeg } from '../../src/backends/local/ffmpeg.js';
import { runMain, spawnCli } from '../helpers/cli.js';
import { FAKE_VIDEO as VIDEO, fakePerTest, shopProject } from '../helpers/cloud.js';
import { until } from '../helpers/wait.js';

const RECIPE = `name: shop
backend: nemo
inputs:
  - media/blue.jpg
instructions:
  - make a promo
`;

const fake = fakePerTest();

const project = () => shopProject(RECIPE);

/** Runs the recipe in-process as `nemo-run shop.yaml --json`; returns the recipe's error, if any. */
async function run(dir: string, extra: NodeJS.ProcessEnv = {}) {
  const result = await runMain(['shop.yaml', '--json'], { cwd: dir, env: fake().env(dir, extra) });
  return { ...result, error: JSON.parse(result.stdout).recipes[0].error };
}

const downloads = () => fake().requests('GET', /^\/files\//);
const output = (dir: string) => join(dir, 'out/shop.mp4');
const partial = (dir: string) => join(dir, 'out/.shop.mp4.download');
const journalPath = (dir: string) => join(dir, '.nemo-run/shop.nemo.json');
const hoursAgo = (path: string, hours: number) => utimes(path, new Date(Date.now() - hours * 3600_000), new Date(Date.now() - hours * 3600_000));

/**
 * Runs the recipe and kills it (-9) while ffprobe checks the finished download: the partial file is whole and the
 * journal holds its checkpoint. The ffprobe is a script that hangs on the download and runs the real one otherwise.
 */
async function killDuringCheck(dir: string): Promise<void> {
  const script = join(dir, 'ffprobe.sh');
  const pidFile = join(dir, 'ffprobe.pid');
  await writeFile(script, `#!/bin/sh\ncase "$*" in *.download) echo $$ > '${pidFile}'; exec sleep 30;; esac\nexec '${findFfmpeg({}).ffprobe}' "$@"\n`);
  await chmod(script, 0o755);
  const child = spawnCli(['shop.yaml'], { cwd: dir, env: fake().env(dir, { NEMO_FFPROBE: script }) });
  await until(async () => existsSync(pidFile) && (await readFile(pidFile, 'utf8')).endsWith('\n'));
  child.kill('SIGKILL');
  await child.result;
  try {
    process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // It died with the CLI.
  }
  expect(await readFile(partial(dir))).toEqual(await readFile(VIDEO));
  expect(existsSync(output(dir))).toBe(false);
}

describe('a download that is not a video is never saved as the output', () => {
  it('a 37-byte JSON served as video/mp4: refused by its first bytes, no output, no partial file', async () => {
    const dir = await project();
    const fakeVideo = join(dir, 'answer.json');
    await writeFile(fakeVideo, '{"code":0,"message":"ok","data":null}');
    expect((await stat(fakeVideo)).size).toBe(37);
    fake().video = fakeVideo;
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error.code).toBe('E_OUTPUT');
    expect(error.message).toMatch(/^the cloud's download is not a video \(from 127\.0\.0\.1:\d+: 37 bytes that do not start like MP4: "\{"code":0,"m"\)$/);
    expect(downloads()).toHaveLength(1);
    expect(existsSync(output(dir))).toBe(false);
    expect(existsSync(partial(dir))).toBe(false);
  });

  it('an answer whose content type is not a video: refused before a byte is kept, naming what came back', async () => {
    fake().videoType = 'application/json';
    const dir = await project();
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_OUTPUT', message: expect.stringMatching(/^the cloud's download is not a video \(from 127\.0\.0\.1:\d+: application\/json, starting "/) });
    expect(existsSync(output(dir))).toBe(false);
    expect(existsSync(partial(dir))).toBe(false);
  });

  it('bytes that start like an MP4 but that ffprobe cannot read: refused', async () => {
    const dir = await project();
    const fakeVideo = join(dir, 'fake().mp4');
    await writeFile(fakeVideo, Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(4000, 7)]));
    fake().video = fakeVideo;
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error.message).toMatch(/4012 bytes that ffprobe cannot read as a video\)$/);
    expect(existsSync(output(dir))).toBe(false);
  });

  it('a video larger than NEMO_DOWNLOAD_MAX_BYTES: refused from its announced size', async () => {
    const dir = await project();
    const { code, error } = await run(dir, { NEMO_DOWNLOAD_MAX_BYTES: '1000' });
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_OUTPUT', message: expect.stringMatching(/^the cloud's download is too large: \d+ bytes from 127\.0\.0\.1:\d+, more than 1000$/) });
    expect(existsSync(output(dir))).toBe(false);
  });
});

describe('a killed download resumes where it stopped', () => {
  it('kill -9 mid-download, then run again: a Range request from the exact offset with If-Range, the file byte-identical', async () => {
    fake().faults.stallDownloads = [1];
    const dir = await project();
    const child = spawnCli(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    // A partial a killed process left under a random name: cleaned.
    const stale = join(dir, `out/.shop.mp4.${child.pid}.0badcafe.partial.mp4`);
    await new Promise<void>((resolve) => {
      const timer = setInterval(async () => {
        const size = (await stat(partial(dir)).catch(() => undefined))?.size;
        if (fake().halfSent && size === fake().halfSent) clearInterval(timer), resolve();
      }, 10);
    });
    child.kill('SIGKILL');
    await child.result;
    const journal = JSON.parse(await readFile(journalPath(dir), 'utf8'));
    expect(journal.steps['download#checkpoint']).toMatchObject({ url: expect.stringMatching(/\/files\/render_\d+\.mp4$/), etag: expect.stringMatching(/^"\d+-\d+"$/) });
    await writeFile(stale, 'old');

    fake().faults.stallDownloads = [];
    const { code, stdout } = await run(dir);
    expect(code, stdout).toBe(0);
    const [, second] = downloads();
    expect(second!.headers.range).toBe(`bytes=${fake().halfSent}-`);
    expect(second!.headers['if-range']).toBe(journal.steps['download#checkpoint'].etag);
    expect(second!.status).toBe(206);
    expect(downloads()).toHaveLength(2);
    expect(await readFile(output(dir))).toEqual(await readFile(VIDEO));
    expect(existsSync(partial(dir))).toBe(false);
    expect(existsSync(stale)).toBe(false);
    expect(fake().renderStarts).toBe(1);
  });

  it('killed while ffprobe checked the finished download: the next run checks it without asking for it again', async () => {
    const dir = await project();
    await killDuringCheck(dir);
    const journal = JSON.parse(await readFile(journalPath(dir), 'utf8'));
    expect(journal.steps['download#checkpoint'].size).toBe((await stat(VIDEO)).size);

    const { code, stdout } = await run(dir);
    expect(code, stdout).toBe(0);
    expect(downloads()).toHaveLength(1);
    expect(await readFile(output(dir))).toEqual(await readFile(VIDEO));
    expect(existsSync(partial(dir))).toBe(false);
  });

  it('the same with a record that has no size: the server answers 416 naming that size, and the partial is checked as it is', async () => {
    const dir = await project();
    await killDuringCheck(dir);
    const journal = JSON.parse(await readFile(journalPath(dir), 'utf8'));
    delete journal.steps['download#checkpoint'].size;
    await writeFile(journalPath(dir), JSON.stringify(journal));

    const { code, stdout } = await run(dir);
    expect(code, stdout).toBe(0);
    const size = (await stat(VIDEO)).size;
    expect(downloads().map((d) => [d.headers.range, d.status])).toEqual([[undefined, 200], [`bytes=${size}-`, 416]]);
    expect(await readFile(output(dir))).toEqual(await readFile(VIDEO));
  });

  it('a partial longer than the file: the 416 answer names another size, so the partial is dropped and the download starts over', async () => {
    const dir = await project();
    await killDuringCheck(dir);
    await appendFile(partial(dir), 'junk');

    const { code, stdout } = await run(dir);
    expect(code, stdout).toBe(0);
    const size = (await stat(VIDEO)).size;
    expect(downloads().map((d) => [d.headers.range, d.status])).toEqual([[undefined, 200], [`bytes=${size + 4}-`, 416], [undefined, 200]]);
    expect(await readFile(output(dir))).toEqual(await readFile(VIDEO));
    expect(existsSync(partial(dir))).toBe(false);
  });

  it('download partials of other outputs (a renamed output) go once untouched for an hour; newer ones stay', async () => {
    const dir = await project();
    await mkdir(join(dir, 'out'));
    const renamed = join(dir, 'out/.old-name.mp4.download');
    const recent = join(dir, 'out/.other.mp4.download');
    await writeFile(renamed, 'half a video');
    await hoursAgo(renamed, 2);
    await writeFile(recent, 'half of another');
    await hoursAgo(recent, 0.5);
    const { code, stdout } = await run(dir);
    expect(code, stdout).toBe(0);
    expect(existsSync(renamed)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });

  it('a partial file with no record of where it came from is not trusted: the download starts over', async () => {
    const dir = await project();
    await mkdir(join(dir, 'out'));
    await writeFile(partial(dir), 'garbage that must not end up in the video');
    const { code } = await run(dir);
    expect(code).toBe(0);
    expect(downloads()[0]!.headers.range).toBeUndefined();
    expect(await readFile(output(dir))).toEqual(await readFile(VIDEO));
  });
});

describe('a download that fails on the network says so (E_BACKEND_NETWORK, not HTTP)', () => {
  it('cut on every attempt: 3 attempts, each resuming, then a network error; the partial is kept for the next run', async () => {
    fake().faults.cutDownloads = [1, 2, 3];
    const dir = await project();
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_NETWORK', message: expect.stringMatching(/^the video download failed \(127\.0\.0\.1:\d+: \w+\)$/) });
    expect(downloads()).toHaveLength(3);
    expect(downloads()[2]!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(existsSync(partial(dir))).toBe(true);
  });

  it('a link whose host does not resolve: a network error naming the host', async () => {
    fake().faults.outputUrl = 'https://nothing.invalid/x.mp4';
    const dir = await project();
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_NETWORK', message: 'the video download failed (cannot resolve nothing.invalid)' });
  });
});

describe('download links go only where they should', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /from 169\.254\.169\.254: only https: links are followed \(http: only to the API's own host, 127\.0\.0\.1:\d+\)/],
    ['https://169.254.169.254/x.mp4', /from 169\.254\.169\.254: 169\.254\.169\.254 is a private, loopback or link-local address/],
    ['https://10.1.2.3:8443/x.mp4', /from 10\.1\.2\.3:8443: 10\.1\.2\.3 is a private/],
    ['https://[::1]/x.mp4', /from \[::1\]: ::1 is a private/],
    ['file:///etc/passwd', /from file:\/\/\/etc\/passwd: only https: links are followed/],
  ])('%s is refused, naming its host, and nothing is fetched', async (url, message) => {
    fake().faults.outputUrl = url;
    const dir = await project();
    const { code, error } = await run(dir);
    expect(code).toBe(1);
    expect(error.code).toBe('E_BACKEND_PROTOCOL');
    expect(error.message).toMatch(/^refused to download the video /);
    expect(error.message).toMatch(message);
    expect(downloads()).toHaveLength(0);
  });

  it('http to another port of the same host is refused, and that server sees no request', async () => {
    let hits = 0;
    const other = createServer((_req, res) => (hits++, res.end('x')));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      fake().faults.outputUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/x.mp4`;
      const dir = await project();
      const { code, error } = await run(dir);
      expect(code).toBe(1);
      expect(error.message).toMatch(/^refused to download the video from 127\.0\.0\.1:\d+: only https: links are followed/);
      expect(hits).toBe(0);
    } finally {
      other.close();
    }
  });
});
