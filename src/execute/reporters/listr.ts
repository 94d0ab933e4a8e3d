import { Listr, type ListrTaskWrapper } from 'listr2';
import { displayPath, printable, seconds } from '../../display.js';
import type { Plan } from '../../plan/plan.types.js';
import type { RunEvent } from '../events.js';

interface RecipeTask {
  task?: ListrTaskWrapper<unknown, any, any>;
  running: Map<string, string>;
  finish?: (error?: Error) => void;
  /** The outcome, when the recipe ended before listr started its task. */
  outcome?: Error | null;
  /** The title once the recipe is done: where its video went. */
  title?: string;
}

/**
 * A listr2 task list for terminals: one line per video (up-to-date ones too), its running steps with their progress
 * below. It only displays events; the executor does the work.
 */
export function listrReporter(plans: Plan[], cwd: string): { onEvent: (event: RunEvent) => void; done: Promise<unknown> } {
  const recipes = new Map<string, RecipeTask>(plans.map((p) => [p.recipe, { running: new Map() }]));
  const restoreWidth = knownWidth(process.stdout);
  const list = new Listr(
    plans.map((plan) => ({
      title: printable(`${plan.recipe} (${plan.backend})`),
      task: (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) =>
        new Promise<void>((resolve, reject) => {
          const entry = recipes.get(plan.recipe)!;
          entry.task = task;
          if (entry.title) task.title = entry.title;
          entry.finish = (error) => (error ? reject(error) : resolve());
          if (entry.outcome !== undefined) entry.finish(entry.outcome ?? undefined);
        }),
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseErrors: false, showErrorMessage: true },
    },
  );
  const done = list.run().catch(() => {}).finally(restoreWidth);
  const show = (entry: RecipeTask) => {
    if (entry.task) entry.task.output = printable([...entry.running.values()].join('\n'));
  };
  const onEvent = (event: RunEvent) => {
    const entry = recipes.get(event.type === 'recipe:done' ? event.report.recipe : event.recipe);
    if (!entry) return;
    switch (event.type) {
      case 'step:start':
        entry.running.set(event.step.id, event.step.title);
        return show(entry);
      case 'step:progress':
        entry.running.set(event.step.id, `${event.step.title} ${bar(event.fraction)}${event.detail ? ` ${event.detail}` : ''}`);
        return show(entry);
      case 'step:done':
      case 'step:fail':
      case 'step:skip':
        entry.running.delete(event.step.id);
        return show(entry);
      case 'log':
        if (event.level === 'warn') entry.task?.stdout().write(`warning: ${printable(event.message)}\n`);
        return;
      case 'recipe:done': {
        const r = event.report;
        if (r.status === 'ok') entry.title = printable(`${r.recipe} → ${displayPath(r.output, cwd)} (${r.upToDate ? 'up to date' : seconds(r.ms)})`);
        if (entry.task && entry.title) entry.task.title = entry.title;
        entry.outcome = r.status === 'ok' ? null : new Error(printable(r.status === 'cancelled' ? 'cancelled' : (r.error?.message ?? 'failed')));
        return entry.finish?.(entry.outcome ?? undefined);
      }
    }
  };
  return { onEvent, done };
}

function bar(fraction: number): string {
  const width = 20;
  const full = Math.round(fraction * width);
  return `[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${Math.round(fraction * 100)}%`;
}

/**
 * listr2 and log-update wrap every line to `columns`, which a terminal that reports no width (a serial console, some
 * CI pseudo-terminals, `script` without a size) gives as 0: every character would get a line of its own. While the list
 * is shown such a stream reports 80 columns (a real width, and later resizes, still win); the returned function undoes it.
 */
function knownWidth(stream: NodeJS.WriteStream): () => void {
  if (!stream.isTTY || (stream.columns ?? 0) > 0) return () => {};
  let columns = stream.columns;
  Object.defineProperty(stream, 'columns', { configurable: true, enumerable: true, get: () => (columns > 0 ? columns : 80), set: (value: number) => void (columns = value) });
  return () => void Object.defineProperty(stream, 'columns', { configurable: true, enumerable: true, writable: true, value: columns });
}
