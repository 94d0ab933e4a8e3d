import { lstat, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { findFfmpeg, runTool, toolVersion } from '../../backends/local/ffmpeg.js';
import { bundledFonts } from '../../backends/local/fonts.js';
import { nemoConfig } from '../../backends/nemo/config.js';
import { seconds } from '../../display.js';
import { ExitCode } from '../../errors.js';
import { stateDir } from '../../state-dir.js';
import { VERSION } from '../../version.js';
import { styler, type Io } from '../io.js';

/** The filters the local renderer, its probes and its poster use: an ffmpeg without one of them cannot render. */
export const NEEDED_FILTERS = [
  // video
  'alphamerge', 'boxblur', 'color', 'colorchannelmixer', 'concat', 'crop', 'drawbox', 'drawtext', 'edgedetect', 'eq', 'fade',
  'format', 'fps', 'framerate', 'hflip', 'hstack', 'loop', 'lut', 'overlay', 'pad', 'perspective', 'scale', 'select', 'setpts',
  'setsar', 'settb', 'split', 'tonemap', 'tpad', 'transpose', 'trim', 'vflip', 'vstack', 'yadif', 'idet', 'zscale',
  // sound
  'adelay', 'afade', 'aformat', 'alimiter', 'amix', 'apad', 'aresample', 'asetpts', 'atempo', 'atrim', 'volume',
];

/** The encoders of the export formats: H.264 and AAC (mp4, mov), VP9 and Opus (webm). */
export const NEEDED_ENCODERS = ['libx264', 'aac', 'libvpx-vp9', 'libopus'];

/** One finding of `nemo-run doctor`. */
export interface Check {
  name: string;
  ok: boolean;
  /** Informational lines (no pass or fail). */
  info?: boolean;
  detail: string;
  hint?: string;
}

/** Where a tool path came from. */
function toolSource(kind: 'ffmpeg' | 'ffprobe', path: string, env: NodeJS.ProcessEnv): string {
  const variable = kind === 'ffmpeg' ? 'NEMO_FFMPEG' : 'NEMO_FFPROBE';
  if (env[variable]) return `from ${variable}`;
  if (path.includes(`${kind}-installer`)) return `bundled, @${kind}-installer/${kind}`;
  return 'from PATH';
}

/** The `--version` text: this package's version, then the ffmpeg and ffprobe it would use and where from. */
export async function versionText(env: NodeJS.ProcessEnv): Promise<string> {
  const tools = findFfmpeg(env);
  const lines = await Promise.all(
    (['ffmpeg', 'ffprobe'] as const).map(async (kind) => {
      const version = await toolVersion(tools[kind]).then(shortVersion, (error: Error) => `not working (${error.message})`);
      return `${kind} ${version}: ${tools[kind]} (${toolSource(kind, tools[kind], env)})`;
    }),
  );
  return `${VERSION}\n${lines.join('\n')}\n`;
}

/** "ffmpeg version 4.1-static https://… Copyright …" → "4.1-static". */
function shortVersion(line: string): string {
  return /^ff\w+ version (\S+)/.exec(line)?.[1] ?? line;
}

/** Names listed by `ffmpeg -filters` or `-encoders` (the second word of each entry line). */
function listed(output: string): Set<string> {
  return new Set(
    output
      .split('\n')
      .map((line) => /^\s*[A-Z.|]{3,6}\s+(\S+)\s/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );
}

/** Bytes of the files under a folder (links not followed); 0 when it does not exist. */
async function folderSize(dir: string): Promise<number> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  const names = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(names.map((name) => folderSize(join(dir, name))));
  return sizes.reduce((a, b) => a + b, 0);
}

function megabytes(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A one-second 160x90 render of a generated image, in a temporary folder that is removed afterwards. */
async function testRender(io: Io, ffmpeg: string): Promise<Check> {
  const dir = await mkdtemp(join(tmpdir(), 'nemo-run-doctor-'));
  const started = performance.now();
  try {
    await runTool(ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x3366cc:s=320x180', '-frames:v', '1', join(dir, 'test.png')], { signal: io.signal });
    const recipe = join(dir, 'doctor.yaml');
    await writeFile(
      recipe,
      'version: 1\ninputs:\n  - test.png\ninstructions:\n  - a 1-second video\n  - add the title "nemo-run doctor"\nexport:\n  size: 160x90\n  quality: draft\n  output: out/doctor.mp4\n',
    );
    // The library (schema, planner, backends) is loaded for the test render only, so `--version` stays light.
    const { checkRecipes, runRecipes } = await import('../../api.js');
    const { recipes, problems } = await checkRecipes([recipe], { cwd: dir, backend: 'local' });
    if (problems.length) throw problems[0]!.error;
    const [report] = await runRecipes(recipes, { env: io.env, cwd: dir, backend: 'local', concurrency: 2, signal: io.signal, force: true });
    if (report?.status !== 'ok') throw new Error(report?.error?.message ?? report?.status ?? 'no report');
    const size = (await stat(join(dir, 'out/doctor.mp4'))).size;
    return { name: 'render', ok: true, detail: `a 1-second 160x90 test video with a title (${megabytes(size)}) in ${seconds(performance.now() - started)}` };
  } catch (error) {
    const { message, hint } = error as Error & { hint?: string };
    return { name: 'render', ok: false, detail: `the 1-second test render failed: ${message}`, hint: hint ?? 'run it again with --verbose to see the ffmpeg command lines' };
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** Everything `nemo-run doctor` checks, in the order it prints them. */
export async function diagnose(folder: string, io: Io): Promise<Check[]> {
  const env = io.env;
  const tools = findFfmpeg(env);
  const checks: Check[] = [];
  const versions = await Promise.all(
    (['ffmpeg', 'ffprobe'] as const).map((kind) => toolVersion(tools[kind]).then((line) => ({ line }), (error: Error & { hint?: string }) => ({ error }))),
  );
  (['ffmpeg', 'ffprobe'] as const).forEach((kind, k) => {
    const found = versions[k]!;
    const where = `${tools[kind]} (${toolSource(kind, tools[kind], env)})`;
    checks.push(
      'line' in found
        ? { name: kind, ok: true, detail: `${shortVersion(found.line)}: ${where}` }
        : { name: kind, ok: false, detail: `${where}: ${found.error.message}`, hint: found.error.hint },
    );
  });

  const ffmpegWorks = 'line' in versions[0]!;
  if (ffmpegWorks) {
    const [filters, encoders] = await Promise.all(
      ['-filters', '-encoders'].map((flag) => runTool(tools.ffmpeg, ['-hide_banner', flag], { signal: io.signal }).then((r) => listed(r.stdout), () => new Set<string>())),
    );
    const noFilters = NEEDED_FILTERS.filter((f) => !filters!.has(f));
    checks.push(
      noFilters.length
        ? { name: 'filters', ok: false, detail: `missing ${noFilters.join(', ')} (of the ${NEEDED_FILTERS.length} the renderer needs)`, hint: 'use the bundled ffmpeg (unset NEMO_FFMPEG) or an ffmpeg built with these filters (drawtext needs libfreetype)' }
        : { name: 'filters', ok: true, detail: `all ${NEEDED_FILTERS.length} the renderer needs (${NEEDED_FILTERS.join(', ')})` },
    );
    const noEncoders = NEEDED_ENCODERS.filter((e) => !encoders!.has(e));
    checks.push(
      noEncoders.length
        ? { name: 'encoders', ok: false, detail: `missing ${noEncoders.join(', ')}`, hint: 'use the bundled ffmpeg (unset NEMO_FFMPEG), or one built with libx264, libvpx and libopus' }
        : { name: 'encoders', ok: true, detail: NEEDED_ENCODERS.join(', ') },
    );
  } else {
    checks.push({ name: 'filters', ok: false, detail: 'not checked: ffmpeg does not work' });
  }

  const fonts = await Promise.all(bundledFonts().map(async (font) => ({ path: font.path, size: (await stat(font.path).catch(() => undefined))?.size })));
  const absent = fonts.filter((f) => f.size === undefined);
  checks.push(
    absent.length
      ? { name: 'fonts', ok: false, detail: `missing ${absent.map((f) => f.path).join(', ')}`, hint: 'run `npm ci` again: the fonts come with the package\'s dependencies' }
      : { name: 'fonts', ok: true, detail: fonts.map((f) => `${basename(f.path)} (${megabytes(f.size!)})`).join(', ') + ` in ${commonFolder(fonts.map((f) => f.path))}` },
  );

  const recipes = resolve(io.cwd, folder);
  try {
    const state = stateDir(recipes, env);
    const [total, cache] = await Promise.all([folderSize(state), folderSize(join(state, 'cache'))]);
    const beside = state === join(recipes, '.nemo-run');
    checks.push({
      name: 'state',
      ok: true,
      info: true,
      detail: `${state} (${beside ? 'beside the recipes' : `a private folder: ${recipes} cannot hold .nemo-run/`}): ${megabytes(total)}, of which cache/ ${megabytes(cache)} (at most 2 GB)`,
    });
  } catch (error) {
    checks.push({ name: 'state', ok: false, detail: (error as Error).message, hint: (error as { hint?: string }).hint });
  }

  const cloud = nemoConfig(env);
  const saved = await stat(join(cloud.configDir, 'token.json')).then(() => true, () => false);
  const token = cloud.envToken ? 'NEMO_TOKEN is set (not shown)' : saved ? `an anonymous token is saved in ${join(cloud.configDir, 'token.json')} (not shown)` : 'none yet (an anonymous one is fetched on first use)';
  checks.push({ name: 'cloud', ok: true, info: true, detail: `API ${cloud.baseUrl}; token: ${token}; platform ${cloud.platform}` });

  checks.push(ffmpegWorks && 'line' in versions[1]! ? await testRender(io, tools.ffmpeg) : { name: 'render', ok: false, detail: 'not tried: ffmpeg or ffprobe does not work' });
  return checks;
}

function commonFolder(paths: string[]): string {
  const parts = paths.map((p) => p.split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => p[i] !== undefined && p[i] === parts[0]![i]); i++) common.push(parts[0]![i]!);
  return common.join('/') || '/';
}

/** `nemo-run doctor [folder]`: what nemo-run runs with, whether it works, and a one-second test render. */
export async function doctorCommand(folder: string, opts: { json?: boolean }, io: Io): Promise<number> {
  const checks = await diagnose(folder, io);
  const ok = checks.every((c) => c.ok);
  const about = { version: VERSION, node: process.version, platform: `${platform()} ${arch()}` };
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ ok, ...about, checks }, null, 2)}\n`);
  } else {
    const style = styler(io, 'stdout');
    io.stdout.write(`nemo-run ${about.version} (node ${about.node}, ${about.platform})\n`);
    for (const check of checks) {
      const mark = check.info ? style.dim('·') : check.ok ? style.green('✔') : style.red('✖');
      io.stdout.write(`${mark} ${check.name.padEnd(8)} ${check.detail}\n`);
      if (check.hint) io.stdout.write(`  ${''.padEnd(8)} hint: ${check.hint}\n`);
    }
    io.stdout.write(ok ? 'everything nemo-run needs is in place\n' : style.red(`${checks.filter((c) => !c.ok).length} problem(s) found\n`));
  }
  return ok ? ExitCode.ok : ExitCode.failed;
}
