import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { extname, join, relative } from 'node:path';
import pLimit, { type LimitFunction } from 'p-limit';
import { NemoError, ExitCode } from '../../errors.js';
import { ContentHashes, keyOf } from '../../hash.js';
import { frameSize, outputPath } from '../../plan/export-settings.js';
import type { ExportSettings, Plan, Step } from '../../plan/plan.types.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import { stateDir } from '../../state-dir.js';
import { VERSION } from '../../version.js';
import type { Backend, PlanDetails, StepContext } from '../backend.js';
import { summarizeDraft, type Draft } from '../draft.js';
import type { BackendOptions } from '../index.js';
import { ContentCache } from './content-cache.js';
import { bundledFonts } from './fonts.js';
import { findFfmpeg, type FfmpegPaths } from './ffmpeg.js';
import { interpretInstructions, type EditState, type InstructionNote } from './interpret.js';
import { PROBE_FORMAT, probeInput, type MediaInfo } from './probe.js';
import { renderPoster, renderVideo } from './render.js';
import { buildTimeline } from './timeline.js';

/** What the interpret step hands to the render step. */
export interface Interpretation {
  draft: Draft;
  export: ExportSettings;
  notes: InstructionNote[];
  summary: string;
  warnings: string[];
  /** What the instructions changed of the export block. */
  overrides: string[];
}

/** The poster image's path beside a video: `out/promo.mp4` → `out/promo.poster.png`. */
export function posterPath(video: string): string {
  return video.slice(0, video.length - extname(video).length) + '.poster.png';
}

/** The embedded backend: probes inputs, interprets instructions into a timeline draft, renders it with ffmpeg. */
export class LocalBackend implements Backend {
  readonly name = 'local' as const;
  private readonly tools: FfmpegPaths;
  private readonly hashes: ContentHashes;
  private readonly encoders: LimitFunction;

  constructor(private readonly opts: BackendOptions) {
    this.tools = findFfmpeg(opts.env);
    this.hashes = opts.hashes ?? new ContentHashes();
    this.encoders = opts.encoders ?? pLimit(availableParallelism());
  }

  async runStep(step: Step, ctx: StepContext): Promise<unknown> {
    const { plan, signal } = ctx;
    switch (step.kind) {
      case 'probe':
        return this.probe(plan, plan.inputs[step.input!]!, signal);
      case 'interpret': {
        const infos = plan.inputs.map((input) => ctx.results.get(`probe:${input.index}`) as MediaInfo);
        const result = this.interpret(plan, infos);
        for (const warning of result.warnings) ctx.log(warning, 'warn');
        for (const override of result.overrides) ctx.log(override);
        ctx.log(result.summary);
        return result;
      }
      case 'render': {
        const { draft, export: settings } = ctx.results.get('interpret') as Interpretation;
        await renderVideo({
          draft,
          settings,
          media: (index) => ({ path: plan.inputs[index]!.path!, ...(ctx.results.get(`probe:${index}`) as MediaInfo) }),
          tools: this.tools,
          fonts: bundledFonts(),
          warn: (message) => ctx.log(message, 'warn'),
          parallel: availableParallelism(),
          encoders: this.encoders,
          cache: this.cacheOf(plan),
          hashes: this.hashes,
          signal,
          onProgress: (f) => ctx.progress(f),
        });
        return { output: settings.output };
      }
      case 'poster': {
        const { draft, export: settings } = ctx.results.get('interpret') as Interpretation;
        const poster = posterPath(settings.output);
        await renderPoster(settings.output, poster, draft.d, this.tools, signal);
        return { output: settings.output, poster };
      }
      default:
        throw new NemoError('E_PLAN', `the local backend has no ${step.kind} step`);
    }
  }

  async describe(plan: Plan, { signal }: { signal: AbortSignal }): Promise<PlanDetails> {
    const infos = await Promise.all(plan.inputs.map((input) => this.probe(plan, input, signal)));
    const { draft, export: settings, notes, summary } = this.interpret(plan, infos);
    return { draft, export: settings, notes, summary };
  }

  /** What is kept between runs of recipes in this folder (`.nemo-run/cache/` beside them). */
  private cacheOf(plan: Plan): ContentCache {
    return new ContentCache(join(stateDir(plan.dir), 'cache'));
  }

  /** Probes an input, or takes what an earlier probe of the same content found. */
  private async probe(plan: Plan, input: ResolvedInput, signal: AbortSignal): Promise<MediaInfo> {
    const cache = this.cacheOf(plan);
    const key = keyOf(['probe', VERSION, PROBE_FORMAT, await this.hashes.of(input.path!)]);
    const kept = await cache.get(key, 'json');
    if (kept) return JSON.parse(await readFile(kept, 'utf8')) as MediaInfo;
    const info = await probeInput(input, this.tools, signal);
    await cache.put(key, 'json', (path) => writeFile(path, JSON.stringify(info)));
    return info;
  }

  /** Instructions → edit state → timeline, with the export settings the instructions may have changed. */
  private interpret(plan: Plan, infos: MediaInfo[]): Interpretation {
    const { state, notes } = interpretInstructions(plan.instructions);
    const unplaced = notes.filter((n) => n.notUnderstood.length);
    const warnings = unplaced.map((n) => `not understood in "${n.instruction}": ${n.notUnderstood.join(', ')}${n.did.length ? ` (understood: ${n.did.join('; ')})` : ''}`);
    if (this.opts.strict && unplaced.length) {
      throw new NemoError('E_RECIPE_INSTRUCTION', warnings.join('\n'), {
        exitCode: ExitCode.invalid,
        hint: 'rephrase with the vocabulary in the README, or run without --strict to skip these words',
      });
    }
    const { settings, overrides } = applyOverrides(plan, state);
    if (overrides.length) notes.at(-1)!.did.push(...overrides);
    const inputs = plan.inputs.map((input, i) => ({ input, info: infos[i]!, src: relative(plan.dir, input.path ?? input.name) }));
    const timeline = buildTimeline(state, inputs);
    return {
      draft: timeline.draft,
      export: settings,
      notes,
      summary: summarizeDraft(timeline.draft),
      warnings: [...warnings, ...timeline.warnings],
      overrides,
    };
  }
}

/** Shape, size, rate and format from instructions override the export block; the messages say what changed. */
function applyOverrides(plan: Plan, state: EditState): { settings: ExportSettings; overrides: string[] } {
  const base = plan.export;
  const changed = {
    aspect: state.aspect ?? base.aspect,
    // A preview stays small whatever the instructions ask.
    resolution: base.preview ? base.resolution : (state.resolution ?? base.resolution),
    fps: state.fps ?? base.fps,
    format: state.format ?? base.format,
  };
  const keys = (Object.keys(changed) as (keyof typeof changed)[]).filter((k) => changed[k] !== base[k]);
  if (!keys.length) return { settings: base, overrides: [] };
  const settings = { ...base, ...changed, ...frameSize(changed.resolution, changed.aspect) };
  return {
    settings: { ...settings, output: outputPath(settings, plan.recipe, plan.dir) },
    overrides: keys.map((key) => `export.${key} ${base[key]} → ${changed[key]} (the instructions override the export block)`),
  };
}
