import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import { stateDir } from '../state-dir.js';
import type { Plan } from '../plan/plan.types.js';

/** Where a run's progress is kept, so an interrupted run can pick up where it stopped. */
export interface Journal {
  /** Results of steps that finished in an earlier, unfinished run of the same plan. */
  load(plan: Plan): Promise<Map<string, unknown>>;
  /** Records a finished step's result (called only for steps the backend calls resumable). */
  record(plan: Plan, stepId: string, result: unknown): Promise<void>;
  /** Forgets the run once it succeeded: there is nothing left to resume. */
  clear(plan: Plan): Promise<void>;
}

interface JournalFile {
  fingerprint: string;
  steps: Record<string, unknown>;
}

/**
 * A journal in `.nemo-run/<recipe>.<backend>.json` beside the recipe, read once per run and written atomically after
 * each step. `fingerprintOf` says what makes two runs the same run (the up-to-date stamp's fingerprint: recipe text,
 * export and inputs by content); a journal left by a run with another fingerprint is not resumed.
 */
export function fileJournal(fingerprintOf: (plan: Plan) => string, env: NodeJS.ProcessEnv): Journal {
  const pathOf = (plan: Plan) => join(stateDir(plan.dir, env), `${plan.recipe}.${plan.backend}.json`);
  const files = new Map<string, Promise<JournalFile>>();
  /** The journal of this plan: what an earlier run of the same plan left, else a fresh one. */
  const current = (plan: Plan): Promise<JournalFile> => {
    const path = pathOf(plan);
    const fingerprint = fingerprintOf(plan);
    let file = files.get(`${path}\n${fingerprint}`);
    if (!file) {
      file = readFile(path, 'utf8')
        .then((text) => JSON.parse(text) as JournalFile)
        .then((earlier) => (earlier.fingerprint === fingerprint ? earlier : undefined))
        .catch(() => undefined)
        .then((earlier) => earlier ?? { fingerprint, steps: {} });
      files.set(`${path}\n${fingerprint}`, file);
    }
    return file;
  };
  // Writes are chained, so concurrent steps never interleave their writes.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async load(plan) {
      return new Map(Object.entries((await current(plan)).steps));
    },
    record(plan, stepId, result) {
      const write = queue.then(async () => {
        const file = await current(plan);
        file.steps[stepId] = result;
        await writeFileAtomic(pathOf(plan), `${JSON.stringify(file, null, 2)}\n`, 0o600);
      });
      queue = write.catch(() => {});
      return write;
    },
    async clear(plan) {
      await queue;
      files.delete(`${pathOf(plan)}\n${fingerprintOf(plan)}`);
      await rm(pathOf(plan), { force: true });
    },
  };
}
