import { summarizeDraft } from '../../backends/draft.js';
import { createNemoBackend } from '../../backends/nemo/nemo-backend.js';
import type { Io } from '../io.js';
import { reportError } from '../report.js';

/** `nemo-run credits`: the cloud credit balance. */
export async function creditsCommand(io: Io): Promise<number> {
  const backend = createNemoBackend(io.env);
  try {
    const { available, frozen, total } = await backend.credits(io.signal);
    io.stdout.write(`credits: ${available} available, ${frozen} frozen (held by work in progress), ${total} total\n`);
    return 0;
  } catch (error) {
    return reportError(error, io);
  } finally {
    await backend.close();
  }
}

/** `nemo-run state <session-id>`: the timeline of a cloud session, as one summary line (or JSON). */
export async function stateCommand(sessionId: string, opts: { json?: boolean }, io: Io): Promise<number> {
  const backend = createNemoBackend(io.env);
  try {
    const draft = await backend.draft(sessionId, io.signal);
    io.stdout.write(opts.json ? `${JSON.stringify(draft, null, 2)}\n` : `${summarizeDraft(draft)}\n`);
    return 0;
  } catch (error) {
    return reportError(error, io);
  } finally {
    await backend.close();
  }
}
