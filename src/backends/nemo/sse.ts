import { createParser } from 'eventsource-parser';
import { seconds } from '../../display.js';
import { InterruptedError, NemoError } from '../../errors.js';

/** What one SSE data payload means. ADK events and the older flat events are both accepted. */
export type StreamEvent =
  | { kind: 'text'; text: string; partial: boolean }
  | { kind: 'tool' }
  | { kind: 'heartbeat' }
  | { kind: 'other' };

/** Reads one `data:` payload. */
export function parseStreamEvent(data: string): StreamEvent[] {
  if (!data.trim()) return [{ kind: 'heartbeat' }];
  let event: Record<string, any>;
  try {
    event = JSON.parse(data);
  } catch {
    return [{ kind: 'other' }];
  }
  if (!event || typeof event !== 'object') return [{ kind: 'other' }];
  switch (event.type) {
    case 'text':
      return typeof event.content === 'string' ? [{ kind: 'text', text: event.content, partial: false }] : [{ kind: 'other' }];
    case 'tool_call':
    case 'tool_result':
      return [{ kind: 'tool' }];
    case 'heartbeat':
      return [{ kind: 'heartbeat' }];
  }
  const parts: Record<string, unknown>[] = Array.isArray(event.content?.parts) ? event.content.parts : [];
  if (event.content?.role === 'user') return [{ kind: 'other' }];
  const events = parts.map((part): StreamEvent => {
    if (typeof part.text === 'string') return { kind: 'text', text: part.text, partial: event.partial === true };
    if (part.functionCall || part.functionResponse) return { kind: 'tool' };
    return { kind: 'other' };
  });
  return events.length ? events : [{ kind: 'other' }];
}

/** How a chat turn ended. */
export interface Turn {
  /** The texts meant for the user, in order. */
  texts: string[];
  /** `replied`: closed after text; `silent`: closed with none; `dropped`: the connection broke. */
  outcome: 'replied' | 'silent' | 'dropped';
}

/** Options for reading a turn. */
export interface ReadTurnOptions {
  /** How long nothing but heartbeats may arrive. */
  timeoutMs: number;
  /** How long the whole turn may take, whatever arrives (partial text that never ends, too). */
  totalMs?: number;
  /** The run's signal: an abort is an interruption, never a dropped connection. */
  signal?: AbortSignal;
  /** Called every `timeoutMs / 5` of waiting ("Still working…"). */
  onWaiting: () => void;
  /** Ends the response; called on time-out. */
  cancel: () => void;
}

/**
 * Reads the stream of one chat turn. There is no end event: the stream closing ends the turn. Text is collected
 * (a final event replaces the partial pieces before it), tool calls stay internal, and heartbeats only show the
 * turn is alive: ten minutes of nothing else is a time-out, and a turn that never ends stops at `totalMs`.
 */
export async function readTurn(body: AsyncIterable<Buffer | string>, opts: ReadTurnOptions): Promise<Turn> {
  const texts: string[] = [];
  let pending: string[] = [];
  let lastActivity = Date.now();
  let timedOut: 'idle' | 'total' | undefined;
  const started = Date.now();
  const parser = createParser({
    onEvent: (message) => {
      for (const event of parseStreamEvent(message.data)) {
        if (event.kind === 'heartbeat') continue;
        lastActivity = Date.now();
        if (event.kind !== 'text' || !event.text.trim()) continue;
        if (event.partial) pending.push(event.text);
        else {
          texts.push(event.text);
          pending = [];
        }
      }
    },
  });
  const tick = Math.max(10, Math.floor(opts.timeoutMs / 5));
  let lastNotice = Date.now();
  const timer = setInterval(() => {
    const idle = Date.now() - lastActivity;
    if (idle >= opts.timeoutMs || (opts.totalMs !== undefined && Date.now() - started >= opts.totalMs)) {
      timedOut = idle >= opts.timeoutMs ? 'idle' : 'total';
      opts.cancel();
    } else if (idle >= tick && Date.now() - lastNotice >= tick) {
      lastNotice = Date.now();
      opts.onWaiting();
    }
  }, Math.min(tick, opts.totalMs ? Math.max(10, opts.totalMs / 5) : 1000, 1000));
  try {
    for await (const chunk of body) parser.feed(String(chunk));
  } catch {
    if (opts.signal?.aborted) throw new InterruptedError(opts.signal.reason);
    if (!timedOut) return { texts: finish(texts, pending), outcome: 'dropped' };
  } finally {
    clearInterval(timer);
  }
  if (opts.signal?.aborted) throw new InterruptedError(opts.signal.reason);
  if (timedOut) {
    const what = timedOut === 'idle' ? `sent nothing but heartbeats for ${Math.round(opts.timeoutMs / 1000)} s` : `did not finish the turn in ${seconds(opts.totalMs!)}`;
    throw new NemoError('E_BACKEND_TIMEOUT', `the cloud ${what}`, {
      hint: `the instruction may still be running in the cloud; run again later to continue (it is not sent again)${timedOut === 'total' ? '; NEMO_TURN_TIMEOUT_MS sets the bound' : ''}`,
    });
  }
  const all = finish(texts, pending);
  return { texts: all, outcome: all.length ? 'replied' : 'silent' };
}

function finish(texts: string[], pending: string[]): string[] {
  return pending.length ? [...texts, pending.join('')] : texts;
}
