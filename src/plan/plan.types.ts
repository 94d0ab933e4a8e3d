import type { Aspect, BackendName, DataRow, Format, Quality, ResolvedInput, Resolution } from '../recipe/recipe.types.js';
import type { EditState, InstructionNote } from './instructions/state.js';

/** Export settings with every default applied. */
export interface ExportSettings {
  format: Format;
  resolution: Resolution;
  aspect: Aspect;
  width: number;
  height: number;
  fps: number;
  quality: Quality;
  /** Absolute output path, variables substituted. */
  output: string;
  /** The output path as written, for backends that change the shape and must substitute again. */
  outputTemplate: string;
  /** A quick preview: small, fast to encode, written beside the final output; instructions do not enlarge it. */
  preview?: boolean;
}

/** What a step does; each backend handles its own kinds. */
export type StepKind =
  | 'probe'
  | 'interpret'
  | 'render'
  | 'poster'
  | 'authenticate'
  | 'session'
  | 'upload'
  | 'instruct'
  | 'export'
  | 'wait'
  | 'download';

/**
 * What a step hands to later ones, typed: a backend declares once what each of its steps returns and reads results
 * with `ctx.get(ref)`. The ids come from `stepIds`, the one place that names steps.
 */
export interface StepRef<T> {
  readonly id: string;
  /** Never set: it carries the result's type. */
  readonly result?: T;
}

/** Names every step: the planner names steps with these, and backends find results by them. */
export const stepIds = {
  probe: (input: number) => `probe:${input}`,
  upload: (input: number) => `upload:${input}`,
  instruct: (instruction: number) => `instruct:${instruction}`,
  interpret: 'interpret',
  render: 'render',
  poster: 'poster',
  authenticate: 'authenticate',
  session: 'session',
  export: 'export',
  wait: 'wait',
  download: 'download',
} as const;

/** A typed reference to the step named `id`. */
export function stepRef<T>(id: string): StepRef<T> {
  return { id };
}

/** One unit of work; it runs once every step named in `after` is done. */
export interface Step {
  id: string;
  kind: StepKind;
  after: string[];
  /** A short line for people: "probe product-1.jpg". */
  title: string;
  /** For input steps: the index into `Plan.inputs`. */
  input?: number;
  /** For instruction steps: the index into `Plan.instructions`. */
  instruction?: number;
}

/** A recipe compiled for one backend: the steps to run and everything they need. */
export interface Plan {
  /** The video's name in reports, stamps and locks: the recipe's (or its data row's) name, then a variant's label. */
  recipe: string;
  /** For a variant: what tells it from the main video (`9x16`, `720p`, `1200x628-webm`). */
  variant?: string;
  /** The data row the video is made for, when its recipe has data. */
  row?: DataRow;
  file: string;
  /** Absolute folder of the recipe. */
  dir: string;
  backend: BackendName;
  export: ExportSettings;
  inputs: ResolvedInput[];
  instructions: string[];
  steps: Step[];
  /** The recipe's text, so backends can fingerprint the run. */
  source: string;
  /** Local backend: what the instructions asked for, and per instruction what it became. */
  edit?: EditState;
  notes?: InstructionNote[];
}
