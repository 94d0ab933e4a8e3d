import { summarizeDraft } from '../../backends/draft.js';
import { createNemoBackend, type NemoBackend } from '../../backends/nemo/nemo-backend.js';
import type { Io } from '../io.js';
import { reportError } from '../report.js';

/** Runs one cloud query and prints its answer; errors become their exit code. */
async function query(io: Io, ask: (backend: NemoBackend) => Promise<string>): Promise<number> {
  const backend = createNemoBackend(io.env);
  try {
    io.stdout.write(`${await ask(backend)}\n`);
    return 0;
  } catch (error) {
    return reportError(error, io);
  } finally {
    await backend.close();
  }
}

/** `nemo-run credits`: the cloud credit balance. */
export function creditsCommand(io: Io): Promise<number> {
  return query(io, async (backend) => {
    const { available, frozen, total } = await backend.credits(io.signal);
    return `credits: ${available} available, ${frozen} frozen (held by work in progress), ${total} total`;
  });
}

/** `nemo-run state <session-id>`: the timeline of a cloud session, as one summary line (or JSON). */
export function stateCommand(sessionId: string, opts: { json?: boolean }, io: Io): Promise<number> {
  return query(io, async (backend) => {
    const draft = await backend.draft(sessionId, io.signal);
    return opts.json ? JSON.stringify(draft, null, 2) : summarizeDraft(draft);
  });
}
