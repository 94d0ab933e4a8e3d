import { homedir } from 'node:os';
import { join } from 'node:path';

/** The production API. */
export const DEFAULT_API_URL = 'https://mega-api-prod.nemovideo.ai';

/** Everything the cloud client reads from the environment, read once. */
export interface NemoConfig {
  baseUrl: string;
  /** A token the user supplied (NEMO_TOKEN); never printed. */
  envToken?: string;
  /** Render status polling, and the first wait before checking the state after a dropped stream. */
  pollMs: number;
  /** Base of the backoff between retries of idempotent calls. */
  retryMs: number;
  /** How long a stream may carry nothing but heartbeats. */
  streamTimeoutMs: number;
  /** X-Skill-Platform. */
  platform: string;
  /** Where the client id and the anonymous token are kept. */
  configDir: string;
  /** The session language. */
  language: string;
}

function number(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Reads NEMO_API_URL, NEMO_TOKEN, NEMO_POLL_MS, NEMO_RETRY_MS, NEMO_STREAM_TIMEOUT_MS, NEMO_PLATFORM and XDG_CONFIG_HOME. */
export function nemoConfig(env: NodeJS.ProcessEnv): NemoConfig {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  const locale = (env.LC_ALL || env.LANG || Intl.DateTimeFormat().resolvedOptions().locale || 'en').split(/[._-]/)[0]!.toLowerCase();
  return {
    baseUrl: (env.NEMO_API_URL || DEFAULT_API_URL).replace(/\/+$/, ''),
    envToken: env.NEMO_TOKEN || undefined,
    pollMs: number(env.NEMO_POLL_MS, 30_000),
    retryMs: number(env.NEMO_RETRY_MS, 1_000),
    streamTimeoutMs: number(env.NEMO_STREAM_TIMEOUT_MS, 10 * 60_000),
    platform: env.NEMO_PLATFORM || 'unknown',
    configDir: join(configHome, 'nemovideo'),
    language: locale === 'c' || locale === 'posix' ? 'en' : locale,
  };
}
