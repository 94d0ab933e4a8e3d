import { NemoError, ExitCode } from '../../errors.js';
import type { Step } from '../../plan/plan.types.js';
import type { Backend } from '../backend.js';

/** The NemoVideo cloud backend. Its client is not part of this version yet: plans compile, runs refuse. */
export class NemoBackend implements Backend {
  readonly name = 'nemo' as const;

  async runStep(step: Step): Promise<unknown> {
    throw new NemoError('E_USAGE', `the nemo cloud backend cannot run yet (step ${step.id})`, {
      exitCode: ExitCode.invalid,
      hint: 'use `backend: local` (the default), which works offline',
    });
  }
}
