import type { Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative } from 'node:path';
import { fileTypeFromFile } from 'file-type';
import picomatch from 'picomatch';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { RecipeError } from '../errors.js';
import { locate, parseRecipe, recipeError, type RecipeDoc } from './load.js';
import { ACCEPTED_TYPES, MAX_INPUT_BYTES, type BackendName, type InputSpec, type MediaKind, type Recipe, type ResolvedInput, type Role } from './recipe.types.js';

/** A glob that matches more is almost certainly a mistake. */
const MAX_MATCHES = 1000;

/** The accepted formats, by what file-type reports for their content. */
const KINDS: Record<string, MediaKind> = {
  mp4: 'video', mov: 'video', avi: 'video', webm: 'video', mkv: 'video', m4v: 'video',
  jpg: 'image', png: 'image', gif: 'image', webp: 'image',
  mp3: 'audio', wav: 'audio', m4a: 'audio', aac: 'audio',
};

/** Extensions of sound files whose content may be an MP4 or WebM (an .m4a from yt-dlp or an Android recorder). */
const SOUND_EXTENSIONS = new Set(['m4a', 'm4b', 'aac', 'weba']);

/** The paths and globs a recipe's `inputs` name, as written; whatever else is there is left to the schema check. */
export function inputPatterns(inputs: unknown): string[] {
  if (!Array.isArray(inputs)) return [];
  return inputs.flatMap((i) => (typeof i === 'string' ? [i] : typeof i?.path === 'string' ? [i.path as string] : []));
}

/** Expands globs and checks every input file; returns the inputs and every problem found. */
export async function resolveInputs(
  recipe: RecipeDoc,
  specs: (string | InputSpec)[],
  dir: string,
  backend: BackendName,
  cwd: string,
): Promise<{ inputs: ResolvedInput[]; errors: RecipeError[] }> {
  const errors: RecipeError[] = [];
  const perSpec = await Promise.all(
    specs.map(async (raw, i) => {
      const spec: InputSpec = typeof raw === 'string' ? { path: raw } : raw;
      // Malformed entries were reported by the schema check.
      if (!isWellFormed(spec)) return [];
      const role: Role = spec.role ?? 'media';
      const where = locate(recipe, typeof raw === 'string' ? ['inputs', i] : ['inputs', i, spec.url ? 'url' : 'path']);
      const fail = (message: string, hint?: string) =>
        errors.push(recipeError(recipe, 'E_RECIPE_INPUT', where.offset, message, { hint, length: where.length }));

      if (spec.url) {
        if (backend !== 'nemo') {
          fail(`URL inputs need the cloud backend (this recipe uses "${backend}")`, 'download the file and give its path, or set `backend: nemo`');
          return [];
        }
        const name = basename(new URL(spec.url).pathname) || spec.url;
        return [{ index: 0, name, url: spec.url, role, caption: spec.caption } satisfies ResolvedInput];
      }
      const pattern = spec.path!;
      const files = await expand(pattern, dir);
      if (files.length === 0) {
        const other = isDynamicPattern(pattern) ? undefined : await stat(isAbsolute(pattern) ? pattern : join(dir, pattern)).catch(() => undefined);
        if (other) fail(`${pattern} is ${notAFile(other)}`, other.isDirectory() ? `use ${pattern.replace(/\/$/, '')}/* for the files in it` : 'give the path of a media file');
        else {
          fail(
            isDynamicPattern(pattern) ? `"${pattern}" matches no file` : `input not found: ${pattern}`,
            `paths are relative to the recipe's folder (${relative(cwd, dir) || '.'})`,
          );
        }
        return [];
      }
      if (files.length > MAX_MATCHES) {
        fail(`"${pattern}" matches ${files.length} files; the limit is ${MAX_MATCHES}`, 'narrow the pattern');
        return [];
      }
      const checked = await Promise.all(files.map((file) => checkFile(file, role)));
      const inputs: ResolvedInput[] = [];
      for (const [k, result] of checked.entries()) {
        if (typeof result === 'string') {
          const shown = files.length > 1 || isDynamicPattern(pattern) ? `${basename(files[k]!)}: ` : '';
          const [message, hint] = result.split('\n');
          fail(`${shown}${message}`, hint);
        } else {
          inputs.push({ ...result, index: 0, caption: files.length === 1 ? spec.caption : undefined, role, ...(spec.focus !== undefined ? { focus: spec.focus } : {}) });
        }
      }
      return inputs;
    }),
  );
  const inputs = perSpec.flat().map((input, index) => ({ ...input, index }));
  return { inputs, errors };
}

function isWellFormed(spec: InputSpec): boolean {
  if (spec === null || typeof spec !== 'object') return false;
  const hasPath = typeof spec.path === 'string' && spec.path.length > 0;
  const hasUrl = typeof spec.url === 'string' && /^https?:\/\//.test(spec.url);
  return hasPath !== hasUrl;
}

/** The file a path names as written, if there is one (a value put into a path is escaped: `a\[1\].jpg`). */
async function fileNamed(pattern: string, dir: string): Promise<string | undefined> {
  const literal = pattern.replace(/\\([*?[\]{}()!+@])/g, '$1');
  const file = isAbsolute(literal) ? literal : join(dir, literal);
  return (await stat(file).catch(() => undefined))?.isFile() ? file : undefined;
}

async function expand(pattern: string, dir: string): Promise<string[]> {
  // A path that is no glob, or that names a file as written (`IMG (1).jpg`, `shot[1].jpg` beside `shot1.jpg`), is
  // that file.
  const named = await fileNamed(pattern, dir);
  if (named || !isDynamicPattern(pattern)) return named ? [named] : [];
  // `*.jpg` takes `IMG_2041.JPG` too: cameras and phones write upper-case extensions.
  const matches = await glob(pattern, { cwd: dir, absolute: true, onlyFiles: true, expandDirectories: false, caseSensitiveMatch: false });
  return matches.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * Media files that sit in the folders an input glob reads but that no input of the recipe takes (`photos/*.jpg`
 * leaves out `IMG_2041.jpeg` and `clip.mov`), as located warnings: a glob should not skip a photo silently.
 */
export async function unmatchedMedia(recipe: Recipe): Promise<RecipeError[]> {
  const doc = parseRecipe(recipe.file, recipe.text);
  const specs = (doc.data as { inputs?: unknown }).inputs;
  if (!Array.isArray(specs)) return [];
  const taken = new Set(recipe.inputs.map((i) => i.path));
  const media = new Set([...Object.keys(KINDS), 'jpeg', ...Object.keys(CONVERTS), ...Object.keys(CONVERT)]);
  const warnings = await Promise.all(
    specs.map(async (raw, i) => {
      const pattern = typeof raw === 'string' ? raw : (raw as InputSpec | null)?.path;
      if (typeof pattern !== 'string' || !isDynamicPattern(pattern) || (await fileNamed(pattern, recipe.dir))) return [];
      const folders = [...new Set((await expand(pattern, recipe.dir)).map((f) => dirname(f)))];
      const left = (
        await Promise.all(
          folders.map(async (folder) =>
            (await readdir(folder, { withFileTypes: true }).catch(() => []))
              .filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.endsWith('.poster.png') && media.has(extname(e.name).slice(1).toLowerCase()))
              .map((e) => join(folder, e.name))
              .filter((f) => !taken.has(f)),
          ),
        )
      ).flat();
      if (!left.length) return [];
      const where = locate(doc, typeof raw === 'string' ? ['inputs', i] : ['inputs', i, 'path']);
      const names = left.map((f) => relative(recipe.dir, f));
      const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
      return [
        recipeError(doc, 'E_RECIPE_INPUT', where.offset, `"${pattern}" leaves out ${left.length} media file${left.length === 1 ? '' : 's'} beside its matches: ${shown}`, {
          hint: 'widen the pattern (e.g. *.{jpg,jpeg,png}) or list them as inputs, if they belong in the video',
          length: where.length,
        }),
      ];
    }),
  );
  return warnings.flat();
}

/** Where the recipe names an input (the path or glob that took it), for annotations of a failed run. */
export function inputAt(recipe: Recipe, index: number): { line: number; col: number } | undefined {
  const input = recipe.inputs[index];
  const doc = parseRecipe(recipe.file, recipe.text);
  const specs = (doc.data as { inputs?: unknown }).inputs;
  if (!input || !Array.isArray(specs)) return undefined;
  const k = specs.findIndex((raw) => {
    const spec = (typeof raw === 'string' ? { path: raw } : raw) as InputSpec | null;
    if (spec?.url) return spec.url === input.url;
    if (typeof spec?.path !== 'string' || !input.path) return false;
    if (!isDynamicPattern(spec.path)) return (isAbsolute(spec.path) ? spec.path : join(recipe.dir, spec.path)) === input.path;
    return picomatch(spec.path, { nocase: true })(relative(recipe.dir, input.path));
  });
  if (k < 0) return undefined;
  const { line, col } = doc.lineCounter.linePos(locate(doc, ['inputs', k]).offset);
  return { line, col };
}

/**
 * Files people often have that the bundled ffmpeg cannot read (iPhone photos are HEIC), by extension: what each
 * becomes, and how (a camera's MTS only needs its streams copied into MP4).
 */
const CONVERTS: Record<string, { to: string; how: 'magick' | 'ffmpeg' | 'rewrap' }> = {
  heic: { to: 'jpg', how: 'magick' },
  heif: { to: 'jpg', how: 'magick' },
  avif: { to: 'jpg', how: 'magick' },
  mts: { to: 'mp4', how: 'rewrap' },
  m2ts: { to: 'mp4', how: 'rewrap' },
  '3gp': { to: 'mp4', how: 'ffmpeg' },
  ...Object.fromEntries(['flac', 'ogg', 'opus', 'aif', 'aiff'].map((ext) => [ext, { to: 'm4a', how: 'ffmpeg' as const }])),
};

/** The command that converts a file nemo-run does not take (see CONVERTS) into one it does; undefined for other files. */
export function convertCommand(path: string): string | undefined {
  const ext = extname(path).slice(1);
  const convert = CONVERTS[ext.toLowerCase()];
  if (!convert) return undefined;
  const quoted = (p: string) => (/^[\w./-]+$/.test(p) ? p : JSON.stringify(p));
  const [from, to] = [quoted(path), quoted(`${path.slice(0, -ext.length)}${convert.to}`)];
  return convert.how === 'magick' ? `magick ${from} ${to}` : `ffmpeg -i ${from}${convert.how === 'rewrap' ? ' -c copy' : ''} ${to}`;
}

/** How to convert a file the type check refused, by the type it found (see CONVERTS). */
const CONVERT: Record<string, string> = {
  heic: `convert it to JPEG first (\`${convertCommand('photo.heic')}\`, or on a Mac \`sips -s format jpeg photo.heic --out photo.jpg\`); `,
  avif: `convert it to JPEG or PNG first (\`${convertCommand('photo.avif')}\`); `,
  flac: `convert it first (\`${convertCommand('song.flac')}\`); `,
  ogg: `convert it first (\`${convertCommand('song.ogg')}\`); `,
  opus: `convert it first (\`${convertCommand('note.opus')}\`); `,
  aif: `convert it first (\`${convertCommand('song.aiff')}\`); `,
  mts: `rewrap it as MP4 first (\`${convertCommand('clip.mts')}\`); `,
  '3gp': `convert it to MP4 first (\`${convertCommand('clip.3gp')}\`); `,
  apng: 'an animated PNG is not accepted: convert it to a GIF or an MP4 first (`ffmpeg -i animation.png animation.mp4`); ',
};

/** Checks one file; returns the resolved input or a message (with a hint after a newline). */
async function checkFile(path: string, role: Role): Promise<Omit<ResolvedInput, 'index' | 'role'> | string> {
  const info = await stat(path);
  if (!info.isFile()) return `this is ${notAFile(info)}\ngive the path of a media file`;
  const name = basename(path);
  const base = { name, path, size: info.size };
  if (info.size === 0) return 'the file is empty\nreplace it with the real media file';
  if (info.size > MAX_INPUT_BYTES) {
    return `the file is ${(info.size / 1024 / 1024).toFixed(0)} MB; the limit is ${MAX_INPUT_BYTES / 1024 / 1024} MB\ncompress it or trim it first`;
  }
  const ext = extname(path).slice(1).toLowerCase();
  if (role === 'captions') {
    const format = await captionFormat(path);
    return format ? { ...base, kind: 'captions', format } : 'a captions input must be a .srt or .vtt subtitle file\ncheck the file, or drop `role: captions`';
  }
  const type = await fileTypeFromFile(path).catch(() => undefined);
  // A clip's container holding sound is taken for its sound when it is named as sound or given as music.
  const found = type ? KINDS[type.ext] : undefined;
  const kind = found === 'video' && (role === 'music' || SOUND_EXTENSIONS.has(ext)) ? 'audio' : found;
  if (!type || !kind) {
    const what = type ? `${type.ext} content` : 'content of an unknown type';
    return `unsupported file: ${ext ? `.${ext} ` : ''}file with ${what}\n${CONVERT[type?.ext ?? ''] ?? ''}accepted types: ${ACCEPTED_TYPES}`;
  }
  if (role === 'logo' && kind !== 'image') return `a logo must be an image, but this is ${kind}\nuse a PNG (with transparency) or a JPEG`;
  if (role === 'music' && kind !== 'audio') return `music must be audio, but this is ${kind}\nuse an mp3, wav, m4a or aac file`;
  return { ...base, kind, format: type.ext };
}

/** What a path that is not a regular file is, in words. */
function notAFile(info: Stats): string {
  if (info.isDirectory()) return 'a folder, not a file';
  if (info.isFIFO()) return 'a named pipe, not a file';
  if (info.isSocket()) return 'a socket, not a file';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device, not a file';
  return 'not a regular file';
}

async function captionFormat(path: string): Promise<'srt' | 'vtt' | undefined> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
    if (head.startsWith('WEBVTT')) return 'vtt';
    if (/^\s*\d+\s*\r?\n[\d:,.]+\s*-->\s*[\d:,.]+/.test(head)) return 'srt';
    return undefined;
  } finally {
    await handle.close();
  }
}
