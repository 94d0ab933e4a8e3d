import type { Aspect, BackendName, Format, Quality, ResolvedInput, Resolution } from '../recipe/recipe.types.js';
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
  recipe: string;
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
