import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { seconds } from '../../display.js';
import { NemoError } from '../../errors.js';
import { stepIds, stepRef, type Step } from '../../plan/plan.types.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import type { Backend, SharedWork, StepContext } from '../backend.js';
import { summarizeDraft, type Draft } from '../draft.js';
import { NemoClient } from './client.js';
import { BackendError, cloudError, SessionLostError, snippet } from './cloud-errors.js';
import { nemoConfig, type NemoConfig } from './config.js';
import type { ResumeState } from './download.js';
import { endpoints } from './endpoints.js';
import { isConnectionError, neverConnected } from './retry.js';
import { translateGuiText } from './gui.js';
import { nemoResumable } from './resumable.js';
import { readTurn, type Turn } from './sse.js';

/** A file the cloud holds for the session. */
export interface UploadedFile {
  filename?: string;
  file_type?: string;
  cdn_url?: string;
  duration?: number;
  width?: number;
  height?: number;
  fps?: number;
  hash?: string;
}

interface Session {
  sessionId: string;
  taskId?: string;
}

/** A render's state, whichever of the two answer shapes it came in. */
export interface RenderStatus {
  status: string;
  progress?: number;
  url?: string;
}

/** What each step of this backend hands to later ones. */
const steps = {
  session: stepRef<Session>(stepIds.session),
  upload: (input: number) => stepRef<UploadedFile>(stepIds.upload(input)),
  export: stepRef<{ renderId: string }>(stepIds.export),
  wait: stepRef<{ renderId: string; url: string }>(stepIds.wait),
};

/** Reads both status shapes: `{status, output: {url}}` and `{success, data: {status, progress, outputUrl}}`. */
export function renderStatus(answer: unknown): RenderStatus {
  const a = (answer ?? {}) as Record<string, any>;
  const inner = a.data && typeof a.data === 'object' && !a.status ? a.data : a;
  return {
    status: String(inner.status ?? '').toLowerCase(),
    progress: typeof inner.progress === 'number' ? inner.progress : undefined,
    url: inner.outputUrl ?? inner.output?.url ?? inner.url,
  };
}

/** Render states: finished, failed for good, or still on the way. Anything else is an answer that makes no sense. */
const DONE = new Set(['completed', 'succeeded']);
const FAILED = new Set(['failed', 'error', 'cancelled']);
const PENDING = new Set(['pending', 'queued', 'processing', 'rendering', 'running', 'in_progress', 'started']);
/** Status answers in a row that make no sense (an HTML page, no JSON, an unknown status) before the wait fails. */
const NONSENSE_LIMIT = 5;

/** What an instruction step records before its turn is sent: if the run stops, the turn is never sent again. */
interface InFlight {
  sessionId: string;
  /** A hash of the timeline before the turn: a changed timeline means the turn arrived. */
  before: string;
}

/** Instructions that are not edits: the seed routes them to the API, never to the chat. */
const NOT_CHAT: [RegExp, 'export' | 'credits' | 'state'][] = [
  [/^\s*(?:export|download|send me the video|导出)\b/i, 'export'],
  [/^\s*(?:credits|balance|积分|余额)\b/i, 'credits'],
  [/^\s*(?:status|show tracks|状态)\b/i, 'state'],
];

/** Creates the cloud backend for one recipe run; `work` is what the run's backends share (one token for a batch). */
export function createNemoBackend(env: NodeJS.ProcessEnv, work?: SharedWork): NemoBackend {
  return new NemoBackend(nemoConfig(env), work);
}

/**
 * The NemoVideo cloud backend: a session per run, uploads, one chat turn per instruction, then export, polling
 * and download. Sessions, uploads, edits and the render id go to the run journal, so an interrupted run resumes
 * without paying twice; a lost session (1002) is rebuilt by redoing its uploads and edits.
 */
export class NemoBackend implements Backend {
  readonly name = 'nemo' as const;
  readonly client: NemoClient;
  private recovery?: Promise<void>;

  constructor(
    readonly config: NemoConfig,
    private readonly work?: SharedWork,
  ) {
    this.client = new NemoClient(config);
  }

  /** Sessions, uploads and edits are kept; the render is re-checked on resume through the export's checkpoint. */
  resumable(step: Step): boolean {
    return nemoResumable(step);
  }

  async runStep(step: Step, ctx: StepContext): Promise<unknown> {
    const { plan, signal } = ctx;
    switch (step.kind) {
      case 'authenticate':
        await this.client.authenticate(signal, this.work);
        return {};
      case 'session':
        return this.newSession(signal);
      case 'upload': {
        const input = plan.inputs[step.input!]!;
        return this.orRecover(ctx, 0, () => this.upload(input, ctx), () => ctx.get(steps.upload(input.index)));
      }
      case 'instruct':
        return this.instruct(step.instruction!, ctx);
      case 'export':
        return this.export(ctx);
      case 'wait':
        return this.waitForRender(ctx);
      case 'download': {
        const { url } = ctx.get(steps.wait);
        await this.client.download(url, plan.export.output, {
          format: plan.export.format,
          signal,
          saved: (ctx.saved ?? undefined) as ResumeState | undefined,
          checkpoint: (state) => ctx.checkpoint(state),
          onProgress: (f) => ctx.progress(f),
        });
        return ctx.produced({ video: plan.export.output });
      }
      default:
        throw new NemoError('E_PLAN', `the nemo backend has no ${step.kind} step`);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** The current draft of a session. */
  async draft(sessionId: string, signal?: AbortSignal): Promise<Draft> {
    const data = await this.client.call<{ state?: { draft?: Draft } }>('GET', endpoints.state(sessionId), { signal, idempotent: true });
    return data?.state?.draft ?? { d: 0, t: [] };
  }

  /** The credit balance. */
  async credits(signal?: AbortSignal): Promise<{ available: number; frozen: number; total: number }> {
    return this.client.call('GET', endpoints.credits, { signal, idempotent: true });
  }

  private sessionOf(ctx: StepContext): Session {
    return ctx.get(steps.session);
  }

  private async newSession(signal: AbortSignal): Promise<Session> {
    const data = await this.client.call<{ session_id?: string; task_id?: string }>('POST', endpoints.newSession, {
      json: { task_name: 'project', language: this.config.language },
      signal,
    });
    if (typeof data?.session_id !== 'string' || !data.session_id) throw cloudError('protocol', ' a session id to the new-session request');
    return { sessionId: data.session_id, taskId: data.task_id };
  }

  /** Uploads one input: a file as streamed multipart (constant memory at any size), a URL as JSON. */
  private async upload(input: ResolvedInput, ctx: StepContext): Promise<UploadedFile> {
    const { sessionId } = this.sessionOf(ctx);
    const path = endpoints.upload(sessionId);
    let files: UploadedFile[] | undefined;
    try {
      if (input.url) {
        ({ files } = await this.client.call<{ files: UploadedFile[] }>('POST', path, { json: { urls: [input.url], source_type: 'url' }, signal: ctx.signal }));
      } else {
        const file = { field: 'files', filename: input.name, path: input.path!, size: (await stat(input.path!)).size };
        // The server keeps only complete uploads, so one cut off mid-body may be sent again.
        ({ files } = await this.client.call<{ files: UploadedFile[] }>('POST', path, { file, signal: ctx.signal, idempotent: true }));
      }
    } catch (error) {
      throw error instanceof BackendError && error.code === 'E_BACKEND_FILE' ? error.about(input.name) : error;
    }
    return files?.[0] ?? {};
  }

  /** Sends one instruction as a chat turn and reports what it did. */
  private async instruct(index: number, ctx: StepContext): Promise<unknown> {
    const text = ctx.plan.instructions[index]!;
    const route = NOT_CHAT.find(([pattern]) => pattern.test(text))?.[1];
    if (route === 'export') {
      ctx.log(`"${text}": not sent to the cloud; nemo-run runs the export itself`);
      return { skipped: true };
    }
    if (route === 'credits') {
      const c = await this.credits(ctx.signal);
      ctx.log(`credits: ${c.available} available, ${c.frozen} frozen, ${c.total} total`);
      return { skipped: true };
    }
    if (route === 'state') {
      ctx.log(summarizeDraft(await this.draft(this.sessionOf(ctx).sessionId, ctx.signal)));
      return { skipped: true };
    }
    return this.orRecover(ctx, index, () => this.chat(text, ctx, true));
  }

  /**
   * One chat turn. A reply is shown (GUI talk translated); a stream that closes silently, or a connection that
   * drops, is never answered by sending again (that would run, and be charged, twice): the state is checked instead.
   * The step's own turn (`own`; not the replays of a rebuilt session) is recorded as in flight before it is sent, so a
   * run that stops during it (kill -9, Ctrl-C, a time-out) is resumed by checking the timeline, never by sending again.
   */
  private async chat(text: string, ctx: StepContext, own = false): Promise<{ summary: string }> {
    const { sessionId } = this.sessionOf(ctx);
    const inFlight = own ? (ctx.saved as InFlight | null | undefined) : undefined;
    if (inFlight?.sessionId === sessionId) {
      ctx.log(`"${text}" was being sent when the last run stopped; checking the timeline instead of sending it again`, 'warn');
      return this.confirm(text, ctx, inFlight.before, 'resumed', own);
    }
    const before = timelineHash(await this.draft(sessionId, ctx.signal));
    if (own) await ctx.checkpoint({ sessionId, before } satisfies InFlight);
    let turn: Turn;
    let response: Dispatcher.ResponseData | undefined;
    try {
      response = await this.client.openStream(
        endpoints.chat,
        { app_name: 'nemo_agent', user_id: 'me', session_id: sessionId, new_message: { parts: [{ text }] } },
        ctx.signal,
      );
      const body = response.body;
      turn = await readTurn(body, {
        timeoutMs: this.config.streamTimeoutMs,
        totalMs: this.config.turnTimeoutMs,
        signal: ctx.signal,
        onWaiting: () => ctx.log('Still working…'),
        cancel: () => body.destroy(),
      });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // Never sent (no connection), or answered with a refusal instead of a stream: the turn did not run.
      if (!response && notSent(error)) {
        if (own) await ctx.checkpoint(null);
        throw error;
      }
      // The request may have reached the cloud before the connection broke: treat it as a dropped stream.
      if (!isConnectionError(error)) throw error;
      turn = { texts: [], outcome: 'dropped' };
    }
    if (turn.outcome === 'replied') {
      const { text: reply, showTimeline } = translateGuiText(this.client.redact(turn.texts.join('\n')));
      if (reply) ctx.log(`cloud: ${reply}`);
      const draft = await this.draft(sessionId, ctx.signal);
      if (showTimeline) ctx.log(summarizeDraft(draft));
      return { summary: summarizeDraft(draft) };
    }
    ctx.log(turn.outcome === 'silent' ? 'the cloud closed the turn without a reply; checking the timeline' : 'the connection dropped; checking the timeline instead of sending again', 'warn');
    return this.confirm(text, ctx, before, turn.outcome, own);
  }

  /**
   * Polls the state until the timeline differs from `before`: at once and then with growing waits for a resumed turn,
   * with growing waits after a drop, every NEMO_POLL_MS after a silent close. After 5 unchanged checks it fails, and
   * the step forgets the turn was in flight, so running again sends it (the user was told it did nothing).
   */
  private async confirm(text: string, ctx: StepContext, before: string, why: 'silent' | 'dropped' | 'resumed', own: boolean): Promise<{ summary: string }> {
    const { sessionId } = this.sessionOf(ctx);
    for (let check = 0; check < 5; check++) {
      const wait = why === 'silent' ? this.config.pollMs : why === 'dropped' ? this.config.pollMs * 2 ** check : check && this.config.pollMs * 2 ** (check - 1);
      if (wait) await sleep(wait, undefined, { signal: ctx.signal });
      const draft = await this.draft(sessionId, ctx.signal);
      if (timelineHash(draft) !== before) {
        ctx.log(`the timeline changed: ${summarizeDraft(draft)}`);
        return { summary: summarizeDraft(draft) };
      }
    }
    if (own) await ctx.checkpoint(null);
    const what = { silent: 'closed the turn without a reply', dropped: 'connection dropped', resumed: 'turn was cut off when the last run stopped' }[why];
    throw new BackendError('E_BACKEND_STREAM', `the cloud ${what} and the timeline did not change in 5 checks: "${text}"`, {
      hint: 'the instruction was not sent twice; rephrase it or run again (then it is sent again)',
    });
  }

  /**
   * Starts the render, recording its id first, so a run that is interrupted and started again polls the same render
   * instead of paying for a new one. A render that failed or vanished is replaced by a new one.
   */
  private async export(ctx: StepContext): Promise<{ renderId: string }> {
    const saved = (ctx.saved as { renderId?: string } | undefined)?.renderId;
    if (saved && (await this.renderAlive(saved, ctx.signal))) return { renderId: saved };
    return this.orRecover(ctx, ctx.plan.instructions.length, async () => {
      const { sessionId } = this.sessionOf(ctx);
      const draft = await this.draft(sessionId, ctx.signal);
      if (!draft.t?.some((t) => t.sg?.length)) throw cloudError('emptyTimeline');
      const renderId = `render_${Date.now()}`;
      await ctx.checkpoint({ renderId });
      await this.client.call('POST', endpoints.render, {
        json: { id: renderId, sessionId, draft, output: { format: ctx.plan.export.format, quality: ctx.plan.export.quality } },
        signal: ctx.signal,
      });
      return { renderId };
    });
  }

  /** True when the render exists and has not failed. */
  private async renderAlive(renderId: string, signal: AbortSignal): Promise<boolean> {
    try {
      const answer = await this.client.call('GET', endpoints.renderStatus(renderId), { signal, idempotent: true });
      return !FAILED.has(renderStatus(answer).status);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Polls the render every NEMO_POLL_MS until it completes or fails, for at most NEMO_RENDER_TIMEOUT_MS. Answers that
   * make no sense (not JSON, an HTML page, an unknown status) fail the wait after NONSENSE_LIMIT in a row, saying
   * what came back.
   */
  private async waitForRender(ctx: StepContext): Promise<{ renderId: string; url: string }> {
    const { renderId } = ctx.get(steps.export);
    const deadline = Date.now() + this.config.renderTimeoutMs;
    let nonsense = 0;
    for (;;) {
      let status: RenderStatus | undefined;
      let strange: string | undefined;
      try {
        status = renderStatus(await this.client.call('GET', endpoints.renderStatus(renderId), { signal: ctx.signal, idempotent: true }));
        if (!DONE.has(status.status) && !FAILED.has(status.status) && !PENDING.has(status.status)) {
          strange = status.status ? `an unknown status "${snippet(status.status, 40)}"` : 'no status';
        }
      } catch (error) {
        if (!(error instanceof BackendError && error.code === 'E_BACKEND_PROTOCOL')) throw error;
        strange = error.message;
      }
      if (strange) {
        if (++nonsense >= NONSENSE_LIMIT) {
          throw cloudError('protocol', ` a render status it could read, ${NONSENSE_LIMIT} times in a row; the last: ${strange}`);
        }
      } else if (status && DONE.has(status.status)) {
        if (!status.url) throw cloudError('protocol', ' a download URL for the finished render');
        return { renderId, url: status.url };
      } else if (status && FAILED.has(status.status)) {
        throw cloudError('renderFailed', ` ${renderId} ${status.status}`);
      } else {
        nonsense = 0;
        if (status?.progress !== undefined) ctx.progress(status.progress / 100, status.status);
      }
      if (Date.now() + this.config.pollMs > deadline) {
        throw cloudError('renderTimeout', ` in ${seconds(this.config.renderTimeoutMs)}: ${renderId} is still ${status?.status || 'unknown'}`);
      }
      await sleep(this.config.pollMs, undefined, { signal: ctx.signal });
    }
  }

  /**
   * Runs `work`; if the session is lost (1002), builds a new one by redoing every upload and the instructions
   * before `instruction`, then runs `work` again, or takes `redone` when the rebuild already did the work.
   */
  private async orRecover<T>(ctx: StepContext, instruction: number, work: () => Promise<T>, redone?: () => T | undefined): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof SessionLostError)) throw error;
      this.recovery ??= this.rebuild(ctx, instruction).finally(() => (this.recovery = undefined));
      await this.recovery;
      return redone?.() ?? (await work());
    }
  }

  /** The new session and uploads replace the old ones' results, in the journal too, so a resumed run uses them. */
  private async rebuild(ctx: StepContext, instructions: number): Promise<void> {
    const { plan, signal } = ctx;
    ctx.log(`the cloud session was lost; starting a new one and redoing ${plan.inputs.length} uploads and ${instructions} instructions`, 'warn');
    await ctx.amend(steps.session, await this.newSession(signal));
    for (const input of plan.inputs) await ctx.amend(steps.upload(input.index), await this.upload(input, ctx));
    for (let i = 0; i < instructions; i++) {
      if (!NOT_CHAT.some(([pattern]) => pattern.test(plan.instructions[i]!))) await this.chat(plan.instructions[i]!, ctx);
    }
  }
}

/**
 * True when the chat request provably did not run: no connection was made, or an answer came back that is not a
 * stream (an HTTP error, a refusal in the envelope). A gateway's 502 or 504 is not proof: the cloud may have it.
 */
function notSent(error: unknown): boolean {
  if (error instanceof BackendError && (error.status !== undefined || error.nemoCode !== undefined)) return error.status !== 502 && error.status !== 504;
  return neverConnected(error);
}

/** A short, stable fingerprint of a timeline: two equal timelines have equal fingerprints. */
function timelineHash(draft: Draft): string {
  return createHash('sha256').update(JSON.stringify(draft)).digest('hex').slice(0, 16);
}
