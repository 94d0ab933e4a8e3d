import type { BackendName } from '../recipe/recipe.types.js';
import type { Backend, BackendOptions, PlanDetails, StepContext } from './backend.js';
import { nemoResumable } from './nemo/resumable.js';
import type { Plan, Step } from '../plan/plan.types.js';

export type { BackendOptions } from './backend.js';

/** Each backend's code: imported when it first has work to do (see createBackend), or ahead of it (preloadBackend). */
const CODE = { local: () => import('./local/local-backend.js'), nemo: () => import('./nemo/nemo-backend.js') };

/**
 * Creates the backend a plan names. Each backend is imported when it first has work to do, so a cloud run does not
 * load ffmpeg's helpers and a local run does not load the HTTP client.
 */
export function createBackend(name: BackendName, opts: BackendOptions): Backend {
  switch (name) {
    case 'local':
      return lazyBackend(name, async () => new (await CODE.local()).LocalBackend(opts), { describes: true });
    case 'nemo':
      return lazyBackend(name, async () => (await CODE.nemo()).createNemoBackend(opts.env, opts.work), { resumable: nemoResumable });
  }
}

/** Imports a backend's code before it has work: watch mode does while it waits, so its first re-run does not. */
export async function preloadBackend(name: BackendName): Promise<void> {
  await CODE[name]();
}

/**
 * A backend that loads the real one on first use. What is asked before any step runs must be known without it:
 * which steps are resumable (the journal asks first), and whether it describes plans.
 */
function lazyBackend(name: BackendName, load: () => Promise<Backend>, has: { resumable?: (step: Step) => boolean; describes?: boolean }): Backend {
  let loaded: Promise<Backend> | undefined;
  const backend = () => (loaded ??= load());
  return {
    name,
    resumable: has.resumable,
    runStep: async (step: Step, ctx: StepContext) => (await backend()).runStep(step, ctx),
    describe: has.describes ? async (plan: Plan, opts: { signal: AbortSignal }): Promise<PlanDetails> => (await (await backend()).describe?.(plan, opts)) ?? {} : undefined,
    close: async () => {
      if (loaded) await (await loaded.catch(() => undefined))?.close?.();
    },
  };
}
