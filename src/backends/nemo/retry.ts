import { setTimeout as sleep } from 'node:timers/promises';
import { cloudError } from './cloud-errors.js';

/** Why one attempt failed, as the retry policy sees it. */
export type Failure = { kind: 'connection'; error: unknown } | { kind: 'status'; status: number; retryAfter?: string | string[] };

/** What a series of attempts may do. */
export interface RetryOptions {
  /** Attempts in all for 5xx answers and connection failures. */
  attempts: number;
  /** Backoff base: the n-th wait is base × 2^(n-1), with jitter. */
  baseMs: number;
  /** The longest Retry-After honoured. */
  retryAfterMaxMs: number;
}

const CONNECTION_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** True for errors where the connection failed rather than the server answering (also when wrapped as a cause). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  if (code && CONNECTION_ERRORS.has(code)) return true;
  return error instanceof Error && error.cause !== undefined && isConnectionError(error.cause);
}

/** Failures to open a connection at all: no request was sent. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** True when the error (or one of its causes) says no connection was made, so the request never left. */
export function neverConnected(error: unknown): boolean {
  if (CONNECT_ERRORS.has((error as { code?: string })?.code ?? '')) return true;
  return error instanceof Error && error.cause !== undefined && neverConnected(error.cause);
}

/**
 * The one retry policy of the cloud client, for every call, the token request and downloads alike:
 * - 429: waits `Retry-After` (else the protocol's 30 s), once, whatever the method: the server did nothing; a server
 *   asking for longer than `retryAfterMaxMs` fails the call at once, saying how long it asked for;
 * - 5xx, 408 and connection failures: only calls that are safe to send again (`idempotent`), `attempts` in all,
 *   with exponential backoff and jitter;
 * - anything else is final.
 */
export class RetryPolicy {
  constructor(readonly options: RetryOptions) {}

  /** A fresh count of attempts for one call. */
  start(idempotent: boolean, signal?: AbortSignal): Retries {
    return new Retries(this.options, idempotent, signal);
  }
}

/** The attempts of one call. */
export class Retries {
  private attempt = 1;
  private rateLimited = false;

  constructor(
    private readonly options: RetryOptions,
    private readonly idempotent: boolean,
    private readonly signal?: AbortSignal,
  ) {}

  /** After a failed attempt: waits and returns true when the call should be sent again, false when the failure is final. */
  async again(failure: Failure): Promise<boolean> {
    if (failure.kind === 'status' && failure.status === 429) {
      if (this.rateLimited) return false;
      this.rateLimited = true;
      const wait = retryAfterMs(failure.retryAfter);
      if (wait > this.options.retryAfterMaxMs) {
        throw cloudError('waitTooLong', `: it asked to wait ${Math.round(wait / 1000)} s, more than the ${Math.round(this.options.retryAfterMaxMs / 1000)} s nemo-run waits`, { status: 429 });
      }
      await sleep(wait, undefined, { signal: this.signal });
      return true;
    }
    const retryable = failure.kind === 'connection' ? isConnectionError(failure.error) : failure.status >= 500 || failure.status === 408;
    if (!retryable || !this.idempotent || this.attempt >= this.options.attempts) return false;
    // Full backoff, jittered down by up to half, so clients that failed together do not come back together.
    const backoff = this.options.baseMs * 2 ** (this.attempt - 1);
    this.attempt++;
    await sleep(backoff * (0.5 + Math.random() / 2), undefined, { signal: this.signal });
    return true;
  }

  /** How many attempts were made so far. */
  get made(): number {
    return this.attempt;
  }
}

/** `Retry-After` in seconds (or an HTTP date), else the protocol's 30 s. */
export function retryAfterMs(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 30_000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 30_000;
}
