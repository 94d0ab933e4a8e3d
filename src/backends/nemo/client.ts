import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request, type Dispatcher } from 'undici';
import { partialPath, writeFileAtomic } from '../../atomic.js';
import { ExitCode, InterruptedError, NemoError, type ErrorCode } from '../../errors.js';
import { VERSION } from '../../version.js';
import type { NemoConfig } from './config.js';

/** An error from the cloud, with its protocol code or HTTP status when there was one. */
export class BackendError extends NemoError {
  readonly nemoCode?: number;
  readonly status?: number;
  constructor(code: ErrorCode, message: string, opts: { hint?: string; exitCode?: ExitCode; nemoCode?: number; status?: number; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'BackendError';
    this.nemoCode = opts.nemoCode;
    this.status = opts.status;
  }
}

/** The session is gone (code 1002): its uploads and edits must be redone in a new one. */
export class SessionLostError extends BackendError {
  constructor() {
    super('E_BACKEND_HTTP', 'the cloud session was lost', { nemoCode: 1002 });
  }
}

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

const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED']);
const ATTEMPTS = 3;

/** True for errors where the connection failed rather than the server answering (also when wrapped as a cause). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  if (code && CONNECTION_ERRORS.has(code)) return true;
  return error instanceof Error && error.cause !== undefined && isConnectionError(error.cause);
}

/**
 * The NemoVideo API over one keep-alive pool: attribution headers on every request, the envelope's codes mapped to
 * errors users can act on, and the protocol's retries (fresh token on 1001, Retry-After on 429, backoff on 5xx).
 */
export class NemoClient {
  private auth?: Auth;
  private refreshing?: Promise<void>;
  private readonly agent: Agent;

  constructor(readonly config: NemoConfig) {
    this.agent = new Agent({ connect: { timeout: 15_000 }, headersTimeout: 60_000, bodyTimeout: 120_000, keepAliveTimeout: 30_000 });
  }

  /** The signed-in user id (anonymous users get a registration link with it). */
  get userId(): string | undefined {
    return this.auth?.userId;
  }

  /** Finds a token: NEMO_TOKEN, else a stored anonymous one that has not expired, else a new anonymous one. */
  async authenticate(signal?: AbortSignal): Promise<void> {
    if (this.auth) return;
    if (this.config.envToken) {
      this.auth = { token: this.config.envToken, source: 'env' };
      return;
    }
    const stored = await this.readStoredToken();
    this.auth = stored ?? (await this.anonymousToken(signal));
  }

  /** Calls an endpoint and returns the envelope's `data` (or the whole answer when it has no envelope). */
  async call<T = unknown>(method: 'GET' | 'POST', path: string, opts: CallOptions = {}): Promise<T> {
    const { response, body } = await this.exchange(() => this.send(method, path, opts), opts);
    const code = typeof body?.code === 'number' ? body.code : undefined;
    if (response.statusCode >= 200 && response.statusCode < 300 && (code === undefined || code === 0)) {
      return (code === 0 && body && 'data' in body ? body.data : body) as T;
    }
    throw this.failure(response.statusCode, code, body);
  }

  /** Opens the chat stream; answers that are not a stream are turned into errors like any other call's. */
  async openStream(path: string, json: unknown, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const isStream = (r: Dispatcher.ResponseData) => r.statusCode === 200 && String(r.headers['content-type'] ?? '').includes('text/event-stream');
    const send = () => this.send('POST', path, { json, signal }, { accept: 'text/event-stream' }, this.config.streamTimeoutMs + 60_000);
    const { response, body } = await this.exchange(send, { signal }, isStream);
    if (isStream(response)) return response;
    throw this.failure(response.statusCode, typeof body?.code === 'number' ? body.code : undefined, body);
  }

  /**
   * Sends a request until its answer is final: 429 waits for Retry-After once, 1001 gets a fresh anonymous token
   * once, and idempotent calls retry 5xx and connection errors with backoff. Returns the answer with its JSON body
   * read, or unread when `keep` wants the body itself (a stream).
   */
  private async exchange(
    send: () => Promise<Dispatcher.ResponseData>,
    opts: Pick<CallOptions, 'signal' | 'idempotent'>,
    keep?: (response: Dispatcher.ResponseData) => boolean,
  ): Promise<{ response: Dispatcher.ResponseData; body?: Record<string, unknown> }> {
    await this.authenticate(opts.signal);
    let refreshed = false;
    let rateLimited = false;
    for (let attempt = 1; ; attempt++) {
      const used = this.auth;
      let response: Dispatcher.ResponseData;
      try {
        response = await send();
      } catch (error) {
        if (opts.signal?.aborted) throw new InterruptedError(opts.signal.reason);
        if (isConnectionError(error) && opts.idempotent && attempt < ATTEMPTS) {
          await this.backoff(attempt, opts.signal);
          continue;
        }
        throw this.unreachable(error);
      }
      if (keep?.(response)) return { response };
      if (response.statusCode === 429 && !rateLimited) {
        rateLimited = true;
        await response.body.dump();
        await sleep(retryAfterMs(response.headers['retry-after']), undefined, { signal: opts.signal });
        continue;
      }
      if (response.statusCode >= 500 && opts.idempotent && attempt < ATTEMPTS) {
        await response.body.dump();
        await this.backoff(attempt, opts.signal);
        continue;
      }
      const body = await readJson(response);
      if (body?.code === 1001 && !refreshed && this.auth?.source !== 'env') {
        refreshed = true;
        await this.refresh(used, opts.signal);
        continue;
      }
      return { response, body };
    }
  }

  /**
   * Downloads a URL to `dest`: streamed to a temporary file beside it, resumed with a Range request when the
   * connection drops, renamed into place when complete. Output URLs are download links (a CDN's), so no token
   * or other header goes with them.
   */
  async download(url: string, dest: string, signal: AbortSignal, onProgress?: (fraction: number) => void): Promise<void> {
    await mkdir(dirname(dest), { recursive: true });
    // Not `atomically`: the partial file outlives a dropped connection, so the next attempt can resume it.
    const partial = partialPath(dest);
    const target = new URL(url, this.config.baseUrl);
    try {
      for (let attempt = 1; ; attempt++) {
        const have = (await stat(partial).catch(() => undefined))?.size ?? 0;
        try {
          const response = await request(target, {
            dispatcher: this.agent,
            method: 'GET',
            signal,
            headers: have ? { range: `bytes=${have}-` } : {},
          });
          if (response.statusCode !== 200 && response.statusCode !== 206) {
            await response.body.dump();
            throw new BackendError('E_BACKEND_HTTP', `the video download failed (HTTP ${response.statusCode})`, { status: response.statusCode });
          }
          const append = response.statusCode === 206 && have > 0;
          const total = expectedSize(response.headers, append ? have : 0);
          let received = append ? have : 0;
          // Each chunk is on disk before the next is read, so a cut connection leaves a clean prefix to resume from.
          const file = await open(partial, append ? 'a' : 'w');
          try {
            for await (const chunk of response.body) {
              await file.write(chunk as Buffer);
              received += (chunk as Buffer).length;
              if (total) onProgress?.(received / total);
            }
          } finally {
            await file.close();
          }
          const size = (await stat(partial)).size;
          if (total && size !== total) throw Object.assign(new Error('short download'), { code: 'UND_ERR_SOCKET' });
          break;
        } catch (error) {
          if (signal.aborted) throw new InterruptedError(signal.reason);
          if (isConnectionError(error) && attempt < ATTEMPTS) {
            await this.backoff(attempt, signal);
            continue;
          }
          throw error instanceof NemoError ? error : this.unreachable(error);
        }
      }
      await rename(partial, dest);
    } finally {
      await rm(partial, { force: true });
    }
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Removes anything that looks like a token from text that may reach the user. */
  redact(text: string): string {
    let out = text.replace(/nmv_[A-Za-z0-9_.-]+/g, '[token]');
    for (const secret of [this.auth?.token, this.config.envToken]) if (secret) out = out.split(secret).join('[token]');
    return out;
  }

  /** Replaces a refused token once, however many calls were refused with it at the same time. */
  private async refresh(stale: Auth | undefined, signal?: AbortSignal): Promise<void> {
    if (this.auth !== stale) return;
    this.refreshing ??= this.anonymousToken(signal)
      .then((auth) => void (this.auth = auth))
      .finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private headers(extra: Record<string, string> = {}, withAuth = true): Record<string, string> {
    return {
      'x-skill-source': 'nemo-run',
      'x-skill-version': VERSION,
      'x-skill-platform': this.config.platform,
      ...(withAuth && this.auth ? { authorization: `Bearer ${this.auth.token}` } : {}),
      ...extra,
    };
  }

  private send(method: string, path: string, opts: CallOptions, extra: Record<string, string> = {}, bodyTimeout?: number) {
    const multipart = opts.file ? multipartBody(opts.file) : undefined;
    const body = multipart?.body ?? (opts.json !== undefined ? JSON.stringify(opts.json) : undefined);
    const headers = this.headers({
      ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(multipart ? { 'content-type': multipart.type, 'content-length': String(multipart.length) } : {}),
      ...extra,
    });
    return request(`${this.config.baseUrl}${path}`, {
      dispatcher: this.agent,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body as Dispatcher.DispatchOptions['body'],
      signal: opts.signal,
      ...(bodyTimeout ? { bodyTimeout } : {}),
    });
  }

  private async backoff(attempt: number, signal?: AbortSignal) {
    await sleep(this.config.retryMs * 2 ** (attempt - 1), undefined, { signal });
  }

  /** A new anonymous token (stored, mode 0600), with a new client id if the API asks for one (HTTP 400). */
  private async anonymousToken(signal?: AbortSignal): Promise<Auth> {
    for (let attempt = 1; ; attempt++) {
      const clientId = attempt === 1 ? await this.clientId() : await this.clientId(true);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(`${this.config.baseUrl}/api/auth/anonymous-token`, {
          dispatcher: this.agent,
          method: 'POST',
          headers: this.headers({ 'x-client-id': clientId }, false),
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw new InterruptedError(signal.reason);
        throw this.unreachable(error);
      }
      if (response.statusCode === 400 && attempt === 1) {
        await response.body.dump();
        continue;
      }
      if (response.statusCode === 429 && attempt === 1) {
        await response.body.dump();
        await sleep(retryAfterMs(response.headers['retry-after']), undefined, { signal });
        continue;
      }
      const body = await readJson(response);
      const data = body?.data as { token?: string; user_id?: string; expires_at?: string } | undefined;
      if (response.statusCode !== 200 || body?.code !== 0 || !data?.token) throw this.failure(response.statusCode, typeof body?.code === 'number' ? body.code : undefined, body);
      const auth: Auth = { token: data.token, source: 'anonymous', userId: data.user_id };
      await writePrivate(join(this.config.configDir, 'token.json'), JSON.stringify({ token: data.token, user_id: data.user_id, expires_at: data.expires_at }));
      return auth;
    }
  }

  private async readStoredToken(): Promise<Auth | undefined> {
    try {
      const stored = JSON.parse(await readFile(join(this.config.configDir, 'token.json'), 'utf8')) as { token?: string; user_id?: string; expires_at?: string };
      const expires = stored.expires_at ? Date.parse(stored.expires_at) : Number.POSITIVE_INFINITY;
      if (!stored.token || expires < Date.now() + 60_000) return undefined;
      return { token: stored.token, source: 'stored', userId: stored.user_id };
    } catch {
      return undefined;
    }
  }

  /** The client id (a UUID, not a secret) kept in the config folder; `fresh` replaces it. */
  private async clientId(fresh = false): Promise<string> {
    const path = join(this.config.configDir, 'client_id');
    if (!fresh) {
      const id = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (id) return id;
    }
    const id = randomUUID();
    await writePrivate(path, `${id}\n`);
    return id;
  }

  private unreachable(error: unknown): BackendError {
    const code = (error as { code?: string })?.code;
    return new BackendError('E_BACKEND_HTTP', `cannot reach the NemoVideo API at ${this.config.baseUrl} (${code ?? this.redact(String((error as Error)?.message ?? error))})`, {
      hint: 'check the network, or NEMO_API_URL if you set it',
      cause: error,
    });
  }

  /** Maps an answer that is not a success to an error that says what to do; raw answers are never shown. */
  private failure(status: number, code: number | undefined, body: Record<string, unknown> | undefined): BackendError {
    const said = typeof body?.message === 'string' ? `: ${this.redact(body.message).slice(0, 200)}` : '';
    const refused = ExitCode.refused;
    switch (code) {
      case 1001:
        return this.auth?.source === 'env'
          ? new BackendError('E_BACKEND_AUTH', 'NEMO_TOKEN was refused: it is expired or invalid', {
              exitCode: refused,
              nemoCode: code,
              hint: 'set a valid NEMO_TOKEN, or unset it to use a free anonymous token',
            })
          : new BackendError('E_BACKEND_AUTH', 'the NemoVideo API refused a fresh anonymous token', { exitCode: refused, nemoCode: code, hint: 'try again later' });
      case 1002:
        return new SessionLostError();
      case 2001:
        return new BackendError('E_BACKEND_CREDITS', 'out of NemoVideo credits', {
          exitCode: refused,
          nemoCode: code,
          hint: this.auth?.source === 'anonymous' || this.auth?.source === 'stored'
            ? `register to get more: https://nemovideo.ai/?bind=${this.auth.userId ?? ''}`
            : 'top up your NemoVideo account, then run again',
        });
      case 4001:
        return new BackendError('E_BACKEND_FILE', `the cloud does not accept this file type${said}`, { exitCode: refused, nemoCode: code });
      case 4002:
        return new BackendError('E_BACKEND_FILE', `the file is too large for the cloud (limit 500 MB)${said}`, { exitCode: refused, nemoCode: code });
    }
    if (status === 402) {
      return new BackendError('E_BACKEND_PLAN_LIMIT', 'the NemoVideo plan does not allow this export (HTTP 402): a plan limit, not credits', {
        exitCode: refused,
        status,
        hint: 'upgrade the NemoVideo subscription, or render with `--backend local`',
      });
    }
    if (status === 429) return new BackendError('E_BACKEND_HTTP', 'the NemoVideo API is rate limiting us (HTTP 429), twice in a row', { status, hint: 'wait a minute and run again' });
    return new BackendError('E_BACKEND_HTTP', `the NemoVideo API answered HTTP ${status}${code !== undefined ? ` with code ${code}` : ''}${said}`, { status, nemoCode: code });
  }
}

/** A file for a multipart upload. */
export interface MultipartFile {
  field: string;
  filename: string;
  path: string;
  size: number;
}

/**
 * A multipart/form-data body that streams the file from disk: memory stays constant whatever its size.
 * (undici 7's own FormData handling does not take Node 20's built-in FormData, so the few framing lines are ours.)
 */
function multipartBody(file: MultipartFile): { body: Readable; type: string; length: number } {
  const boundary = `----nemo-run-${randomBytes(12).toString('hex')}`;
  const name = file.filename.replace(/["\r\n]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* createReadStream(file.path, { highWaterMark: 256 * 1024 });
    yield tail;
  }
  return { body: Readable.from(parts(), { objectMode: false }), type: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length };
}

/** Writes a file only its owner can read, in a folder only its owner can enter; atomically. */
async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, text, 0o600);
}

async function readJson(response: Dispatcher.ResponseData): Promise<Record<string, unknown> | undefined> {
  const text = await response.body.text();
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `Retry-After` in seconds (or an HTTP date), else the protocol's 30 s. */
function retryAfterMs(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 30_000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 30_000;
}

function expectedSize(headers: Dispatcher.ResponseData['headers'], offset: number): number | undefined {
  const range = /\/(\d+)$/.exec(String(headers['content-range'] ?? ''));
  if (range) return Number(range[1]);
  const length = Number(headers['content-length']);
  return Number.isFinite(length) && length > 0 ? offset + length : undefined;
}
