import { extname } from 'node:path';
import type { LimitFunction } from 'p-limit';
import { isAbort } from '../errors.js';
import type { ContentHashes } from '../hash.js';
import type { BackendName } from '../recipe/recipe.types.js';
import type { Plan, Step, StepRef } from '../plan/plan.types.js';

/** What backends may need from the process; passed in, never read from globals. */
export interface BackendOptions {
  env: NodeJS.ProcessEnv;
  /** Content hashes shared by a run (and by every run of a watch session). */
  hashes?: ContentHashes;
  /** Bounds the encodes of every render in a run together (see encoderShare); sound mixes, checks and posters run beside them. */
  encoders?: LimitFunction;
  /** Work the plans of a run have in common (a variant's probes and sound are its main video's), done once. */
  work?: SharedWork;
}

/** Work several plans of a run ask for: the first to ask does it, the others wait for its answer. */
export class SharedWork {
  private readonly pending = new Map<string, Promise<unknown>>();

  /** `make`'s answer for `key`; if the one doing it was stopped (its plan failed or was cancelled), the next asker does it. */
  async run<T>(key: string, make: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const earlier = this.pending.get(key) as Promise<T> | undefined;
    if (earlier) {
      try {
        return await earlier;
      } catch (error) {
        if (signal?.aborted || !isAbort(error)) throw error;
      }
    }
    const mine = make();
    this.pending.set(key, mine);
    mine.catch(() => this.pending.get(key) === mine && this.pending.delete(key));
    return mine;
  }
}

/** What a step sees while it runs. */
export interface StepContext {
  plan: Plan;
  /** Aborted on Ctrl-C, on SIGTERM, or when a sibling step of the same recipe failed. */
  signal: AbortSignal;
  /** The result of a step this one comes after (or one `amend` replaced); throws when there is none. */
  get<T>(ref: StepRef<T>): T;
  /**
   * Tells the executor which files the plan made: its report names them (the video may not be the plan's output),
   * with the video's length when the backend knows it (checked, so nothing needs to measure it again).
   */
  produced(files: { video?: string; poster?: string; durationMs?: number }): void;
  /** Reports progress from 0 to 1, with an optional short detail ("12.5 MB/s"). */
  progress(fraction: number, detail?: string): void;
  /** Tells the user something worth knowing (a warning, the cloud's reply). */
  log(message: string, level?: 'info' | 'warn'): void;
  /** What this step saved with `checkpoint` in an earlier, unfinished run of the same plan. */
  saved?: unknown;
  /** Saves progress within a step before it does something that must not happen twice (plain JSON, no secrets). */
  checkpoint(value: unknown): Promise<void>;
  /** Replaces the result of an earlier step (and its journal entry), when this step had to redo that step's work. */
  amend<T>(ref: StepRef<T>, result: T): Promise<void>;
}

/** What a backend adds to a plan before running it (`nemo-run plan` shows it). */
export interface PlanDetails {
  /** The compiled timeline, in the cloud's short-key shape. */
  draft?: unknown;
  /** One line per track, for people. */
  summary?: string;
}

/** A place where videos are made. The executor drives it one step at a time. */
export interface Backend {
  readonly name: BackendName;
  /** Runs one step of a plan; what it returns is handed to later steps through `results`. */
  runStep(step: Step, ctx: StepContext): Promise<unknown>;
  /**
   * True when a finished step's result may be kept in the run journal and reused by a later run of the same plan.
   * Results of such steps must be plain JSON and must hold no secret.
   */
  resumable?(step: Step): boolean;
  /** Works out what the plan will produce without producing it. */
  describe?(plan: Plan, opts: { signal: AbortSignal }): Promise<PlanDetails>;
  /** Releases connections and other resources. */
  close?(): Promise<void>;
}

/** The poster image's path beside a video: `out/promo.mp4` → `out/promo.poster.png`. */
export function posterPath(video: string): string {
  return video.slice(0, video.length - extname(video).length) + '.poster.png';
}
