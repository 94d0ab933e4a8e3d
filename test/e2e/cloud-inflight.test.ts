import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain, spawnCli } from '../helpers/cli.js';
import { fakePerTest, shopProject } from '../helpers/cloud.js';
import { until } from '../helpers/wait.js';

const INSTRUCTIONS = ['turn these product images into a 15-second promo', 'add background music', 'add the title "Summer Sale"'];
const RECIPE = `name: shop
backend: nemo
inputs:
  - media/blue.jpg
instructions:
${INSTRUCTIONS.map((i) => `  - '${i}'\n`).join('')}`;

const fake = fakePerTest();

const project = () => shopProject(RECIPE);


const turnsApplied = () => [...fake().sessions.values()][0]?.turns.length ?? 0;

describe('a chat turn in flight when the run stops is never sent (and paid for) again', () => {
  it.each(['SIGKILL', 'SIGINT'] as const)('stopped by %s during the second turn: the resumed run checks the timeline, each instruction reached the cloud once', async (signal) => {
    fake().faults.endlessTurns = [2];
    const dir = await project();
    const child = spawnCli(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    await until(() => turnsApplied() === 2);
    child.kill(signal);
    const first = await child.result;
    expect(first.code).toBe(signal === 'SIGINT' ? 130 : null);
    // An abort is not a dropped connection.
    expect(first.stdout + first.stderr).not.toContain('connection dropped');
    const journal = JSON.parse(await readFile(join(dir, '.nemo-run/shop.nemo.json'), 'utf8'));
    expect(journal.steps['instruct:1#checkpoint']).toEqual({ sessionId: [...fake().sessions.keys()][0], before: expect.stringMatching(/^[0-9a-f]{16}$/) });

    fake().faults.endlessTurns = [];
    const again = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('"add background music" was being sent when the last run stopped; checking the timeline instead of sending it again');
    expect(again.stdout).toMatch(/the timeline changed: Timeline \(2 tracks\)/);
    expect(fake().received()).toEqual(Object.fromEntries(INSTRUCTIONS.map((i) => [i, 1])));
    expect(fake().renderStarts).toBe(1);
  });

  it('a turn cut off before the cloud applied it: 5 unchanged checks, a clear failure, then the next run sends it (once)', async () => {
    fake().faults.endlessTurns = [2];
    const dir = await project();
    const child = spawnCli(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    await until(() => turnsApplied() === 2);
    child.kill('SIGKILL');
    await child.result;
    // As if the request had never arrived: the edit is taken back.
    const session = [...fake().sessions.values()][0]!;
    session.turns.pop();
    session.draft.t = session.draft.t.filter((t) => t.tt !== 1);
    session.draft.t[0]!.sg[0]!.m.edits = 1;
    fake().faults.endlessTurns = [];

    const resumed = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(resumed.code).toBe(1);
    expect(resumed.stdout).toContain('the cloud turn was cut off when the last run stopped and the timeline did not change in 5 checks: "add background music" [E_BACKEND_STREAM]');
    expect(fake().received()['add background music']).toBe(1);

    const last = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(last.code, last.stdout).toBe(0);
    expect(fake().received()).toEqual({ [INSTRUCTIONS[0]!]: 1, [INSTRUCTIONS[1]!]: 2, [INSTRUCTIONS[2]!]: 1 });
    expect(session.turns).toEqual(INSTRUCTIONS);
  });
});

describe('a chat request that provably never ran is a plain failure, not a turn in flight', () => {
  const journalOf = async (dir: string) => JSON.parse(await readFile(join(dir, '.nemo-run/shop.nemo.json'), 'utf8'));

  it('the connection is refused: no "dropped" checks, nothing left in flight, and the next run sends the turn at once', async () => {
    // The API goes away right after the state check that comes before the second turn.
    fake().faults.goAway = { path: /^\/api\/state\//, times: 3 };
    const dir = await project();
    const first = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/cannot reach the NemoVideo API at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\) \[E_BACKEND_NETWORK\]/);
    expect(first.stdout + first.stderr).not.toContain('connection dropped');
    expect((await journalOf(dir)).steps['instruct:1#checkpoint'] ?? null).toBeNull();
    expect(fake().received()).toEqual({ [INSTRUCTIONS[0]!]: 1 });

    await fake().reopen();
    const again = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('was being sent');
    expect(fake().received()).toEqual(Object.fromEntries(INSTRUCTIONS.map((i) => [i, 1])));
  });

  it.each([
    ['an HTTP 503 answer', () => void (fake().faults.unavailable = { path: /^\/run_sse$/, times: 1 }), 'the NemoVideo API answered HTTP 503 [E_BACKEND_HTTP]'],
    ['an out-of-credits answer', () => void (fake().credits = 0), 'out of NemoVideo credits [E_BACKEND_CREDITS]'],
  ])('%s instead of a stream: nothing left in flight, and the next run sends the turn at once', async (_what, fault, message) => {
    fault();
    const dir = await project();
    const first = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(first.code).not.toBe(0);
    expect(first.stdout).toContain(message);
    expect((await journalOf(dir)).steps['instruct:0#checkpoint'] ?? null).toBeNull();

    fake().credits = 100;
    const again = await runMain(['shop.yaml'], { cwd: dir, env: fake().env(dir) });
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('was being sent');
    expect([...fake().sessions.values()][0]!.turns).toEqual(INSTRUCTIONS);
  });
});
