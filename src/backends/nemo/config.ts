import { homedir } from 'node:os';
import { join } from 'node:path';
import { findFfmpeg } from '../local/ffmpeg.js';

/** The production API. */
const DEFAULT_API_URL = 'https://mega-api-prod.nemovideo.ai';

/** Everything the cloud client reads from the environment, read once. Every wait has a bound here. */
export interface NemoConfig {
  baseUrl: string;
  /** A token the user supplied (NEMO_TOKEN); never printed. */
  envToken?: string;
  /** Render status polling, and the first wait before checking the state after a dropped stream. */
  pollMs: number;
  /** Base of the backoff between retries of idempotent calls. */
  retryMs: number;
  /** The longest `Retry-After` honoured; a server asking for more fails the call at once. */
  retryAfterMaxMs: number;
  /** How long a stream may carry nothing but heartbeats. */
  streamTimeoutMs: number;
  /** How long one chat turn may take in all, whatever it sends. */
  turnTimeoutMs: number;
  /** How long one API answer (headers and body) may take; not uploads and downloads. */
  requestTimeoutMs: number;
  /** How long one upload or download may take. */
  transferTimeoutMs: number;
  /** How long a render may take, from the first poll. */
  renderTimeoutMs: number;
  /** The largest video a download may be. */
  downloadMaxBytes: number;
  /** X-Skill-Platform. */
  platform: string;
  /** Where the client id and the anonymous token are kept. */
  configDir: string;
  /** The session language. */
  language: string;
  /** ffprobe, which checks that a downloaded video is one. */
  ffprobe: string;
}

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/**
 * Reads NEMO_API_URL, NEMO_TOKEN, NEMO_PLATFORM, XDG_CONFIG_HOME, NEMO_FFPROBE and the bounds: NEMO_POLL_MS,
 * NEMO_RETRY_MS, NEMO_RETRY_AFTER_MAX_MS, NEMO_STREAM_TIMEOUT_MS, NEMO_TURN_TIMEOUT_MS, NEMO_REQUEST_TIMEOUT_MS,
 * NEMO_TRANSFER_TIMEOUT_MS, NEMO_RENDER_TIMEOUT_MS and NEMO_DOWNLOAD_MAX_BYTES.
 */
export function nemoConfig(env: NodeJS.ProcessEnv): NemoConfig {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const locale = (env.LC_ALL || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale || 'en').split(/[._-]/)[0]!.toLowerCase();
  const minutes = 60_000;
  return {
    baseUrl: (env.NEMO_API_URL || DEFAULT_API_URL).replace(/\/+$/, ''),
    envToken: env.NEMO_TOKEN || undefined,
    pollMs: number(env.NEMO_POLL_MS, 30_000),
    retryMs: number(env.NEMO_RETRY_MS, 1_000),
    retryAfterMaxMs: number(env.NEMO_RETRY_AFTER_MAX_MS, 60_000),
    streamTimeoutMs: number(env.NEMO_STREAM_TIMEOUT_MS, 10 * minutes),
    turnTimeoutMs: number(env.NEMO_TURN_TIMEOUT_MS, 20 * minutes),
    requestTimeoutMs: number(env.NEMO_REQUEST_TIMEOUT_MS, 2 * minutes),
    transferTimeoutMs: number(env.NEMO_TRANSFER_TIMEOUT_MS, 60 * minutes),
    renderTimeoutMs: number(env.NEMO_RENDER_TIMEOUT_MS, 60 * minutes),
    downloadMaxBytes: number(env.NEMO_DOWNLOAD_MAX_BYTES, 4 * 1024 ** 3),
    platform: env.NEMO_PLATFORM || 'unknown',
    configDir: join(configHome, 'nemovideo'),
    language: locale === 'c' || locale === 'posix' ? 'en' : locale,
    ffprobe: findFfmpeg(env).ffprobe,
  };
}
