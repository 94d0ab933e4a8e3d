import { createHash } from 'node:crypto';
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
 * What makes two runs the same run: the recipe text, the backend, the export and the inputs (by path, size and
 * modification time). A changed input or recipe starts afresh.
 */
export function planFingerprint(plan: Plan): string {
  const inputs = plan.inputs.map((i) => [i.path ?? i.url, i.size, i.mtimeMs]);
  return createHash('sha256').update(JSON.stringify([plan.source, plan.backend, plan.export, plan.steps, inputs])).digest('hex');
}

/** A journal in `.nemo-run/<recipe>.<backend>.json` beside the recipe, written atomically after each step. */
export function fileJournal(): Journal {
  const pathOf = (plan: Plan) => join(stateDir(plan.dir), `${plan.recipe}.${plan.backend}.json`);
  const read = async (plan: Plan): Promise<JournalFile | undefined> => {
    try {
      const file = JSON.parse(await readFile(pathOf(plan), 'utf8')) as JournalFile;
      return file.fingerprint === planFingerprint(plan) ? file : undefined;
    } catch {
      return undefined;
    }
  };
  // Writes are chained, so concurrent steps never interleave their read-modify-write.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    async load(plan) {
      return new Map(Object.entries((await read(plan))?.steps ?? {}));
    },
    record(plan, stepId, result) {
      const write = queue.then(async () => {
        const file = (await read(plan)) ?? { fingerprint: planFingerprint(plan), steps: {} };
        file.steps[stepId] = result;
        await writeFileAtomic(pathOf(plan), `${JSON.stringify(file, null, 2)}\n`, 0o600);
      });
      queue = write.catch(() => {});
      return write;
    },
    async clear(plan) {
      await queue;
      await rm(pathOf(plan), { force: true });
    },
  };
}
