import type { Step } from '../../plan/plan.types.js';

/**
 * Which cloud steps the run journal keeps: sessions, uploads and edits (the render is re-checked on resume through
 * the export's checkpoint). Its own module, so the factory knows it before the cloud backend is loaded.
 */
export function nemoResumable(step: Step): boolean {
  return step.kind === 'session' || step.kind === 'upload' || step.kind === 'instruct';
}
