import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../../src/execute/events.js';
import { errorInfo, executePlans } from '../../src/execute/executor.js';
import { fileJournal } from '../../src/execute/journal.js';
import { keyOf } from '../../src/hash.js';
import { lineReporter } from '../../src/execute/reporters/lines.js';
import { fakePlan, TestBackend, type Behaviour, type Record } from '../helpers/test-backend.js';
import { tmpProject } from '../helpers/tmp.js';

const counters = () => ({ running: 0, max: 0, log: [] as Record[] });

/** A diamond with a wide middle: a → b1..b6 → c. */
const diamond = (recipe: string, dir?: string) =>
  fakePlan(
    recipe,
    [
      ['a', []],
      ...Array.from({ length: 6 }, (_, i) => [`b${i}`, ['a']] as [string, string[]]),
      ['c', Array.from({ length: 6 }, (_, i) => `b${i}`)],
    ],
    dir,
  );

describe('executePlans', () => {
  it('starts a step only after every step it depends on has ended', async () => {
    const shared = counters();
    const backend = new TestBackend((s) => ({ ms: s.id === 'b3' ? 60 : 10 }), shared);
    const [report] = await executePlans([{ plan: diamond('one'), backend }], { concurrency: 4 });
    expect(report!.status).toBe('ok');
    const time = (step: string, at: Record['at']) => shared.log.find((r) => r.step === step && r.at === at)!.t;
    for (let i = 0; i < 6; i++) expect(time(`b${i}`, 'start')).toBeGreaterThanOrEqual(time('a', 'end'));
    for (let i = 0; i < 6; i++) expect(time('c', 'start')).toBeGreaterThanOrEqual(time(`b${i}`, 'end'));
    expect(report!.steps.map((s) => s.status)).toEqual(Array(8).fill('done'));
  });

  it('never runs more steps at once than the limit, across recipes, and does use the limit', async () => {
    const shared = counters();
    const jobs = ['x', 'y', 'z'].map((r) => ({ plan: diamond(r), backend: new TestBackend(() => ({ ms: 15 }), shared) }));
    const reports = await executePlans(jobs, { concurrency: 3 });
    expect(reports.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(shared.max).toBe(3);
    expect(shared.log.filter((r) => r.at === 'end')).toHaveLength(24);
  });

  it('cancels mid-run: running steps see their signal abort, the rest never start', async () => {
    const shared = counters();
    const controller = new AbortController();
    const backend = new TestBackend((s): Behaviour => ({ ms: s.id === 'a' ? 5 : 5_000 }), shared);
    // Interrupted while b0 and b1, the two the limit lets run after a, are running (b1 starts as its event ends).
    const onEvent = (e: RunEvent) => e.type === 'step:start' && e.step.id === 'b1' && queueMicrotask(() => controller.abort('SIGINT'));
    const t0 = performance.now();
    const [report] = await executePlans([{ plan: diamond('long'), backend }], { concurrency: 2, signal: controller.signal, onEvent });
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(report!.status).toBe('cancelled');
    expect(report!.error?.exitCode).toBe(130);
    expect(shared.log.filter((r) => r.at === 'abort').map((r) => r.step)).toEqual(['b0', 'b1']);
    const status = Object.fromEntries(report!.steps.map((s) => [s.id, s.status]));
    expect(status).toMatchObject({ a: 'done', b0: 'cancelled', b1: 'cancelled', b5: 'cancelled', c: 'cancelled' });
    expect(shared.log.some((r) => r.step === 'c')).toBe(false);
  });

  it('keeps a failing recipe from hiding or stopping the others', async () => {
    const shared = counters();
    const events: RunEvent[] = [];
    const failing = new TestBackend((s) => (s.id === 'b2' ? { ms: 5, fail: 'b2 broke' } : { ms: s.id.startsWith('b') ? 200 : 5 }), shared);
    const healthy = new TestBackend(() => ({ ms: 20 }), shared);
    const reports = await executePlans(
      [
        { plan: diamond('bad'), backend: failing },
        { plan: diamond('good'), backend: healthy },
      ],
      { concurrency: 8, onEvent: (e) => events.push(e) },
    );
    const [bad, good] = reports;
    expect(good!.status).toBe('ok');
    expect(bad!.status).toBe('failed');
    expect(bad!.error).toMatchObject({ code: 'E_STEP', message: 'b2 broke', hint: 'it was meant to', exitCode: 1 });
    const status = Object.fromEntries(bad!.steps.map((s) => [s.id, s.status]));
    // Its siblings were cancelled when b2 failed; c, which needed them all, never ran.
    expect(status).toMatchObject({ a: 'done', b2: 'failed', b0: 'cancelled', c: 'cancelled' });
    expect(events.filter((e) => e.type === 'step:fail')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'recipe:done')).toHaveLength(2);
  });

  it('saves finished resumable steps, so a run interrupted and started again resumes them', async () => {
    const dir = await tmpProject();
    const journal = fileJournal((plan) => keyOf([plan.source, plan.steps]), process.env);
    const plan = diamond('resumed', dir);
    const shared = counters();
    // b0..b2 are quick, b3..b5 slow: the interruption comes once a and b0..b2 have finished.
    const slowness = (s: { id: string }) => ({ ms: /b[345]/.test(s.id) ? 5_000 : 5 });
    const resumable = (s: { id: string }) => s.id !== 'c';
    const controller = new AbortController();
    const done = new Set<string>();
    const onEvent = (e: RunEvent) => e.type === 'step:done' && done.add(e.step.id).size === 4 && controller.abort('SIGINT');
    const [first] = await executePlans([{ plan, backend: new TestBackend(slowness, shared, resumable) }], { concurrency: 6, signal: controller.signal, journal, onEvent });
    expect(first!.status).toBe('cancelled');
    const saved = JSON.parse(await readFile(join(dir, '.nemo-run', 'resumed.local.json'), 'utf8'));
    expect(Object.keys(saved.steps).sort()).toEqual(['a', 'b0', 'b1', 'b2']);

    const again = counters();
    const [second] = await executePlans([{ plan, backend: new TestBackend(() => ({ ms: 5 }), again, resumable) }], { concurrency: 6, journal });
    expect(second!.status).toBe('ok');
    expect(again.log.filter((r) => r.at === 'start').map((r) => r.step).sort()).toEqual(['b3', 'b4', 'b5', 'c']);
    expect(second!.steps.filter((s) => s.resumed).map((s) => s.id)).toEqual(['a', 'b0', 'b1', 'b2']);
    // A finished run leaves nothing to resume.
    expect(existsSync(join(dir, '.nemo-run', 'resumed.local.json'))).toBe(false);
  });

  it('starts afresh when the recipe changed since the interrupted run', async () => {
    const dir = await tmpProject();
    const journal = fileJournal((plan) => keyOf([plan.source, plan.steps]), process.env);
    const plan = diamond('changed', dir);
    await journal.record(plan, 'a', { id: 'a' });
    const shared = counters();
    const edited = { ...plan, source: 'instructions: [something else]' };
    await executePlans([{ plan: edited, backend: new TestBackend(() => ({ ms: 1 }), shared, () => true) }], { concurrency: 2, journal });
    expect(shared.log.some((r) => r.step === 'a' && r.at === 'start')).toBe(true);
  });

  it('refuses a plan whose step depends on one that is not before it', async () => {
    const plan = fakePlan('odd', [
      ['b', ['a']],
      ['a', []],
    ]);
    await expect(executePlans([{ plan, backend: new TestBackend(() => ({ ms: 1 }), counters()) }], { concurrency: 1 })).rejects.toThrow(
      'step b depends on a, which is not before it in the plan',
    );
  });
});

describe('lineReporter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prints a start line only for steps still running after the delay, and cancelled only for started steps', async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const report = lineReporter((t) => lines.push(t.slice(9).trim()), '/', 30, () => new Date(0));
    const step = (id: string) => ({ id, kind: 'probe' as const, after: [], title: id });
    report({ type: 'step:start', recipe: 'r', step: step('quick') });
    vi.advanceTimersByTime(29);
    report({ type: 'step:done', recipe: 'r', step: step('quick'), ms: 29 });
    report({ type: 'step:start', recipe: 'r', step: step('slow') });
    vi.advanceTimersByTime(29);
    expect(lines).toEqual(['r: quick done in 29ms']);
    vi.advanceTimersByTime(1);
    report({ type: 'step:skip', recipe: 'r', step: step('slow'), status: 'cancelled' });
    report({ type: 'step:skip', recipe: 'r', step: step('never'), status: 'cancelled' });
    expect(lines).toEqual(['r: quick done in 29ms', 'r: slow…', 'r: slow cancelled']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('errorInfo', () => {
  it('reports a failure of the system with its path and what to do, and anything unexpected as a bug with its stack', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/videos/out/promo.mp4' });
    expect(errorInfo(full)).toMatchObject({
      code: 'E_IO',
      message: 'write /videos/out/promo.mp4 failed: the disk is full (ENOSPC)',
      hint: expect.stringContaining('free some space'),
    });
    const bug = errorInfo(new TypeError("Cannot read properties of undefined (reading 'width')"));
    expect(bug).toMatchObject({ code: 'E_INTERNAL', message: "internal error: Cannot read properties of undefined (reading 'width')", hint: expect.stringContaining('this is a bug') });
    expect(bug.stack).toContain('executor.test.ts');
  });
});
