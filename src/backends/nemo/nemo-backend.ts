import { stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { NemoError } from '../../errors.js';
import type { Step } from '../../plan/plan.types.js';
import type { ResolvedInput } from '../../recipe/recipe.types.js';
import type { Backend, StepContext } from '../backend.js';
import { summarizeDraft, type Draft } from '../draft.js';
import { BackendError, isConnectionError, NemoClient, SessionLostError } from './client.js';
import { nemoConfig, type NemoConfig } from './config.js';
import { translateGuiText } from './gui.js';
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

/** Reads both status shapes: `{status, output: {url}}` and `{success, data: {status, progress, outputUrl}}`. */
export function renderStatus(answer: unknown): RenderStatus {
  const a = (answer ?? {}) as Record<string, any>;
  const inner = a.data && typeof a.data === 'object' && !a.status ? a.data : a;
  return {
    status: String(inner.status ?? 'pending').toLowerCase(),
    progress: typeof inner.progress === 'number' ? inner.progress : undefined,
    url: inner.outputUrl ?? inner.output?.url ?? inner.url,
  };
}

/** Render states that will never complete. */
const FAILED = new Set(['failed', 'error', 'cancelled']);

/** Instructions that are not edits: the seed routes them to the API, never to the chat. */
const NOT_CHAT: [RegExp, 'export' | 'credits' | 'state'][] = [
  [/^\s*(?:export|download|send me the video|导出)\b/i, 'export'],
  [/^\s*(?:credits|balance|积分|余额)\b/i, 'credits'],
  [/^\s*(?:status|show tracks|状态)\b/i, 'state'],
];

/** Creates the cloud backend for one recipe run. */
export function createNemoBackend(env: NodeJS.ProcessEnv): NemoBackend {
  return new NemoBackend(nemoConfig(env));
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

  constructor(readonly config: NemoConfig) {
    this.client = new NemoClient(config);
  }

  /** Sessions, uploads and edits are kept; the render is re-checked on resume through the export's checkpoint. */
  resumable(step: Step): boolean {
    return step.kind === 'session' || step.kind === 'upload' || step.kind === 'instruct';
  }

  async runStep(step: Step, ctx: StepContext): Promise<unknown> {
    const { plan, signal } = ctx;
    switch (step.kind) {
      case 'authenticate':
        await this.client.authenticate(signal);
        return {};
      case 'session':
        return this.newSession(signal);
      case 'upload': {
        const input = plan.inputs[step.input!]!;
        return this.orRecover(ctx, 0, () => this.upload(input, ctx), () => ctx.results.get(step.id) as UploadedFile);
      }
      case 'instruct':
        return this.instruct(step.instruction!, ctx);
      case 'export':
        return this.export(ctx);
      case 'wait':
        return this.waitForRender(ctx);
      case 'download': {
        const { url } = ctx.results.get('wait') as { url: string };
        await this.client.download(url, plan.export.output, signal, (f) => ctx.progress(f));
        return { output: plan.export.output };
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
    const data = await this.client.call<{ state?: { draft?: Draft } }>('GET', `/api/state/nemo_agent/me/${encodeURIComponent(sessionId)}/latest`, {
      signal,
      idempotent: true,
    });
    return data?.state?.draft ?? { d: 0, t: [] };
  }

  /** The credit balance. */
  async credits(signal?: AbortSignal): Promise<{ available: number; frozen: number; total: number }> {
    return this.client.call('GET', '/api/credits/balance/simple', { signal, idempotent: true });
  }

  private sessionOf(ctx: StepContext): Session {
    return ctx.results.get('session') as Session;
  }

  private async newSession(signal: AbortSignal): Promise<Session> {
    const data = await this.client.call<{ session_id?: string; task_id?: string }>('POST', '/api/tasks/me/with-session/nemo_agent', {
      json: { task_name: 'project', language: this.config.language },
      signal,
    });
    if (!data?.session_id) throw new BackendError('E_BACKEND_HTTP', 'the cloud did not return a session id');
    return { sessionId: data.session_id, taskId: data.task_id };
  }

  /** Uploads one input: a file as streamed multipart (constant memory at any size), a URL as JSON. */
  private async upload(input: ResolvedInput, ctx: StepContext): Promise<UploadedFile> {
    const { sessionId } = this.sessionOf(ctx);
    const path = `/api/upload-video/nemo_agent/me/${encodeURIComponent(sessionId)}`;
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
      if (error instanceof BackendError && error.code === 'E_BACKEND_FILE') {
        throw new BackendError('E_BACKEND_FILE', `${input.name}: ${error.message}`, {
          exitCode: error.exitCode,
          nemoCode: error.nemoCode,
          hint: error.nemoCode === 4001 ? 'accepted types: mp4 mov avi webm mkv jpg png gif webp mp3 wav m4a aac' : 'compress or trim it below 500 MB',
        });
      }
      throw error;
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
    return this.orRecover(ctx, index, () => this.chat(text, ctx));
  }

  /**
   * One chat turn. A reply is shown (GUI talk translated); a stream that closes silently, or a connection that
   * drops, is never answered by sending again (that would run, and be charged, twice): the state is checked instead.
   */
  private async chat(text: string, ctx: StepContext): Promise<{ summary: string }> {
    const { sessionId } = this.sessionOf(ctx);
    const before = JSON.stringify(await this.draft(sessionId, ctx.signal));
    let turn: Turn;
    try {
      const response = await this.client.openStream(
        '/run_sse',
        { app_name: 'nemo_agent', user_id: 'me', session_id: sessionId, new_message: { parts: [{ text }] } },
        ctx.signal,
      );
      turn = await readTurn(response.body, {
        timeoutMs: this.config.streamTimeoutMs,
        onWaiting: () => ctx.log('Still working…'),
        cancel: () => response.body.destroy(),
      });
    } catch (error) {
      // The request may have reached the cloud before the connection broke: treat it as a dropped stream.
      if (ctx.signal.aborted || !isConnectionError(error)) throw error;
      turn = { texts: [], outcome: 'dropped' };
    }
    if (turn.outcome === 'replied') {
      const { text: reply, showTimeline } = translateGuiText(this.client.redact(turn.texts.join('\n')));
      if (reply) ctx.log(`cloud: ${reply}`);
      const draft = await this.draft(sessionId, ctx.signal);
      if (showTimeline) ctx.log(summarizeDraft(draft));
      return { summary: summarizeDraft(draft) };
    }
    // No text, or no connection: poll the state until the timeline changed.
    ctx.log(turn.outcome === 'silent' ? 'the cloud closed the turn without a reply; checking the timeline' : 'the connection dropped; checking the timeline instead of sending again', 'warn');
    for (let check = 0; check < 5; check++) {
      const wait = turn.outcome === 'dropped' ? this.config.pollMs * 2 ** check : this.config.pollMs;
      await sleep(wait, undefined, { signal: ctx.signal });
      const draft = await this.draft(sessionId, ctx.signal);
      if (JSON.stringify(draft) !== before) {
        ctx.log(`the timeline changed: ${summarizeDraft(draft)}`);
        return { summary: summarizeDraft(draft) };
      }
    }
    throw new BackendError(
      'E_BACKEND_STREAM',
      `the cloud ${turn.outcome === 'silent' ? 'closed the turn without a reply' : 'connection dropped'} and the timeline did not change in 5 checks: "${text}"`,
      { hint: 'the instruction was not sent twice; rephrase it or run again' },
    );
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
      if (!draft.t?.some((t) => t.sg?.length)) {
        throw new BackendError('E_BACKEND_HTTP', 'the cloud timeline is empty: there is nothing to export', {
          hint: 'check that the instructions ask for a video (nemo-run plan shows them)',
        });
      }
      const renderId = `render_${Date.now()}`;
      await ctx.checkpoint({ renderId });
      await this.client.call('POST', '/api/render/proxy/lambda', {
        json: { id: renderId, sessionId, draft, output: { format: ctx.plan.export.format, quality: ctx.plan.export.quality } },
        signal: ctx.signal,
      });
      return { renderId };
    });
  }

  /** True when the render exists and has not failed. */
  private async renderAlive(renderId: string, signal: AbortSignal): Promise<boolean> {
    try {
      const answer = await this.client.call('GET', `/api/render/proxy/lambda/${encodeURIComponent(renderId)}`, { signal, idempotent: true });
      return !FAILED.has(renderStatus(answer).status);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) return false;
      throw error;
    }
  }

  /** Polls the render every NEMO_POLL_MS until it completes or fails. */
  private async waitForRender(ctx: StepContext): Promise<{ renderId: string; url: string }> {
    const { renderId } = ctx.results.get('export') as { renderId: string };
    for (;;) {
      const answer = await this.client.call('GET', `/api/render/proxy/lambda/${encodeURIComponent(renderId)}`, { signal: ctx.signal, idempotent: true });
      const status = renderStatus(answer);
      if (status.status === 'completed' || status.status === 'succeeded') {
        if (!status.url) throw new BackendError('E_BACKEND_HTTP', 'the cloud finished the render but gave no download URL');
        return { renderId, url: status.url };
      }
      if (FAILED.has(status.status)) {
        throw new BackendError('E_BACKEND_HTTP', `the cloud render ${renderId} ${status.status}`, { hint: 'run again to start a new render; export costs no credits' });
      }
      if (status.progress !== undefined) ctx.progress(status.progress / 100, status.status);
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
    await ctx.amend('session', await this.newSession(signal));
    for (const input of plan.inputs) await ctx.amend(`upload:${input.index}`, await this.upload(input, ctx));
    for (let i = 0; i < instructions; i++) {
      if (!NOT_CHAT.some(([pattern]) => pattern.test(plan.instructions[i]!))) await this.chat(plan.instructions[i]!, ctx);
    }
  }
}
