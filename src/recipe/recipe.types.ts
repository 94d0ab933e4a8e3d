/** The recipe language, version 1, as `schemas/recipe.schema.json` describes it. */

export type BackendName = 'local' | 'nemo';
export type Role = 'media' | 'logo' | 'music' | 'captions';
export type Format = 'mp4' | 'mov' | 'webm';
export type Resolution = '480p' | '720p' | '1080p' | '1440p' | '2160p';
export type Aspect = '16:9' | '9:16' | '1:1' | '4:5';
export type Quality = 'draft' | 'standard' | 'high';

/** Where a picture's subject is, pinned by the recipe: a side, or a point as fractions of width and height. */
export type Focus = 'left' | 'right' | 'top' | 'bottom' | 'center' | [number, number];

/** An input as written: a path or glob, or an object that says more. */
export interface InputSpec {
  path?: string;
  url?: string;
  role?: Role;
  caption?: string;
  /** Where the crop window goes when the picture is cropped to another shape (default: found from the picture). */
  focus?: Focus;
}

/** The export block as written; every field is optional. */
export interface ExportSpec {
  format?: Format;
  resolution?: Resolution;
  aspect?: Aspect;
  /** WIDTHxHEIGHT; overrides resolution and aspect. */
  size?: string;
  fps?: number;
  quality?: Quality;
  output?: string;
  /** More outputs of the same edit, each overriding some of the fields above. */
  variants?: VariantSpec[];
}

/** One more output of the same edit: the export fields it changes. */
export type VariantSpec = Omit<ExportSpec, 'variants'>;

/** A recipe document as written, after schema validation. */
export interface RecipeSpec {
  version?: 1;
  name?: string;
  title?: string;
  cta?: string;
  description?: string;
  backend?: BackendName;
  /** Values for `${vars.key}`; `--set key=value` overrides them. */
  vars?: Record<string, string | number | boolean>;
  /** A table of rows (.csv, .json, .jsonl): one video per row, its columns as `${row.column}`. */
  data?: string;
  inputs: (string | InputSpec)[];
  instructions: string[];
  export?: ExportSpec;
}

/** The variables `export.output` may use, besides `${vars.key}`, `${row.column}` and `${row}`. */
export const OUTPUT_VARIABLES = ['name', 'format', 'resolution', 'aspect', 'width', 'height', 'fps', 'quality'] as const;

/** Input files larger than this are refused (the cloud's limit, kept for both backends). */
export const MAX_INPUT_BYTES = 500 * 1024 * 1024;
/** The input file types accepted, as users see them in messages. */
export const ACCEPTED_TYPES = 'mp4 mov avi webm mkv jpg jpeg png gif webp mp3 wav m4a aac';

/** What an input file holds, judged by its content. */
export type MediaKind = 'image' | 'video' | 'audio' | 'captions';

/** One input after globs are expanded and files are checked. */
export interface ResolvedInput {
  /** Position among the resolved inputs, from 0. */
  index: number;
  /** A short label: the file name, or the URL's last segment. */
  name: string;
  /** Absolute path of a local file. */
  path?: string;
  /** A remote URL (cloud backend only). */
  url?: string;
  role: Role;
  caption?: string;
  focus?: Focus;
  /** Known for files; URLs are judged by the cloud. */
  kind?: MediaKind;
  /** The format its content has (jpg, png, mp4, mp3, srt, …). */
  format?: string;
  size?: number;
}

/** A recipe that passed validation: its inputs exist and are of accepted types. */
export interface Recipe {
  /** The recipe's path as the user gave it (for messages). */
  file: string;
  /** Absolute folder that relative paths resolve against. */
  dir: string;
  name: string;
  backend: BackendName;
  inputs: ResolvedInput[];
  instructions: string[];
  /** Where each instruction's text starts in the recipe, for notes and located `--strict` errors. */
  instructionAt: InstructionAt[];
  /** The input paths and globs as written, so an output they would pick up is refused. */
  inputPatterns: string[];
  /** Where `export.output` is written, when it is. */
  outputAt?: InstructionAt;
  /** Where each of `export.variants` is written. */
  variantsAt?: InstructionAt[];
  /** The data row this recipe was made for, when the recipe has `data`. */
  row?: DataRow;
  /** Words for a title or call to action asked for without words (`title`, `cta`; else the name). */
  title?: string;
  cta?: string;
  export: ExportSpec;
  /** The recipe's text, for fingerprints. */
  text: string;
}

/** A row of a recipe's data table, as one recipe instance knows it. */
export interface DataRow {
  /** From 1, in the order of the table. */
  number: number;
  /** The data file as the user gave it (for messages). */
  file: string;
  /** The line of the data file the row starts on. */
  line: number;
  values: Record<string, string>;
}

/** Where an instruction's text starts in its recipe; `inline` when its characters follow one another on that line. */
export interface InstructionAt {
  line: number;
  col: number;
  sourceLine: string;
  inline: boolean;
}
