import { constants } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, NemoError } from '../../errors.js';
import { convertCommand } from '../../recipe/inputs.js';
import type { Io } from '../io.js';
import { reportError } from '../report.js';

const PHOTO = /\.(jpe?g|png|webp|gif)$/i;
const CLIP = /\.(mp4|mov|m4v|mkv|webm|avi)$/i;
const SOUND = /\.(mp3|m4a|wav|aac)$/i;
const CAPTIONS = /\.(srt|vtt)$/i;
/** Media nemo-run does not take: left out, and said so with the command that converts each. */
const refused = (path: string) => convertCommand(path) !== undefined;
/** Folders that hold no source media: outputs, state, dependencies. */
const SKIP = new Set(['out', 'node_modules', 'dist']);

/** The media files of a folder and of its direct subfolders (those it cannot take too), as paths relative to it, sorted by name. */
async function mediaFiles(folder: string): Promise<string[]> {
  const files: string[] = [];
  const list = async (sub: string, depth: number) => {
    const entries = await readdir(join(folder, sub), { withFileTypes: true }).catch(() => []);
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory() && depth === 0 && !SKIP.has(entry.name)) await list(path, 1);
      else if (entry.isFile() && ([PHOTO, CLIP, SOUND, CAPTIONS].some((re) => re.test(entry.name)) || refused(entry.name))) files.push(path);
    }
  };
  await list('', 0);
  return files;
}

/** Where the recipe schema is, as the modeline of a recipe in `folder` should name it. */
function schemaRef(folder: string): string {
  const schema = fileURLToPath(new URL('../../../schemas/recipe.schema.json', import.meta.url));
  const rel = relative(folder, schema);
  // Relative when the package lives beside the project (a clone, node_modules); absolute for a global install elsewhere.
  const sameRoot = schema.split(sep)[1] === folder.split(sep)[1];
  return sameRoot && !isAbsolute(rel) ? rel.split(sep).join('/') : schema;
}

/** "an 8-second", "an 18-second", "a 12-second". */
const article = (n: number) => (/^(8|11|18)(\d\d)?$/.test(String(n)) || /^8/.test(String(n)) ? 'an' : 'a');

const quoted = (path: string) => (/^[\w./-]+$/.test(path) ? path : JSON.stringify(path));

/**
 * `nemo-run init [folder]`: a starter recipe for the media found there (photos → a promo, clips → a vertical reel),
 * with the schema modeline; never overwrites a file; prints the next command.
 */
export async function initCommand(folderArg: string, io: Io): Promise<number> {
  const folder = resolve(io.cwd, folderArg);
  const fail = (message: string, hint: string) => (reportError(new NemoError('E_USAGE', message, { hint, exitCode: ExitCode.invalid }), io), ExitCode.invalid);
  if (!(await stat(folder).catch(() => undefined))?.isDirectory()) return fail(`${folderArg} is not a folder`, 'give the folder that holds your photos or clips: nemo-run init photos/');

  const files = await mediaFiles(folder);
  const logo = files.find((f) => PHOTO.test(f) && /logo/i.test(basename(f)));
  const photos = files.filter((f) => PHOTO.test(f) && f !== logo);
  const clips = files.filter((f) => CLIP.test(f));
  const music = files.find((f) => SOUND.test(f));
  const captions = files.find((f) => CAPTIONS.test(f));
  const left = files.filter(refused);
  if (!photos.length && !clips.length) {
    const only = left.length ? ` (only ${left.join(', ')}, in formats nemo-run does not take)` : '';
    return fail(`no photos or clips in ${folderArg} or its subfolders${only}`, `put the images (jpg, png, webp, gif) or clips (mp4, mov, webm, …) there first${only ? ', converted' : ''}, then run nemo-run init again`);
  }

  const reel = clips.length > 0;
  const name = reel ? 'reel' : 'promo';
  const file = join(folder, `${name}.yaml`);
  const extras = [music && 'music', captions && 'captions'].filter(Boolean).join(' and ');
  // Four seconds a photo, between 6 s and a minute.
  const seconds = Math.min(60, Math.max(6, photos.length * 4));
  const instructions = reel
    ? [`turn these clips into a vertical reel${extras ? ` with ${extras}` : ''}`]
    : [`turn these product images into ${article(seconds)} ${seconds}-second promotional video${extras ? ` with ${extras}` : ''}`];
  const inputs = [
    ...(reel ? [...clips, ...photos] : photos).map((f) => `  - ${quoted(f)}`),
    ...(logo ? [`  - { path: ${quoted(logo)}, role: logo }`] : []),
    ...(music ? [`  - { path: ${quoted(music)}, role: music }`] : []),
    ...(captions ? [`  - { path: ${quoted(captions)}, role: captions }`] : []),
  ];
  const text = [
    `# yaml-language-server: $schema=${schemaRef(folder)}`,
    '# A starter recipe written by `nemo-run init`: edit the instructions in plain words (`nemo-run instructions` lists them).',
    'version: 1',
    `name: ${name}`,
    'inputs:',
    ...inputs,
    'instructions:',
    ...instructions.map((i) => `  - ${JSON.stringify(i)}`),
    'export:',
    `  aspect: "${reel ? '9:16' : '16:9'}"`,
    '  resolution: 1080p',
    '  output: out/${name}.mp4',
    '',
  ].join('\n');

  try {
    // `wx`: an existing recipe is never overwritten, even one written between a check and the write.
    await writeFile(file, text, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      return fail(`${relative(io.cwd, file) || file} already exists; nothing was written`, `run it (nemo-run ${relative(io.cwd, file)}), or move it away and run nemo-run init again`);
    }
    throw error;
  }
  const near = relative(io.cwd, file);
  const shown = near && !near.startsWith('..') ? near : file;
  const found = [
    reel ? `${clips.length} clip${clips.length === 1 ? '' : 's'}` : '',
    photos.length ? `${photos.length} photo${photos.length === 1 ? '' : 's'}` : '',
    logo ? 'a logo' : '',
    music ? 'music' : '',
    captions ? 'captions' : '',
  ].filter(Boolean);
  io.stdout.write(`wrote ${shown}: a ${reel ? 'vertical reel' : 'promo'} of ${found.join(', ')}\n`);
  // Nothing is left out silently: media it cannot take, and sound or captions beyond the one it took.
  const others = files.filter((f) => (SOUND.test(f) && f !== music) || (CAPTIONS.test(f) && f !== captions));
  if (left.length) {
    const them = left.length === 1 ? 'it' : 'them';
    // The commands name the files from where they were asked for, so that they run as printed.
    const here = (f: string) => relative(io.cwd, join(folder, f)).split(sep).join('/');
    io.stderr.write(`left out ${left.join(', ')}: nemo-run does not take ${left.length === 1 ? 'this format' : 'these formats'}; convert ${them}, then add ${them} to the recipe: ${left.map((f) => `\`${convertCommand(here(f))}\``).join(', ')}\n`);
  }
  if (others.length) io.stderr.write(`left out ${others.join(', ')}: a recipe takes one music and one captions file; swap ${others.length === 1 ? 'it' : 'them'} in by hand if you meant ${others.length === 1 ? 'it' : 'one of them'}\n`);
  io.stdout.write(`next: nemo-run ${quoted(shown)}        (or nemo-run plan ${quoted(shown)} to see the timeline first)\n`);
  return ExitCode.ok;
}
