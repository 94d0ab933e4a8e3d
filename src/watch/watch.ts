import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import { checkOne, runRecipes, type RunOptions } from '../api.js';
import { preloadBackend } from '../backends/index.js';
import { displayPath, seconds } from '../display.js';
import { NemoError } from '../errors.js';
import type { RecipeReport } from '../execute/events.js';
import { ContentHashes } from '../hash.js';
import { inputPatterns } from '../recipe/inputs.js';
import { loadRecipe } from '../recipe/load.js';
import type { Recipe } from '../recipe/recipe.types.js';

/** Quiet time after the last change before a run starts: a burst of saves becomes one run. */
export const DEBOUNCE_MS = 150;

/** What a watch session tells its user. */
export interface WatchCallbacks {
  /** A recipe could not be checked (invalid YAML, schema, inputs): show it, then wait for the next save. */
  onInvalid(file: string, error: NemoError): void;
  /** A change arrived while a run was going: that run is being cancelled. */
  onRestart(file: string): void;
  /** A run ended (done, failed or cancelled); `status` is the one-line state between runs. */
  onRun(report: RecipeReport, status: string): void;
}

/** Options for watching: those of a run, less what does not apply between saves. */
export type WatchOptions = Omit<RunOptions, 'force' | 'signal' | 'hashes'> & { signal: AbortSignal; set?: Record<string, string>; data?: string };

/**
 * Runs each recipe, then again whenever the recipe or one of its inputs changes (globs included, so new matching
 * files join the next run), until the signal aborts. Saves are debounced into one run; a change during a run cancels
 * it (ffmpeg and HTTP calls aborted) and starts again; runs of one recipe never overlap.
 */
export async function watchRecipes(paths: string[], opts: WatchOptions, callbacks: WatchCallbacks): Promise<void> {
  const hashes = new ContentHashes();
  const watchers = paths.map((path) => new RecipeWatch(resolve(opts.cwd, path), path, opts, callbacks, hashes));
  await Promise.all(watchers.map((w) => w.start()));
  await new Promise<void>((done) => (opts.signal.aborted ? done() : opts.signal.addEventListener('abort', () => done(), { once: true })));
  await Promise.all(watchers.map((w) => w.stop()));
}

/** What a recipe's inputs name: files, and globs with the folders they start in. */
interface Watched {
  files: Set<string>;
  globs: { base: string; matches: (path: string) => boolean; deep: boolean }[];
  /** Files the run writes, which must never trigger a run. */
  outputs: Set<string>;
}

class RecipeWatch {
  private watcher?: FSWatcher;
  /** The folders and depth the watcher was made for; a recipe edit that changes them makes a new watcher. */
  private watchKey?: string;
  private watched: Watched = { files: new Set(), globs: [], outputs: new Set() };
  private timer?: NodeJS.Timeout;
  private controller?: AbortController;
  private pending = false;
  private loop?: Promise<void>;
  private last?: { at: Date; report: RecipeReport };

  constructor(
    private readonly path: string,
    private readonly shown: string,
    private readonly opts: WatchOptions,
    private readonly callbacks: WatchCallbacks,
    private readonly hashes: ContentHashes,
  ) {}

  async start(): Promise<void> {
    await this.rewatch();
    this.trigger();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.pending = false;
    this.controller?.abort(this.opts.signal.reason);
    await this.loop;
    await this.watcher?.close();
  }

  /** Starts a run now, or cancels the current one and starts again once it has ended. */
  private trigger(): void {
    this.pending = true;
    if (this.loop) {
      if (this.controller && !this.controller.signal.aborted) {
        this.callbacks.onRestart(this.shown);
        this.controller.abort('changed');
      }
      return;
    }
    this.loop = (async () => {
      while (this.pending && !this.opts.signal.aborted) {
        this.pending = false;
        await this.runOnce();
      }
      this.loop = undefined;
    })();
  }

  private async runOnce(): Promise<void> {
    let recipes;
    try {
      ({ recipes } = await checkOne(this.path, { cwd: this.opts.cwd, backend: this.opts.backend, strict: this.opts.strict, vars: this.opts.set, data: this.opts.data }));
    } catch (error) {
      if (!(error instanceof NemoError)) throw error;
      await this.rewatch();
      return this.callbacks.onInvalid(this.shown, error);
    }
    await this.rewatch(recipes);
    const controller = (this.controller = new AbortController());
    const stop = () => controller.abort(this.opts.signal.reason);
    this.opts.signal.addEventListener('abort', stop, { once: true });
    try {
      // Up-to-date checks stay on: a save that changed no content costs nothing.
      // A recipe with data rows or variants makes several videos: each is said.
      for (const report of await runRecipes(recipes, { ...this.opts, signal: controller.signal, hashes: this.hashes })) {
        for (const file of [report.output, report.poster]) if (file) this.watched.outputs.add(file);
        if (report.status !== 'cancelled') this.last = { at: new Date(), report };
        this.callbacks.onRun(report, this.status());
      }
      // (A run that was up to date loaded no backend.)
      for (const name of new Set(recipes.map((r) => this.opts.backend ?? r.backend))) void preloadBackend(name).catch(() => undefined);
    } finally {
      this.opts.signal.removeEventListener('abort', stop);
    }
  }

  /** The line shown between runs: what is watched, when the last run finished, how long it took, where the output is. */
  private status(): string {
    // `files` holds the recipe itself too.
    const count = this.watched.files.size - 1 + this.watched.globs.length;
    const what = `watching ${this.shown} and ${count} input${count === 1 ? '' : 's'}${this.watched.globs.length ? ' (globs included)' : ''}`;
    if (!this.last) return what;
    const { at, report } = this.last;
    const time = at.toTimeString().slice(0, 8);
    const output = displayPath(report.output, this.opts.cwd);
    const result =
      report.status !== 'ok' ? `failed: ${report.error?.message}` : report.upToDate ? `up to date → ${output}` : `ok in ${seconds(report.ms)} → ${output}`;
    return `${what} · last run ${time} ${result}`;
  }

  /**
   * Watches the recipe, its data table and what its inputs name; called again whenever the recipe may have changed
   * them. Checked `recipes` (one per data row) give their inputs with the variables put in; without them (a recipe
   * that does not pass its checks) the inputs are read as written.
   */
  private async rewatch(recipes?: Recipe[]): Promise<void> {
    const dir = dirname(this.path);
    const written = await sourcesOf(this.path);
    const table = this.opts.data ? resolve(this.opts.cwd, this.opts.data) : written.data && resolve(dir, written.data);
    const watched: Watched = { files: new Set([this.path, ...(table ? [table] : [])]), globs: [], outputs: this.watched.outputs };
    const patterns = recipes ? new Set(recipes.flatMap((r) => r.inputPatterns)) : written.inputs;
    for (const pattern of patterns) {
      const scan = picomatch.scan(pattern);
      if (!scan.isGlob) watched.files.add(isAbsolute(pattern) ? pattern : join(dir, pattern));
      else {
        const base = resolve(dir, scan.base || '.');
        const matcher = picomatch(scan.glob);
        watched.globs.push({ base, matches: (path) => matcher(relative(base, path).split(sep).join('/')), deep: scan.glob.includes('**') || scan.glob.includes('/') });
      }
    }
    // Folders, not files: editors save by renaming, and missing files may appear.
    const roots = [...new Set([...[...watched.files].map((f) => dirname(f)), ...watched.globs.map((g) => g.base)])].sort();
    const deep = watched.globs.some((g) => g.deep);
    const key = JSON.stringify([roots, deep]);
    this.watched = watched;
    if (this.watcher && key === this.watchKey) return;
    this.watchKey = key;
    await this.watcher?.close();
    this.watcher = watch(roots, {
      ignoreInitial: true,
      depth: deep ? 8 : 0,
      ignored: (path) => /(^|[/\\])(node_modules|\.git|\.nemo-run)([/\\]|$)/.test(path) || /\.partial(\.[^./\\]+)?$/.test(path),
      // A file still being written (a large copy) is waited out until its size holds still.
      awaitWriteFinish: { stabilityThreshold: 250, pollInterval: 50 },
    });
    for (const event of ['add', 'change', 'unlink'] as const) this.watcher.on(event, (path) => this.changed(path));
    await new Promise<void>((ready) => this.watcher!.once('ready', () => ready()));
  }

  private changed(path: string): void {
    this.hashes.forget(path);
    const w = this.watched;
    if (w.outputs.has(path)) return;
    const relevant = w.files.has(path) || w.globs.some((g) => path.startsWith(g.base + sep) && g.matches(path));
    if (!relevant) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.trigger(), DEBOUNCE_MS);
  }
}

/** The paths and globs a recipe's inputs name and its data table, as written: a recipe that is no YAML watches nothing yet. */
async function sourcesOf(path: string): Promise<{ inputs: string[]; data?: string }> {
  try {
    const { inputs, data } = (await loadRecipe(path)).data as { inputs?: unknown; data?: unknown };
    return { inputs: inputPatterns(inputs), ...(typeof data === 'string' ? { data } : {}) };
  } catch {
    return { inputs: [] };
  }
}
