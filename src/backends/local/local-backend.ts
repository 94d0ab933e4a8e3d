import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { encoderShare } from '../../cores.js';
import { NemoError } from '../../errors.js';
import { ContentHashes, keyOf } from '../../hash.js';
import { stepIds, stepRef, type ExportSettings, type Plan, type Step } from '../../plan/plan.types.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { stateDir } from '../../state-dir.js';
import { VERSION } from '../../version.js';
import { posterPath, SharedWork, type Backend, type BackendOptions, type PlanDetails, type StepContext } from '../backend.js';
import { summarizeDraft, type LocalDraft } from '../draft.js';
import { ContentCache } from './content-cache.js';
import { bundledFonts } from './fonts.js';
import { findFfmpeg, type FfmpegPaths } from './ffmpeg.js';
import { describeUnplaced, initialState, type InstructionNote } from '../../plan/instructions/state.js';
import { PROBE_FORMAT, probeInput, probeStills, type MediaInfo } from './probe.js';
import { posterFrames } from './graph.js';
import { renderPoster, renderVideo } from './render.js';
import { buildTimeline } from './timeline.js';

/** What the interpret step hands to the render step. */
export interface Interpretation {
  draft: LocalDraft;
  export: ExportSettings;
  notes: InstructionNote[];
  summary: string;
  warnings: string[];
}

/** What each step of this backend hands to later ones. */
const steps = {
  probe: (input: number) => stepRef<MediaInfo>(stepIds.probe(input)),
  interpret: stepRef<Interpretation>(stepIds.interpret),
  render: stepRef<{ durationMs: number; poster?: string }>(stepIds.render),
};

/** The embedded backend: probes inputs, interprets instructions into a timeline draft, renders it with ffmpeg. */
export class LocalBackend implements Backend {
  readonly name = 'local' as const;
  private readonly tools: FfmpegPaths;
  private readonly hashes: ContentHashes;
  private readonly encoders: LimitFunction;
  private readonly work: SharedWork;
  /** The environment the state folder is found with (its XDG_CACHE_HOME). */
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: BackendOptions) {
    this.env = opts.env;
    this.tools = findFfmpeg(opts.env);
    this.hashes = opts.hashes ?? new ContentHashes();
    this.encoders = opts.encoders ?? pLimit(encoderShare().encoders);
    this.work = opts.work ?? new SharedWork();
  }

  async runStep(step: Step, ctx: StepContext): Promise<unknown> {
    const { plan, signal } = ctx;
    switch (step.kind) {
      case 'probe':
        return this.probe(plan, plan.inputs[step.input!]!, signal, (message) => ctx.log(message));
      case 'interpret': {
        const infos = plan.inputs.map((input) => ctx.get(steps.probe(input.index)));
        const result = this.interpret(plan, infos);
        for (const warning of result.warnings) ctx.log(warning, 'warn');
        for (const note of result.notes) for (const did of note.did.filter((d) => d.startsWith('export.'))) ctx.log(`${note.at ? `${note.at}: ` : ''}${did}`);
        ctx.log(result.summary);
        return result;
      }
      case 'render': {
        const { draft, export: settings } = ctx.get(steps.interpret);
        const { durationMs, poster } = await renderVideo({
          draft,
          settings,
          media: (index) => ({ path: plan.inputs[index]!.path!, ...ctx.get(steps.probe(index)) }),
          tools: this.tools,
          fonts: bundledFonts(),
          warn: (message) => ctx.log(message, 'warn'),
          threads: encoderShare().threads,
          encoders: this.encoders,
          work: this.work,
          cache: this.cacheOf(plan, (message) => ctx.log(message)),
          hashes: this.hashes,
          signal,
          onProgress: (f) => ctx.progress(f),
        });
        ctx.produced({ video: settings.output, durationMs });
        return { durationMs, poster };
      }
      case 'poster': {
        const { draft, export: settings } = ctx.get(steps.interpret);
        const { poster: sheet } = ctx.get(steps.render);
        const poster = posterPath(settings.output);
        await renderPoster(settings.output, poster, { frames: posterFrames(draft, settings.fps), fps: settings.fps }, this.tools, signal, sheet);
        return ctx.produced({ poster });
      }
      default:
        throw new NemoError('E_PLAN', `the local backend has no ${step.kind} step`);
    }
  }

  async describe(plan: Plan, { signal }: { signal: AbortSignal }): Promise<PlanDetails> {
    // As many probes at once as there are ffmpeg slots, not one per input (40 inputs, 40 ffmpegs at once).
    const infos = await Promise.all(plan.inputs.map((input) => this.encoders(() => this.probe(plan, input, signal))));
    const { draft, summary } = this.interpret(plan, infos);
    return { draft, summary };
  }

  /** What is kept between runs of recipes in this folder (`cache/` in their state folder); `note` hears of repairs. */
  private cacheOf(plan: Plan, note?: (message: string) => void): ContentCache {
    return new ContentCache(join(stateDir(plan.dir, this.env), 'cache'), note);
  }

  /** Probes an input, or takes what an earlier probe of the same content found. */
  private async probe(plan: Plan, input: ResolvedInput, signal: AbortSignal, note?: (message: string) => void): Promise<MediaInfo> {
    const cache = this.cacheOf(plan, note);
    try {
      const key = await this.probeKey(input);
      // The variants of a video probe the same inputs at the same time: the first probe is theirs too.
      return await this.work.run(`${cache.dir}:${key}`, async () => {
        const known = await knownFacts(cache, key);
        if (known) return known;
        // A still is probed with the plan's other stills, many to an ffmpeg run (see probeStills).
        const info = (input.kind === 'image' ? (await this.stills(plan, cache, signal)).get(key) : undefined) ?? (await probeInput(input, this.tools, signal));
        await cache.put(key, 'json', (path) => writeFile(path, JSON.stringify(info)));
        return info;
      }, signal);
    } catch (error) {
      // Watch mode can see a file go between the recipe's check and its probe: say so, not `ENOENT stat`.
      if (await stat(input.path!).then(() => true, () => false)) throw error;
      throw new NemoError('E_RECIPE_INPUT', `input ${input.path} was removed or renamed while the run was starting`, {
        cause: error,
        hint: 'put it back, or change the recipe\'s inputs, and run again',
      });
    }
  }

  /** The cache key of an input's probed facts: its content's, and what it is taken as (an image, a clip, sound). */
  private async probeKey(input: ResolvedInput): Promise<string> {
    // (What a file is taken as depends on its role too: an MP4 given as music is sound.)
    return keyOf(['probe', VERSION, PROBE_FORMAT, input.kind, await this.hashes.of(input.path!)]);
  }

  /**
   * The facts of the plan's stills that no earlier probe found, by their probe keys: probed together when the first
   * of them is wanted, once for the run (its variants share the batch). A still changed since is under another key,
   * so its own probe reads it again. When the batch fails for any reason but a stop, each still's own probe says why.
   */
  private stills(plan: Plan, cache: ContentCache, signal: AbortSignal): Promise<Map<string, MediaInfo>> {
    const stills = plan.inputs.filter((input) => input.kind === 'image');
    return this.work.run(`${cache.dir}:stills:${keyOf(stills.map((input) => input.path))}`, async () => {
      const unknown = new Map<string, string>();
      for (const input of stills) {
        const key = await this.probeKey(input).catch(() => undefined);
        if (key && !(await knownFacts(cache, key))) unknown.set(input.path!, key);
      }
      try {
        const found = await probeStills(stills.filter((input) => unknown.has(input.path!)), this.tools, signal);
        return new Map([...found].map(([path, info]) => [unknown.get(path)!, info]));
      } catch (error) {
        if (signal.aborted) throw error;
        return new Map();
      }
    }, signal);
  }

  /** The plan's reading of the instructions → a timeline of the probed inputs. */
  private interpret(plan: Plan, infos: MediaInfo[]): Interpretation {
    const notes = plan.notes ?? [];
    const inputs = plan.inputs.map((input, i) => ({ input, info: infos[i]!, src: relative(plan.dir, input.path ?? input.name) }));
    const timeline = buildTimeline(plan.edit ?? initialState(), inputs, plan.export);
    return {
      draft: timeline.draft,
      export: plan.export,
      notes,
      summary: summarizeDraft(timeline.draft),
      warnings: [...instructionWarnings(notes), ...timeline.warnings],
    };
  }
}

const KINDS = ['image', 'video', 'audio', 'captions'];

/** Probed facts kept in the cache under `key`, or undefined when there are none, or they are not a MediaInfo (then the input is probed again). */
async function knownFacts(cache: ContentCache, key: string): Promise<MediaInfo | undefined> {
  const kept = await cache.get(key, 'json');
  if (!kept) return undefined;
  try {
    const info = JSON.parse(await readFile(kept, 'utf8')) as MediaInfo;
    return KINDS.includes(info?.kind) && typeof info.hasAudio === 'boolean' ? info : undefined;
  } catch {
    return undefined;
  }
}

/** One warning per instruction with words not understood or requests not done offline. */
export function instructionWarnings(notes: InstructionNote[]): string[] {
  return notes.flatMap((n) => {
    const where = n.at ? `${n.at}: ` : '';
    const out: string[] = [];
    if (n.notUnderstood.length) {
      const words = n.unplaced.map(describeUnplaced);
      out.push(`${where}not understood in "${n.instruction}": ${words.join(', ')}${n.did.length ? ` (understood: ${n.did.join('; ')})` : ''}`);
    }
    for (const u of n.unsupported) out.push(`${where}not done in "${n.instruction}": ${u}`);
    return out;
  });
}
