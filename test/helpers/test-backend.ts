import { setTimeout as sleep } from 'node:timers/promises';
import type { Backend, StepContext } from '../../src/backends/backend.js';
import { NemoError } from '../../src/errors.js';
import type { Plan, Step } from '../../src/plan/plan.types.js';

/** What a step of the test backend does: take some time, then succeed or fail. */
export interface Behaviour {
  ms: number;
  fail?: string;
}

/** One thing the test backend saw. */
export interface Record {
  recipe: string;
  step: string;
  at: 'start' | 'end' | 'abort';
  t: number;
}

/**
 * A backend for executor tests: each step sleeps (abortably) and records when it started and ended,
 * and how many steps ran at once, across every instance that shares the same `shared` counters.
 */
export class TestBackend implements Backend {
  readonly name = 'local' as const;
  constructor(
    private readonly behave: (step: Step) => Behaviour,
    private readonly shared: { running: number; max: number; log: Record[] },
    private readonly canResume: (step: Step) => boolean = () => false,
  ) {}

  resumable(step: Step): boolean {
    return this.canResume(step);
  }

  async runStep(step: Step, ctx: StepContext): Promise<unknown> {
    const { shared } = this;
    const recipe = ctx.plan.recipe;
    shared.running++;
    shared.max = Math.max(shared.max, shared.running);
    shared.log.push({ recipe, step: step.id, at: 'start', t: performance.now() });
    try {
      const { ms, fail } = this.behave(step);
      await sleep(ms, undefined, { signal: ctx.signal });
      ctx.progress(1);
      if (fail) throw new NemoError('E_STEP', fail, { hint: 'it was meant to' });
      shared.log.push({ recipe, step: step.id, at: 'end', t: performance.now() });
      return { id: step.id };
    } catch (error) {
      if (ctx.signal.aborted) shared.log.push({ recipe, step: step.id, at: 'abort', t: performance.now() });
      throw error;
    } finally {
      shared.running--;
    }
  }
}

/** A plan with the given steps and nothing else. */
export function fakePlan(recipe: string, steps: [id: string, after: string[]][], dir = '/tmp'): Plan {
  return {
    recipe,
    file: `${recipe}.yaml`,
    dir,
    backend: 'local',
    export: { format: 'mp4', resolution: '480p', aspect: '16:9', width: 854, height: 480, fps: 30, quality: 'draft', output: `/tmp/${recipe}.mp4`, outputTemplate: '' },
    inputs: [],
    instructions: [],
    steps: steps.map(([id, after]) => ({ id, kind: 'probe', after, title: id })),
    source: '',
  };
}
