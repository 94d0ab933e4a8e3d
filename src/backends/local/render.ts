import { copyFile, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { LimitFunction } from 'p-limit';
import { atomically, DISK_FULL_WORDS, diskFullError, isDiskFull, processAlive, removeLeftover, removeStalePartials } from '../../atomic.js';
import { InterruptedError, NemoError, throwIfAborted } from '../../errors.js';
import { keyOf, type ContentHashes } from '../../hash.js';
import { collectGarbage } from '../../memory.js';
import type { ExportSettings } from '../../plan/plan.types.js';
import { VERSION } from '../../version.js';
import { isSound, isText, segmentsOf, type LocalDraft, type Segment, type TextMeta } from '../draft.js';
import type { SharedWork } from '../backend.js';
import type { ContentCache } from './content-cache.js';
import { checkAhead, imageInput, runTool, shellLine, type FfmpegPaths } from './ffmpeg.js';
import { countFrames, holdFrames, keyFrames } from './h264.js';
import { FontSet, describeChars, type FontChoice } from './fonts.js';
import { mediaProblem, pngProblem, unverified, type Expected } from './verify.js';
import { chunkGraph, frameCount, mainTrack, posterFrames, splitChunks, textLayout, textWidth, upscaleOf, type Chunk, type Frame, type SourceMedia, type TextLine } from './graph.js';

/** What a render needs; everything is passed in. */
export interface RenderOptions {
  draft: LocalDraft;
  settings: ExportSettings;
  media: (index: number) => SourceMedia;
  tools: FfmpegPaths;
  /** The fonts texts may be set in, tried in order (see bundledFonts). */
  fonts: FontChoice[];
  /** Says what the render could not do well (a character no font has, a photo blown up a lot). */
  warn?: (message: string) => void;
  /** Bounds how many encoders run at once (shared by the renders of a run): the timeline is cut into at least this many chunks. */
  encoders: LimitFunction;
  /** How many threads each encoder uses (see encoderShare). */
  threads: number;
  /** Keeps encoded chunks and sound by content, so re-runs encode only what changed. */
  cache: ContentCache;
  /** Work shared with the other renders of a run: the sound of a video's variants is mixed once. */
  work?: SharedWork;
  hashes: ContentHashes;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * How the timeline is cut into chunks: at least one per encoder; at least 16 (or one per item), so one changed item
 * re-encodes a small part; and at most about 3 items each (2 when encoders run side by side), since an ffmpeg's
 * memory grows with its filter graph (each filter keeps its own frames: about 17 MB per transition laid over another
 * picture at 1080p), so a longer timeline makes more chunks rather than bigger ones.
 */
function chunkCount(items: number, encoders: number): number {
  return Math.max(encoders, Math.min(items, Math.max(16, Math.ceil(items / (encoders > 1 ? 2 : 3)))));
}

/**
 * True when the chunks are H.264 streams that hold frames at rest by skipped frames (h264.ts); WebM (VP9) holds them
 * in the filter graph and encodes each.
 */
function holdsBySkipping(settings: ExportSettings): boolean {
  return settings.format !== 'webm';
}

/**
 * Encoder settings per quality; chunks must share them exactly to be joined by stream copy. The stream says its
 * colours are BT.709, as the graph makes them (see TO_BT709 in graph.ts).
 */
export function videoCodec(settings: ExportSettings): string[] {
  const common = ['-g', String(settings.fps * 2), ...['-colorspace', '-color_primaries', '-color_trc'].flatMap((tag) => [tag, 'bt709']), '-color_range', 'tv'];
  if (settings.format === 'webm') {
    const crf = { draft: 40, standard: 34, high: 30 }[settings.quality];
    return ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-crf', String(crf), '-b:v', '0', '-pix_fmt', 'yuv420p', ...common];
  }
  const [preset, crf] = { draft: ['ultrafast', 28], standard: ['veryfast', 23], high: ['veryfast', 20] }[settings.quality] as [string, number];
  return ['-c:v', 'libx264', '-preset', preset, '-crf', String(crf), '-pix_fmt', 'yuv420p', '-profile:v', 'high', ...common];
}

function audioCodec(settings: ExportSettings): string[] {
  return settings.format === 'webm' ? ['-c:a', 'libopus', '-b:a', '128k'] : ['-c:a', 'aac', '-b:a', '160k'];
}

/**
 * Renders a draft to `settings.output`: the timeline is cut into chunks that are encoded in parallel with identical
 * settings, the sound is mixed in one pass beside them, and both are joined by stream copy into a temporary file
 * that is renamed into place. Every output frame is encoded once; an interrupted render leaves nothing at the output.
 * Every file is checked before it is kept: each chunk has exactly its frames, the sound exactly the video's length,
 * and the joined video exactly `d × fps` frames (the bundled ffmpeg exits 0 when the disk fills). Returns the
 * video's length as checked (its frames': `d` rounded to whole frames) and, for H.264, the poster in the cache, laid
 * out beside the join from thumbnails taken off the chunks as each is done (see renderPoster).
 */
export async function renderVideo(opts: RenderOptions): Promise<{ durationMs: number; poster?: string }> {
  const { draft, settings, tools } = opts;
  const frame = { width: settings.width, height: settings.height, fps: settings.fps };
  const total = frameCount(draft, settings.fps);
  const seconds = total / settings.fps;
  // (The cache sits in the state folder, whose small files are written atomically too.)
  // The run's peak memory is this process and an encoder together: the CLI's process returns the garbage of planning
  // (probes, graphs) before any encoder starts, and again before each one (memory.ts).
  collectGarbage();
  checkAhead(tools.ffprobe);
  await removeLeftovers([dirname(settings.output), opts.cache.dir, dirname(opts.cache.dir)], Date.now());
  // Named by this process, so a later run can tell when it is a killed run's leftover (see removeLeftovers).
  const work = await mkdtemp(join(tmpdir(), `nemo-run-${process.pid}-`));
  // The first failure stops the other ffmpeg runs; all of them have ended before the work folder is removed.
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const ext = settings.format;
  try {
    // Fonts are linked under plain names: their paths never enter the filter graph.
    const fontNames = opts.fonts.map((_, k) => `font${k}.ttf`);
    await Promise.all(opts.fonts.map((font, k) => symlink(font.path, join(work, fontNames[k]!))));
    const texts = await writeTexts(draft, frame, opts.media, work, new FontSet(opts.fonts), opts.warn);
    warnUpscaled(draft, frame, opts);
    warnTracks(draft, opts);
    const animated = (input: number) => (opts.media(input).frames ?? 1) > 1;
    const chunks = splitChunks(draft, settings.fps, chunkCount(mainTrack(draft).length, opts.encoders.concurrency), animated);
    const posterAt = posterFrames(draft, settings.fps);
    const done = new Array<number>(chunks.length).fill(0);
    const report = () => opts.onProgress?.(done.reduce((a, b) => a + b, 0) / total);
    const limit = opts.encoders;
    // H.264 holds frames at rest by skipped frames, which needs a stream without B frames and one reference (h264.ts).
    // With only the changing frames to plan, x264 looks 2 frames ahead instead of veryfast's 10: about 40 MB less per
    // encoder at 1080p, for the same quality with the held frames' zones below (two chunks of the 2-minute benchmark
    // against lossless: held frames within 0.5 dB and the others within 0.03 dB of looking 5 ahead, 3 % smaller).
    // Unlike veryfast, x264 does not try splitting a predicted macroblock into 8x8 parts (superfast's choice; draft's
    // ultrafast tries no parts at all): a crossfade's frames encode about a fifth faster for the same quality (promo and
    // 2min against near-lossless renders: within 0.04 dB, 1 % smaller; cold renders 5–14 % faster).
    const skip = holdsBySkipping(settings);
    const codec = [
      ...videoCodec(settings),
      ...(skip ? ['-bf', '0', '-refs', '1', '-forced-idr', '1', '-rc-lookahead', '2', ...(settings.quality === 'draft' ? [] : ['-partitions', 'i8x8,i4x4'])] : []),
    ];
    const chunkExt = skip ? 'h264' : ext;

    // Graphs and cache lookups come first: a chunk that is the only one to encode (one image changed) is given every
    // encoder's threads.
    const planned = await Promise.all(
      chunks.map(async (chunk) => {
        const graph = chunkGraph(draft, chunk, { frame, media: opts.media, texts, fonts: fontNames, skip, poster: posterAt });
        const key = keyOf([
          'chunk', VERSION, tools.ffmpeg, opts.fonts.map((f) => f.path), graph.script, await contentArgs(graph.inputs, opts.hashes), textsOf(graph.script, texts),
          codec, settings.fps, [...graph.repeats], graph.keys,
        ]);
        return { chunk, graph, key, cached: await opts.cache.get(key, chunkExt) };
      }),
    );
    const threads = planned.filter((p) => !p.cached).length === 1 ? opts.threads * limit.concurrency : opts.threads;
    // Only the encoding takes an encoder's turn: checking a finished chunk happens beside it, so the next chunk starts
    // as soon as an encoder is free.
    const videoRuns = planned.map(async ({ chunk, graph, key, cached }, k) => {
      throwIfAborted(signal);
      if (cached) {
        done[k] = graph.frames;
        report();
        return cached;
      }
      await writeFile(join(work, `chunk${k}.graph`), graph.script);
      const what = `the video from ${(chunk.from / settings.fps).toFixed(1)} s to ${(chunk.to / settings.fps).toFixed(1)} s`;
      const expected = { frames: graph.frames, fps: settings.fps, seconds: graph.frames / settings.fps, audio: false };
      const args = [
        '-hide_banner', '-nostdin', '-y', '-v', 'warning', '-progress', 'pipe:1', '-nostats',
        ...graph.inputs,
        '-filter_complex_script', `chunk${k}.graph`,
        // The graph already makes one frame per output frame; ffmpeg's own frame-rate sync would repeat a first frame
        // whose source lasted long (a GIF frame of 0.25 s) and push the rest late.
        '-map', `[${graph.out}]`, '-frames:v', String(graph.made), '-r', String(settings.fps), '-vsync', 'passthrough',
        ...codec, '-threads', String(threads), '-an',
        // A held frame stands for many: it gets 4.5 times the bits (x264 would otherwise refine it over the frames
        // that repeat it; measured on the promo against a near-lossless render: 55.3 dB, where encoding every frame
        // gave 54.7 dB, at the same size).
        ...(graph.repeats.size ? ['-x264-params', `zones=${[...graph.repeats.keys()].map((n) => `${n},${n},b=4.5`).join('/')}`] : []),
        ...(graph.keys.length ? ['-force_key_frames', `expr:${graph.keys.map((n) => `eq(n,${n})`).join('+')}`] : []),
      ];
      const onFrame = (f: number) => ((done[k] = Math.round((Math.min(f, graph.made) * graph.frames) / graph.made)), report());
      const encode = (path: string) => limit(() => (throwIfAborted(signal), collectGarbage(), runTool(tools.ffmpeg, [...args, path], { cwd: work, signal, onFrame })));
      if (!skip) return namedFailure(what, graph.inputs, () => opts.cache.put(key, ext, encode, (path) => check(`${what} (a cache entry)`, path, expected, tools, signal)));
      // The made frames, then the same file with the held frames' repeats written in. A stream ffmpeg could not
      // write whole (it exits 0 when the disk fills) is refused before its frames are counted: a cut last frame
      // still counts as one.
      const hold = async (path: string) => {
        const { stderr } = await encode(path);
        const failed = new RegExp(`^.*(?:${DISK_FULL_WORDS.source}|Error writing).*$`, 'im').exec(stderr);
        if (failed) throw new NemoError('E_FFMPEG_EXIT', failed[0]);
        let held: Buffer;
        try {
          held = holdFrames(await readFile(path), graph.repeats).stream;
        } catch (error) {
          throw await unverified(`${what} (a cache entry)`, path, `is not an H.264 stream nemo-run can hold frames in (${(error as Error).message})`);
        }
        await writeFile(path, held);
      };
      const verify = async (path: string) => {
        const frames = countFrames(await readFile(path));
        if (frames !== graph.frames) throw await unverified(`${what} (a cache entry)`, path, `has ${frames} video frames instead of ${graph.frames}`);
      };
      return namedFailure(what, graph.inputs, () => opts.cache.put(key, chunkExt, hold, verify));
    });
    // Each thumbnail of the poster is taken as soon as its chunk is done, beside the encoding and the join. One that
    // cannot be taken costs the poster a seek in the finished video, never the video.
    const missed: { frame: number; error: Error }[] = [];
    const thumbRuns = skip
      ? posterAt.map((frame) => {
          const k = chunks.findIndex((c) => frame < c.to);
          return videoRuns[k]!.then((chunk) =>
            chunkThumb(chunk, frame - chunks[k]!.from, opts, signal).catch((error: unknown) => {
              if (signal.aborted) throw error;
              missed.push({ frame, error: error as Error });
              return undefined;
            }),
          );
        })
      : [];
    // The poster is laid out from them beside the join (a failure is said as theirs is).
    const sheet = settled(thumbRuns, stop).then((thumbs) =>
      thumbs.length && thumbs.every(Boolean)
        ? thumbSheet(thumbs as string[], opts, signal).catch((error: unknown) => {
            if (signal.aborted) throw error;
            missed.push(...posterAt.map((frame) => ({ frame, error: error as Error })));
            return undefined;
          })
        : undefined,
    );
    const media = settled<string | undefined>([...videoRuns, mixAudio(opts, work, seconds, signal)], stop);
    const joined = media.then((results) => joinChunks(opts, chunks, results.slice(0, -1) as string[], results.at(-1), work, signal));
    const [, poster] = (await settled<unknown>([joined, sheet], stop)) as [unknown, string | undefined];
    if (missed.length) {
      const at = [...new Set(missed.map(({ frame }) => frame).sort((a, b) => a - b).map((f) => (f / settings.fps).toFixed(1)))].join(', ');
      const why = String(missed[0]!.error?.message ?? missed[0]!.error).replace(/\s*\n\s*/g, ' ');
      opts.warn?.(`the poster's pictures at ${at} s could not be taken off the encoded chunks: ${why}; the poster is made by seeking in the finished video instead (the same pictures, a little slower)`);
    }
    opts.onProgress?.(1);
    await opts.cache.prune();
    return { durationMs: Math.round(seconds * 1000), ...(poster ? { poster } : {}) };
  } catch (error) {
    throw isDiskFull(error) ? await diskFullError(work, error, `the temporary files in ${work}`) : error;
  } finally {
    await rm(work, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * How ffmpeg reads a chunk's raw H.264: all its parameters are in the first packet, and looking further (5 MB, as it
 * would) cost the join of the promo a third of its 40 ms, and each poster thumbnail a fifth of its 50 ms.
 */
const RAW_H264 = ['-probesize', '32', '-analyzeduration', '0'];

/**
 * Joins the chunks (and the sound) by stream copy into a temporary file, checks it has exactly `d × fps` frames, and
 * renames it into place.
 */
async function joinChunks(opts: RenderOptions, chunks: Chunk[], files: string[], audio: string | undefined, work: string, signal: AbortSignal): Promise<void> {
  const { settings, tools } = opts;
  const skip = holdsBySkipping(settings);
  const total = chunks.at(-1)!.to;
  const seconds = total / settings.fps;
  // The concat list quotes paths (a quote inside one is written '\'' as the format wants) and gives each chunk's
  // exact length, so every chunk starts exactly where the frames before it end, whatever its container says.
  // H.264 chunks are plain streams, each starting with a key frame: they are joined end to end and timed by the
  // frame rate (linked under plain names, since `|` separates them).
  if (skip) await Promise.all(files.map((f, k) => symlink(f, join(work, `c${k}.h264`))));
  else {
    const list = files.map((f, k) => `file '${f.replace(/'/g, "'\\''")}'\nduration ${((chunks[k]!.to - chunks[k]!.from) / settings.fps).toFixed(6)}\n`);
    await writeFile(join(work, 'chunks.txt'), list.join(''));
  }
  const video = skip ? [...RAW_H264, '-r', String(settings.fps), '-f', 'h264', '-i', `concat:${files.map((_, k) => `c${k}.h264`).join('|')}`] : ['-f', 'concat', '-safe', '0', '-i', 'chunks.txt'];
  await atomically(
    settings.output,
    (partial) =>
      runTool(
        tools.ffmpeg,
        [
          '-hide_banner', '-nostdin', '-y', '-v', 'error',
          ...video,
          ...(audio ? ['-i', audio, '-map', '0:v:0', '-map', '1:a:0'] : ['-map', '0:v:0']),
          '-c', 'copy', '-t', seconds.toFixed(6),
          ...(skip ? ['-movflags', '+faststart'] : []),
          partial,
        ],
        { cwd: work, signal },
      ),
    { verify: (partial) => check(`the video ${settings.output}`, partial, { frames: total, fps: settings.fps, seconds, audio: Boolean(audio) }, tools, signal) },
  );
}

/**
 * Removes what killed runs of this user left behind: partial files in the output and cache folders, and work folders
 * (`<tmp>/nemo-run-<pid>-<random>`), each only when the process named in it is gone and it was last written before
 * this run began (see removeLeftover: never another user's, and never an error).
 */
async function removeLeftovers(dirs: string[], before: number): Promise<void> {
  const works = (await readdir(tmpdir()).catch(() => [] as string[])).filter((name) => {
    const pid = Number(/^nemo-run-(\d+)-\w+$/.exec(name)?.[1]);
    return pid && pid !== process.pid && !processAlive(pid);
  });
  await Promise.all([...dirs.map((dir) => removeStalePartials(dir, before)), ...works.map((name) => removeLeftover(join(tmpdir(), name), before, 'folder'))]);
}

/**
 * Waits for every job to end, so none is left running; the first failure aborts the others (`stop`) and is what is
 * thrown, rather than the interruptions it caused.
 */
async function settled<T>(jobs: Promise<T>[], stop: AbortController): Promise<T[]> {
  const results = await Promise.allSettled(jobs.map((job) => job.catch((error: unknown) => (stop.abort(), Promise.reject(error)))));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length) throw failures.find((e) => !(e instanceof InterruptedError)) ?? failures[0];
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Throws E_OUTPUT when a file ffmpeg wrote is not what it should be (see mediaProblem). */
async function check(what: string, path: string, expected: Expected, tools: FfmpegPaths, signal: AbortSignal): Promise<void> {
  const problem = await mediaProblem(path, expected, tools, signal);
  if (problem) throw await unverified(what, path, problem);
}

/** ffmpeg input arguments with every file replaced by its content hash: what a cache key must depend on. */
async function contentArgs(args: string[], hashes: ContentHashes): Promise<string[]> {
  return Promise.all(args.map(async (arg, i) => (args[i - 1] === '-i' ? hashes.of(arg) : arg)));
}

/** The words of the text files a filter script draws, which the script itself only names. */
function textsOf(script: string, texts: Map<Segment<TextMeta>, TextLine[]>): string[] {
  const byFile = new Map([...texts.values()].flat().flatMap((line) => line.runs.map((run) => [run.file, run.text] as const)));
  return [...script.matchAll(/textfile=(t\d+\.txt)/g)].map((m) => byFile.get(m[1]!) ?? '');
}

/**
 * Wraps each text by the width of its fonts and writes each run of each line to its own file: user text never enters
 * the filter graph. Characters no font can draw are named in a warning, once per text.
 */
async function writeTexts(draft: LocalDraft, frame: Frame, media: (index: number) => SourceMedia, work: string, fonts: FontSet, warn?: (message: string) => void): Promise<Map<Segment<TextMeta>, TextLine[]>> {
  const texts = new Map<Segment<TextMeta>, TextLine[]>();
  let n = 0;
  for (const seg of segmentsOf(draft, isText)) {
    const missing = fonts.missing(seg.m.text);
    if (missing.length) warn?.(`no bundled font can draw ${describeChars(missing)} in "${seg.m.text}"; ${missing.length === 1 ? 'it shows' : 'they show'} as empty boxes`);
    const lines = textLayout(seg, frame, textWidth(seg, draft, frame, media), (line) => fonts.width(line)).lines.map((text): TextLine => {
      const runs = fonts.runs(text).map((run) => ({ ...run, file: `t${n++}.txt` }));
      return { runs, width: runs.reduce((sum, run) => sum + run.width, 0) };
    });
    await Promise.all(lines.flatMap((line) => line.runs.map((run) => writeFile(join(work, run.file), run.text))));
    texts.set(seg, lines);
  }
  return texts;
}

/** Names each input whose sound is used and has more than one track: only the first is mixed. */
function warnTracks(draft: LocalDraft, opts: RenderOptions): void {
  for (const index of new Set(segmentsOf(draft, isSound).map((seg) => seg.m.input))) {
    const { path, audioTracks } = opts.media(index);
    if (!audioTracks) continue;
    const mix = shellLine('ffmpeg', ['-i', path, '-filter_complex', `amix=inputs=${audioTracks}`, '-c:v', 'copy', join(dirname(path), `mixed-${basename(path)}`)]);
    opts.warn?.(`${basename(path)} has ${audioTracks} sound tracks; only the first is used (to use them all, mix them into one first: \`${mix}\`)`);
  }
}

/** A photo shown at more than this many times its own size looks blurred. */
const MAX_UPSCALE = 4;

/** Warns about each still that must be blown up more than MAX_UPSCALE times to fill its place in the frame. */
function warnUpscaled(draft: LocalDraft, frame: Frame, opts: RenderOptions): void {
  const seen = new Set<number>();
  for (const seg of mainTrack(draft).filter((s) => s.m.kind === 'image')) {
    const index = seg.m.input;
    const media = opts.media(index);
    if (seen.has(index) || !media.width || !media.height) continue;
    seen.add(index);
    const factor = upscaleOf(media.width, media.height, frame, 'framing' in seg.m ? seg.m.framing : undefined);
    if (factor > MAX_UPSCALE) {
      opts.warn?.(
        `${seg.src ?? basename(media.path)} is ${media.width}x${media.height}, shown ${factor.toFixed(0)}× enlarged in a ${frame.width}x${frame.height} frame, so it will look blurred; use a photo of at least ${Math.ceil(frame.width / 2)}x${Math.ceil(frame.height / 2)}`,
      );
    }
  }
}

/** Mixes music and the clips' own sound into one audio file of the video's exact length; undefined when silent. */
async function mixAudio(opts: RenderOptions, work: string, seconds: number, signal: AbortSignal): Promise<string | undefined> {
  const { draft, settings } = opts;
  const segments = segmentsOf(draft, isSound);
  if (!segments.length) return undefined;
  const D = seconds.toFixed(6);
  const inputs: string[] = [];
  const chains: string[] = [];
  const labels: string[] = [];
  // Any layout (5.1, 7.1, mono) comes down to stereo by the standard matrix (centre and surrounds at -3 dB), as players
  // do, in floating point: a sum past full scale does not clip here, and the limiter below holds the peaks. (A matrix
  // scaled to fit all channels at full scale made 5.1 music 7.7 dB quieter than the same sound in stereo.)
  const norm = 'aresample=ocl=stereo:osf=fltp,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo';
  segments.forEach((seg, k) => {
    const { m } = seg;
    const path = opts.media(m.input).path;
    const filters: string[] = [];
    if (m.kind === 'music') {
      inputs.push('-stream_loop', '-1', '-i', path);
      filters.push(`atrim=0:${(seg.d / 1000).toFixed(3)}`, 'asetpts=PTS-STARTPTS', norm, `volume=${m.volume}`);
      if (m.fadeInMs) filters.push(`afade=t=in:st=0:d=${m.fadeInMs / 1000}`);
      if (m.fadeOutMs) filters.push(`afade=t=out:st=${((seg.d - m.fadeOutMs) / 1000).toFixed(3)}:d=${m.fadeOutMs / 1000}`);
    } else {
      const speed = m.speed ?? 1;
      // The sound is cut by its own times, not by ffmpeg's seek: a seek goes by the picture's key frames, and where
      // the picture starts after the sound (0.1 s later, say), seeking to 0 dropped the sound's first 43 ms and the
      // rest played that much early. A trim far in seeks to 10 s before it, past anything a seek could drop. The
      // sound is timed from the trim, silent until it starts, as the picture is (see itemStream).
      const trim = (m.trimMs ?? 0) / 1000;
      const seek = Math.max(0, Math.floor(trim) - 10);
      inputs.push(...(seek ? ['-ss', String(seek)] : []), '-i', path);
      const from = (trim - seek).toFixed(3);
      // (aresample pads the start only: gaps and overlaps later on, a recording's drifting clock, are left as they are.)
      const padStart = 'aresample=async=1:first_pts=0:min_hard_comp=100000';
      filters.push(`atrim=start=${from}:duration=${((seg.d / 1000) * speed).toFixed(3)}`, `asetpts=PTS-${from}/TB`, padStart, ...tempo(speed), norm, `volume=${m.volume}`);
      filters.push('afade=t=in:d=0.05', `afade=t=out:st=${Math.max(0, seg.d / 1000 - 0.05).toFixed(3)}:d=0.05`);
    }
    if (seg.st > 0) filters.push(`adelay=${seg.st}|${seg.st}`);
    // Every input is padded to the full length, so amix's 1/n scaling stays constant and is undone below.
    filters.push('apad', `atrim=0:${D}`);
    labels.push(`a${k}`);
    chains.push(`[${k}:a]${filters.join(',')}[a${k}]`);
  });
  // The sum of music and clips may pass full scale: a limiter holds peaks below -1.5 dBFS, leaving the AAC or Opus
  // encoder headroom for its own overshoot, and leaves quieter sound untouched.
  const limiter = 'alimiter=limit=0.84:attack=5:release=50:level=disabled';
  chains.push(
    labels.length === 1
      ? `[a0]${limiter}[aout]`
      : `${labels.map((l) => `[${l}]`).join('')}amix=inputs=${labels.length}:duration=first:dropout_transition=0,volume=${labels.length},${limiter}[aout]`,
  );
  const script = `${chains.join(';\n')}\n`;
  const ext = settings.format === 'webm' ? 'webm' : 'm4a';
  const key = keyOf(['audio', VERSION, opts.tools.ffmpeg, script, await contentArgs(inputs, opts.hashes), audioCodec(settings), D]);
  const expected = { fps: settings.fps, seconds, audio: true };
  const mix = () =>
    namedFailure('the sound', inputs, () =>
      opts.cache.getOrPut(
        key,
        ext,
        async (path) => {
          await writeFile(join(work, 'audio.graph'), script);
          const args = ['-hide_banner', '-nostdin', '-y', '-v', 'warning', ...inputs, '-filter_complex_script', 'audio.graph', '-map', '[aout]', '-t', D, ...audioCodec(settings), '-ar', '48000', path];
          return runTool(opts.tools.ffmpeg, args, { cwd: work, signal });
        },
        (path) => check('the sound (a cache entry)', path, expected, opts.tools, signal),
      ),
    );
  return opts.work ? opts.work.run(`${opts.cache.dir}:${key}`, mix, signal) : mix();
}

/**
 * Runs an ffmpeg job; when ffmpeg fails, the error says what was being made and from which input files. An ffmpeg
 * that is itself at fault (not a working ffmpeg, or lacking a filter or encoder: E_FFMPEG_MISSING from runTool) is
 * not put down to the inputs.
 */
async function namedFailure<T>(what: string, args: string[], job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (error) {
    if (!(error instanceof NemoError) || error.code !== 'E_FFMPEG_EXIT') throw error;
    const files = [...new Set(args.filter((_, i) => args[i - 1] === '-i').map((path) => basename(path)))];
    throw new NemoError('E_FFMPEG_EXIT', `making ${what} from ${files.join(', ')}: ${error.message}`, {
      cause: error,
      hint: 'check that these files play in a media player; if they do, the ffmpeg may be at fault: `nemo-run doctor` checks it, `--verbose` shows its command lines, and NEMO_FFMPEG can point at another',
    });
  }
}

/** atempo takes 0.5–2 in ffmpeg 4.1: larger changes are chained. */
function tempo(speed: number): string[] {
  const out: string[] = [];
  let left = speed;
  while (left > 2) (out.push('atempo=2'), (left /= 2));
  while (left < 0.5) (out.push('atempo=0.5'), (left /= 0.5));
  if (left !== 1) out.push(`atempo=${left}`);
  return out;
}

/** How a thumbnail is sized on the poster. */
const THUMB = 'scale=480:-2,setsar=1';

/**
 * The poster's thumbnail of frame `index` of an H.264 chunk, a key frame or a held frame's repeat (see posterFrames),
 * kept by the chunk's content: a re-render takes only the changed chunks' thumbnails again.
 */
async function chunkThumb(chunk: string, index: number, opts: RenderOptions, signal: AbortSignal): Promise<string> {
  const { tools, cache, settings } = opts;
  // (A chunk's name in the cache is its content key.)
  const key = keyOf(['thumb', VERSION, tools.ffmpeg, basename(chunk), index, THUMB]);
  const take = async (path: string) => {
    // The decoder gives nothing but key frames: the n-th frame out is the n-th key frame.
    const n = keyFrames(await readFile(chunk)).filter((k) => k <= index).length - 1;
    const decode = ['-threads', '1', ...RAW_H264, '-skip_frame', 'nokey', '-r', String(settings.fps), '-f', 'h264', '-i', chunk];
    const args = ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...decode, '-vf', `trim=start_frame=${n}:end_frame=${n + 1},${THUMB}`, '-frames:v', '1', '-update', '1'];
    return runTool(tools.ffmpeg, [...args, path], { signal });
  };
  return cache.getOrPut(key, 'png', take, (path) => checkPng('a poster thumbnail (a cache entry)', path));
}

/** Lays six pictures (the `cells` of `inputs`, made by the `each` filters) out 3×2 as a PNG at `path`. */
function layout(inputs: string[], cells: string[], path: string, tools: FfmpegPaths, signal?: AbortSignal, each: string[] = []) {
  const graph = `${each.join('')}${cells.slice(0, 3).join('')}hstack=inputs=3[r0];${cells.slice(3).join('')}hstack=inputs=3[r1];[r0][r1]vstack=inputs=2[sheet]`;
  // (-update 1: the name is a name, never a pattern of numbered files.)
  const args = ['-hide_banner', '-nostdin', '-y', '-v', 'error', ...inputs, '-filter_complex', graph, '-map', '[sheet]', '-frames:v', '1', '-update', '1'];
  return runTool(tools.ffmpeg, [...args, path], { signal });
}

/** The poster laid out from the six thumbnails taken off the chunks, kept in the cache by theirs. */
async function thumbSheet(thumbs: string[], opts: RenderOptions, signal: AbortSignal): Promise<string> {
  const { tools, cache } = opts;
  // (A thumbnail's name in the cache is its content key.)
  const key = keyOf(['poster', VERSION, tools.ffmpeg, thumbs.map((t) => basename(t))]);
  const inputs = thumbs.flatMap((t) => imageInput(t));
  const cells = thumbs.map((_, k) => `[${k}:v]`);
  return cache.getOrPut(key, 'png', (path) => layout(inputs, cells, path, tools, signal), (path) => checkPng('the poster (a cache entry)', path));
}

/**
 * A contact sheet of six of the finished video's frames (3×2, see posterFrames), written beside it as a PNG: a copy
 * of `sheet` when the render laid one out from its chunks (see renderVideo), else (or when it is gone) taken from the
 * video itself and kept only when it is whole (see pngProblem).
 */
export async function renderPoster(video: string, poster: string, at: { frames: number[]; fps: number }, tools: FfmpegPaths, signal?: AbortSignal, sheet?: string): Promise<void> {
  if (sheet) {
    try {
      return await atomically(poster, (partial) => copyFile(sheet, partial));
    } catch (error) {
      // A full disk fails the poster either way; a sheet gone from the cache costs a seek.
      if (signal?.aborted || (error instanceof NemoError && error.code === 'E_OUTPUT')) throw error;
    }
  }
  // Each seek lands on the key frame at or before the middle of its frame: that frame.
  const times = at.frames.map((f) => ((f + 0.5) / at.fps).toFixed(6));
  // (A key frame before its time has a time before 0, which the output would drop: each starts at 0.)
  const inputs = times.flatMap((t) => ['-threads', '1', '-skip_frame', 'nokey', '-noaccurate_seek', '-ss', t, '-i', video]);
  const cells = times.map((_, k) => `[t${k}]`);
  const each = times.map((_, k) => `[${k}:v]setpts=0,${THUMB},trim=end_frame=1[t${k}];`);
  await atomically(poster, (partial) => layout(inputs, cells, partial, tools, signal, each), { verify: (partial) => checkPng(`the poster ${poster}`, partial) });
}

/** Throws E_OUTPUT when a PNG ffmpeg wrote is not whole (see pngProblem). */
async function checkPng(what: string, path: string): Promise<void> {
  const problem = await pngProblem(path);
  if (problem) throw await unverified(what, path, problem);
}
