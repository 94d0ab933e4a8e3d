import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { fakePerTest, shopProject } from '../helpers/cloud.js';
import { tmpProject } from '../helpers/tmp.js';

const RECIPE = `name: shop
backend: nemo
inputs:
  - media/blue.jpg
instructions:
  - make a promo
`;

const fake = fakePerTest();

/** Runs the recipe in-process against the fake, as `nemo-run shop.yaml --json`, and returns the recipe's report. */
async function run(extra: NodeJS.ProcessEnv = {}, recipe = RECIPE) {
  const dir = await shopProject(recipe);
  const t0 = performance.now();
  const result = await runMain(['shop.yaml', '--json'], { cwd: dir, env: fake().env(dir, extra) });
  const report = JSON.parse(result.stdout).recipes[0];
  return { ...result, report, error: report.error, ms: performance.now() - t0, dir };
}

const statusPolls = () => fake().requests('GET', /^\/api\/render\/proxy\/lambda\//);

describe('every wait of the cloud backend has a bound', () => {
  it('render status answered with an HTML page (HTTP 200): fails after 5 polls, saying what came back', async () => {
    fake().faults.statusAnswer = { body: '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', contentType: 'text/html' };
    const { code, error, dir } = await run();
    expect(code).toBe(1);
    expect(error.code).toBe('E_BACKEND_PROTOCOL');
    expect(error.message).toContain('5 times in a row');
    expect(error.message).toContain('not JSON (HTTP 200, text/html): "<!DOCTYPE html> <html><head><title>502 Bad Gateway</title>');
    expect(statusPolls()).toHaveLength(5);
    expect(existsSync(join(dir, 'out/shop.mp4'))).toBe(false);
  });

  it('an unknown render status: fails after 5 polls, naming it', async () => {
    fake().faults.statusAnswer = { body: '{"status":"exploding\\u200e\\u001b[2J","progress":7}', contentType: 'application/json' };
    const { code, error } = await run();
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_PROTOCOL' });
    expect(error.message).toContain('the last: an unknown status "exploding\\u200e\\x1b[2j"');
    expect(statusPolls()).toHaveLength(5);
  });

  it('a finished render with no download URL is a protocol error', async () => {
    fake().faults.statusAnswer = { body: '{"status":"completed"}', contentType: 'application/json' };
    const { code, error } = await run();
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_PROTOCOL', message: 'the NemoVideo API answered without a download URL for the finished render' });
  });

  it('a render that never finishes: the total render deadline', async () => {
    fake().renderPolls = 1_000_000;
    const { code, error } = await run({ NEMO_RENDER_TIMEOUT_MS: '300' });
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_TIMEOUT', message: expect.stringMatching(/^the cloud render did not finish in 300ms: render_\d+ is still processing$/) });
    expect(error.hint).toContain('run again later to pick it up');
    expect(statusPolls().length).toBeGreaterThan(1);
  });

  it('an answer whose body trickles in byte by byte: the request deadline, 3 attempts, then a time-out', async () => {
    fake().faults.trickle = /^\/api\/state\//;
    const { code, error, ms } = await run({ NEMO_REQUEST_TIMEOUT_MS: '300' });
    expect(code).toBe(1);
    expect(error.code).toBe('E_BACKEND_TIMEOUT');
    expect(error.message).toMatch(/^the NemoVideo API did not finish answering GET \/api\/state\/nemo_agent\/me\/sess_[^/]+\/latest within 300ms \(3 attempts\)$/);
    expect(fake().requests('GET', /^\/api\/state\//)).toHaveLength(3);
    expect(fake().requests('POST', /^\/run_sse$/)).toHaveLength(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('a chat turn that keeps sending partial text and never ends: the turn deadline, and the instruction is not sent again', async () => {
    fake().faults.endlessTurns = [1];
    const { code, error, stdout } = await run({ NEMO_TURN_TIMEOUT_MS: '400' });
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_TIMEOUT', message: 'the cloud did not finish the turn in 400ms' });
    expect(error.hint).toContain('NEMO_TURN_TIMEOUT_MS');
    expect(stdout).not.toContain('Still working');
    expect(fake().requests('POST', /^\/run_sse$/)).toHaveLength(1);
  });

  it('Retry-After: 86400 is not slept: the call fails at once, saying how long the server asked for', async () => {
    fake().faults.rateLimit = { path: /with-session/, times: 1, retryAfter: 86400 };
    const { code, error, ms } = await run();
    expect(code).toBe(1);
    expect(error).toMatchObject({
      code: 'E_BACKEND_HTTP',
      message: 'the NemoVideo API is rate limiting us (HTTP 429): it asked to wait 86400 s, more than the 60 s nemo-run waits',
    });
    expect(error.hint).toContain('NEMO_RETRY_AFTER_MAX_MS');
    expect(fake().requests('POST', /with-session/)).toHaveLength(1);
    expect(ms).toBeLessThan(10_000);
  });

  it('a Retry-After within NEMO_RETRY_AFTER_MAX_MS is waited, once', async () => {
    fake().faults.rateLimit = { path: /with-session/, times: 2, retryAfter: 0.2 };
    const { code, error } = await run({ NEMO_RETRY_AFTER_MAX_MS: '500' });
    expect(code).toBe(1);
    expect(error.message).toBe('the NemoVideo API is rate limiting us (HTTP 429), twice in a row');
    expect(fake().requests('POST', /with-session/).map((s) => s.status)).toEqual([429, 429]);
  });
});

describe('failures that are not HTTP have their own codes', () => {
  it('a new session without a session id: E_BACKEND_PROTOCOL', async () => {
    fake().faults.noSessionId = true;
    const { code, error } = await run();
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_PROTOCOL', message: 'the NemoVideo API answered without a session id to the new-session request' });
  });

  it('an empty timeline: E_BACKEND_RENDER, nothing exported', async () => {
    const { code, error } = await run({}, RECIPE.replace('make a promo', 'export'));
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_RENDER', message: 'the cloud timeline is empty: there is nothing to export' });
    expect(fake().renderStarts).toBe(0);
  });

  it('a failed render: E_BACKEND_RENDER', async () => {
    fake().faults.renderFails = true;
    const { code, error } = await run();
    expect(code).toBe(1);
    expect(error).toMatchObject({ code: 'E_BACKEND_RENDER', message: expect.stringMatching(/^the cloud render render_\d+ failed$/) });
  });

  it('the state of a session that is gone: E_BACKEND_SESSION', async () => {
    const dir = await tmpProject();
    const { code, stdout, stderr } = await runMain(['state', 'sess_gone'], { cwd: dir, env: fake().env(dir) });
    expect(code).toBe(1);
    expect(stdout + stderr).toContain('the cloud session was lost [E_BACKEND_SESSION]');
  });
});
