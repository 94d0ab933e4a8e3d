import type { Dispatcher } from 'undici';
import { Agent, request } from './http.js';
import { seconds } from '../../display.js';
import { InterruptedError, NemoError } from '../../errors.js';
import { keyOf } from '../../hash.js';
import { VERSION } from '../../version.js';
import type { SharedWork } from '../backend.js';
import { answerError, cloudError, snippet, type Caller } from './cloud-errors.js';
import type { NemoConfig } from './config.js';
import { downloadVideo, guardedLookup, type ResumeState } from './download.js';
import { endpoints } from './endpoints.js';
import { multipartBody, type MultipartFile } from './multipart.js';
import { RetryPolicy } from './retry.js';
import { TokenStore } from './token-store.js';

/** Who we are to the API; the token is a secret and never leaves this object except in the Authorization header. */
interface Auth {
  token: string;
  source: 'env' | 'stored' | 'anonymous';
  userId?: string;
}

/** How one call may be sent. */
export interface CallOptions {
  json?: unknown;
  /** A file sent as a streamed multipart body, made anew for every attempt (a stream cannot be sent twice). */
  file?: MultipartFile;
  signal?: AbortSignal;
  /** Safe to send again after a 5xx or a connection reset (GETs, and uploads the server never finished). */
  idempotent?: boolean;
}

/** How `exchange` sends a request. */
interface Exchange extends CallOptions {
  headers?: Record<string, string>;
  /** False for the token request, which goes without a token and is not answered with 1001. */
  auth?: boolean;
  /** The bound on the whole answer, headers and body; none for a stream. */
  timeoutMs?: number;
  bodyTimeout?: number;
  /** An answer to hand back unread (a stream). */
  keep?: (response: Dispatcher.ResponseData) => boolean;
}

/** An answer with its body read, as JSON when it was JSON. */
interface Answer {
  response: Dispatcher.ResponseData;
  body?: Record<string, unknown>;
  text?: string;
}

/**
 * The NemoVideo API over one keep-alive pool: attribution headers on every request, the envelope's codes mapped to
 * errors users can act on (cloud-errors.ts), one retry policy for every request (retry.ts), a fresh token on 1001,
 * and a bound on every answer.
 */
export class NemoClient {
  private auth?: Auth;
  private refreshing?: Promise<void>;
  /** What the clients of one run share: the token they ask for, and its replacement when it is refused. */
  private shared?: SharedWork;
  private readonly agent: Agent;
  /** Download links are not the API's: their connections only go to the addresses download.ts allows. */
  private readonly downloads: Agent;
  private readonly retries: RetryPolicy;
  private readonly tokens: TokenStore;

  constructor(readonly config: NemoConfig) {
    this.agent = new Agent({ connect: { timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 120_000, keepAliveTimeout: 30_000 });
    this.downloads = new Agent({ connect: { timeout: 15_000, lookup: guardedLookup(config.baseUrl) }, headersTimeout: 60_000, bodyTimeout: 120_000 });
    this.retries = new RetryPolicy({ attempts: 3, baseMs: config.retryMs, retryAfterMaxMs: config.retryAfterMaxMs });
    this.tokens = new TokenStore(config.configDir);
  }

  /** The signed-in user id (anonymous users get a registration link with it). */
  get userId(): string | undefined {
    return this.auth?.userId;
  }

  /**
   * Finds a token: NEMO_TOKEN, else a stored anonymous one that has not expired, else a new anonymous one. The clients
   * of one run (a batch's rows, a video's variants) pass the run's `shared` work, so they ask for one token together.
   */
  async authenticate(signal?: AbortSignal, shared?: SharedWork): Promise<void> {
    this.shared ??= shared;
    if (this.auth) return;
    const find = () => this.findToken(signal);
    this.auth = await (shared ? shared.run(`nemo-token:${this.config.baseUrl}`, find, signal) : find());
  }

  private async findToken(signal?: AbortSignal): Promise<Auth> {
    if (this.config.envToken) return { token: this.config.envToken, source: 'env' };
    const stored = await this.tokens.read();
    return stored ? { token: stored.token, source: 'stored', userId: stored.userId } : this.anonymousToken(signal);
  }

  /** Calls an endpoint and returns the envelope's `data` (or the whole answer when it has no envelope). */
  async call<T = unknown>(method: 'GET' | 'POST', path: string, opts: CallOptions = {}): Promise<T> {
    await this.authenticate(opts.signal);
    const timeoutMs = opts.file ? this.config.transferTimeoutMs : this.config.requestTimeoutMs;
    const { response, body, text } = await this.exchange(method, path, { ...opts, timeoutMs });
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    if (ok && !body) {
      const type = String(response.headers['content-type'] ?? 'no content type');
      throw cloudError('notJson', ` (HTTP ${response.statusCode}, ${snippet(type, 40)}): "${snippet(this.redact(text ?? ''))}"`, { status: response.statusCode });
    }
    const code = typeof body?.code === 'number' ? body.code : undefined;
    if (ok && (code === undefined || code === 0)) return (code === 0 && body && 'data' in body ? body.data : body) as T;
    throw this.failure(response.statusCode, code, body);
  }

  /** Opens the chat stream; answers that are not a stream are turned into errors like any other call's. */
  async openStream(path: string, json: unknown, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    await this.authenticate(signal);
    const isStream = (r: Dispatcher.ResponseData) => r.statusCode === 200 && String(r.headers['content-type'] ?? '').includes('text/event-stream');
    const { response, body } = await this.exchange('POST', path, {
      json,
      signal,
      headers: { accept: 'text/event-stream' },
      bodyTimeout: this.config.streamTimeoutMs + 60_000,
      keep: isStream,
    });
    if (isStream(response)) return response;
    throw this.failure(response.statusCode, typeof body?.code === 'number' ? body.code : undefined, body);
  }

  /** Downloads a rendered video to `dest` (see download.ts): its own pool, which reaches only allowed addresses; the same retry policy. */
  download(
    url: string,
    dest: string,
    opts: { format: string; signal: AbortSignal; saved?: ResumeState; checkpoint(state: ResumeState): Promise<void>; onProgress?(fraction: number): void },
  ): Promise<void> {
    return downloadVideo(url, dest, {
      ...opts,
      dispatcher: this.downloads,
      retries: this.retries,
      apiUrl: this.config.baseUrl,
      maxBytes: this.config.downloadMaxBytes,
      timeoutMs: this.config.transferTimeoutMs,
      ffprobe: this.config.ffprobe,
      redact: (text) => this.redact(text),
    });
  }

  /** Closes the connection pools. */
  async close(): Promise<void> {
    await Promise.all([this.agent.close(), this.downloads.close()]);
  }

  /** Removes anything that looks like a token from text that may reach the user. */
  redact(text: string): string {
    let out = text.replace(/nmv_[A-Za-z0-9_.-]+/g, '[token]');
    for (const secret of [this.auth?.token, this.config.envToken]) if (secret) out = out.split(secret).join('[token]');
    return out;
  }

  /**
   * Sends a request until its answer is final, as the retry policy says (429, 5xx, connection failures), with a
   * fresh anonymous token once on 1001. Returns the answer with its body read, or unread when `keep` wants it.
   */
  private async exchange(method: 'GET' | 'POST', path: string, opts: Exchange): Promise<Answer> {
    const retries = this.retries.start(opts.idempotent ?? false, opts.signal);
    let refreshed = false;
    for (;;) {
      const used = this.auth;
      const deadline = opts.timeoutMs ? AbortSignal.timeout(opts.timeoutMs) : undefined;
      const signal = deadline ? AbortSignal.any(opts.signal ? [opts.signal, deadline] : [deadline]) : opts.signal;
      let response: Dispatcher.ResponseData;
      let text: string;
      try {
        response = await this.send(method, path, opts, signal);
        if (opts.keep?.(response)) return { response };
        const status = response.statusCode;
        if (status === 429 || status === 408 || status >= 500) {
          await response.body.dump();
          if (await retries.again({ kind: 'status', status, retryAfter: response.headers['retry-after'] })) continue;
          return { response };
        }
        text = await response.body.text();
      } catch (error) {
        if (opts.signal?.aborted) throw new InterruptedError(opts.signal.reason);
        if (error instanceof NemoError) throw error;
        const timedOut = deadline?.aborted === true;
        if (await retries.again({ kind: 'connection', error: timedOut ? { code: 'ETIMEDOUT' } : error })) continue;
        if (timedOut) throw cloudError('timeout', ` ${method} ${path} within ${seconds(opts.timeoutMs!)} (${retries.made} attempt${retries.made === 1 ? '' : 's'})`, { cause: error });
        throw this.unreachable(error);
      }
      const body = parseJson(text);
      if (body?.code === 1001 && opts.auth !== false && !refreshed && this.auth?.source !== 'env') {
        refreshed = true;
        await this.refresh(used, opts.signal);
        continue;
      }
      return { response, body, text };
    }
  }

  /** Replaces a refused token once, however many calls were refused with it at the same time. */
  private async refresh(stale: Auth | undefined, signal?: AbortSignal): Promise<void> {
    if (this.auth !== stale) return;
    // The clients refused with the same token (a batch's rows) ask for one new token together.
    const fresh = () => this.anonymousToken(signal);
    this.refreshing ??= (this.shared && stale ? this.shared.run(keyOf(['nemo-refresh', this.config.baseUrl, stale.token]), fresh, signal) : fresh())
      .then((auth) => void (this.auth = auth))
      .finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private send(method: 'GET' | 'POST', path: string, opts: Exchange, signal?: AbortSignal) {
    const multipart = opts.file ? multipartBody(opts.file) : undefined;
    const body = multipart?.body ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined);
    return request(`${this.config.baseUrl}${path}`, {
      dispatcher: this.agent,
      method,
      headers: {
        'x-skill-source': 'nemo-run',
        'x-skill-version': VERSION,
        'x-skill-platform': this.config.platform,
        ...(opts.auth !== false && this.auth ? { authorization: `Bearer ${this.auth.token}` } : {}),
        ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(multipart ? { 'content-type': multipart.type, 'content-length': String(multipart.length) } : {}),
        ...opts.headers,
      },
      body: body as Dispatcher.DispatchOptions['body'],
      signal,
      ...(opts.bodyTimeout ? { bodyTimeout: opts.bodyTimeout } : {}),
    });
  }

  /** A new anonymous token (stored, mode 0600), with a new client id if the API asks for one (HTTP 400). */
  private async anonymousToken(signal?: AbortSignal): Promise<Auth> {
    for (let attempt = 1; ; attempt++) {
      const clientId = await this.tokens.clientId(attempt > 1);
      const { response, body } = await this.exchange('POST', endpoints.anonymousToken, {
        signal,
        auth: false,
        headers: { 'x-client-id': clientId },
        timeoutMs: this.config.requestTimeoutMs,
      });
      if (response.statusCode === 400 && attempt === 1) continue;
      const data = body?.data as { token?: string; user_id?: string; expires_at?: string } | undefined;
      if (response.statusCode !== 200 || body?.code !== 0 || !data?.token) throw this.failure(response.statusCode, typeof body?.code === 'number' ? body.code : undefined, body);
      await this.tokens.write({ token: data.token, userId: data.user_id, expiresAt: data.expires_at });
      return { token: data.token, source: 'anonymous', userId: data.user_id };
    }
  }

  private unreachable(error: unknown): NemoError {
    const code = (error as { code?: string })?.code;
    return cloudError('unreachable', ` at ${this.config.baseUrl} (${code ?? this.redact(String((error as Error)?.message ?? error))})`, { cause: error });
  }

  /** The error for an answer that is not a success; raw answers are never shown, only their redacted message. */
  private failure(status: number, code: number | undefined, body: Record<string, unknown> | undefined): NemoError {
    const said = typeof body?.message === 'string' ? snippet(this.redact(body.message), 200) : '';
    const caller: Caller = { source: this.auth?.source, userId: this.auth?.userId };
    return answerError(status, code, said, caller);
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}
