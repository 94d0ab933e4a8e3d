import { displayPath, seconds } from '../../display.js';
import type { RunEvent } from '../events.js';

/**
 * Plain timestamped lines for CI and pipes: a line when a step ends (and when it starts, if it is still running a
 * second later), warnings, and every 10% of progress. Steps that never started are not listed as cancelled.
 */
export function lineReporter(write: (text: string) => void, cwd: string, startDelayMs = 1000, now: () => Date = () => new Date()): (event: RunEvent) => void {
  const lastTenth = new Map<string, number>();
  const starting = new Map<string, NodeJS.Timeout>();
  const started = new Set<string>();
  const line = (recipe: string, text: string) => write(`${now().toISOString().slice(11, 19)} ${recipe}: ${text}\n`);
  const settle = (key: string) => {
    clearTimeout(starting.get(key));
    starting.delete(key);
  };
  return (event) => {
    const key = 'step' in event && event.step ? `${event.recipe}/${event.step.id}` : '';
    switch (event.type) {
      case 'recipe:start':
        return line(event.recipe, `start (${event.file}, ${event.steps.length} steps)`);
      case 'step:start': {
        started.add(key);
        const timer = setTimeout(() => {
          starting.delete(key);
          line(event.recipe, `${event.step.title}…`);
        }, startDelayMs);
        timer.unref();
        return void starting.set(key, timer);
      }
      case 'step:progress': {
        const tenth = Math.floor(event.fraction * 10);
        if (tenth <= (lastTenth.get(key) ?? 0) || tenth >= 10) return;
        lastTenth.set(key, tenth);
        settle(key);
        return line(event.recipe, `${event.step.title} ${tenth * 10}%${event.detail ? ` (${event.detail})` : ''}`);
      }
      case 'step:done':
        settle(key);
        return line(event.recipe, event.resumed ? `${event.step.title}: kept from the interrupted run` : `${event.step.title} done in ${seconds(event.ms)}`);
      case 'step:fail':
        settle(key);
        return line(event.recipe, `${event.step.title} FAILED: ${event.error.message}`);
      case 'step:skip':
        settle(key);
        return event.status === 'cancelled' && started.has(key) ? line(event.recipe, `${event.step.title} cancelled`) : undefined;
      case 'log':
        return line(event.recipe, `${event.level === 'warn' ? 'warning: ' : ''}${event.message}`);
      case 'recipe:done': {
        const r = event.report;
        if (r.upToDate) return line(r.recipe, `up to date → ${displayPath(r.output, cwd)}`);
        const what = r.status === 'ok' ? `done → ${displayPath(r.output, cwd)}` : r.status === 'cancelled' ? 'cancelled' : `failed: ${r.error?.message}`;
        return line(r.recipe, `${what} (${seconds(r.ms)})`);
      }
    }
  };
}
