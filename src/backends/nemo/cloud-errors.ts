import { printable } from '../../display.js';
import { ExitCode, NemoError, type ErrorCode } from '../../errors.js';
import { ACCEPTED_TYPES, MAX_INPUT_BYTES } from '../../recipe/recipe.types.js';

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

  /** The same error, about one thing (a file name): "logo.png: the cloud does not accept this file type". */
  about(subject: string): BackendError {
    return new BackendError(this.code, `${subject}: ${this.message}`, { hint: this.hint, exitCode: this.exitCode, nemoCode: this.nemoCode, status: this.status, cause: this });
  }
}

/** The session is gone (code 1002): its uploads and edits must be redone in a new one. */
export class SessionLostError extends BackendError {
  constructor() {
    super('E_BACKEND_SESSION', 'the cloud session was lost', { nemoCode: 1002 });
  }
}

/** Who the client was to the API when it failed: the advice differs for a user's own token and an anonymous one. */
export interface Caller {
  source?: 'env' | 'stored' | 'anonymous';
  userId?: string;
}

interface Entry {
  code: ErrorCode;
  message: string;
  hint?: string | ((caller: Caller) => string);
  exitCode?: ExitCode;
}

const refused = ExitCode.refused;
const limit = `${MAX_INPUT_BYTES / 1024 / 1024} MB`;

/** Every failure the cloud backend reports: code, message (the detail is appended), hint and exit code. */
const CLOUD_ERRORS = {
  tokenRefused: { code: 'E_BACKEND_AUTH', message: 'NEMO_TOKEN was refused: it is expired or invalid', hint: 'set a valid NEMO_TOKEN, or unset it to use a free anonymous token', exitCode: refused },
  anonymousRefused: { code: 'E_BACKEND_AUTH', message: 'the NemoVideo API refused a fresh anonymous token', hint: 'try again later', exitCode: refused },
  credits: {
    code: 'E_BACKEND_CREDITS',
    message: 'out of NemoVideo credits',
    hint: (c) => (c.source === 'env' ? 'top up your NemoVideo account, then run again' : `register to get more: https://nemovideo.ai/?bind=${c.userId ?? ''}`),
    exitCode: refused,
  },
  fileType: { code: 'E_BACKEND_FILE', message: 'the cloud does not accept this file type', hint: `accepted types: ${ACCEPTED_TYPES}`, exitCode: refused },
  fileSize: { code: 'E_BACKEND_FILE', message: `the file is too large for the cloud (limit ${limit})`, hint: `compress or trim it below ${limit}`, exitCode: refused },
  planLimit: {
    code: 'E_BACKEND_PLAN_LIMIT',
    message: 'the NemoVideo plan does not allow this export (HTTP 402): a plan limit, not credits',
    hint: 'upgrade the NemoVideo subscription, or render with `--backend local`',
    exitCode: refused,
  },
  rateLimited: { code: 'E_BACKEND_HTTP', message: 'the NemoVideo API is rate limiting us (HTTP 429), twice in a row', hint: 'wait a minute and run again' },
  waitTooLong: { code: 'E_BACKEND_HTTP', message: 'the NemoVideo API is rate limiting us (HTTP 429)', hint: 'run again later, or raise NEMO_RETRY_AFTER_MAX_MS' },
  http: { code: 'E_BACKEND_HTTP', message: 'the NemoVideo API answered' },
  unreachable: { code: 'E_BACKEND_NETWORK', message: 'cannot reach the NemoVideo API', hint: 'check the network, or NEMO_API_URL if you set it' },
  timeout: { code: 'E_BACKEND_TIMEOUT', message: 'the NemoVideo API did not finish answering', hint: 'check the network; NEMO_REQUEST_TIMEOUT_MS (for uploads NEMO_TRANSFER_TIMEOUT_MS) sets the bound' },
  notJson: { code: 'E_BACKEND_PROTOCOL', message: 'the NemoVideo API answered with something that is not JSON', hint: 'the API may be down or behind a proxy; check NEMO_API_URL, or run again later' },
  protocol: { code: 'E_BACKEND_PROTOCOL', message: 'the NemoVideo API answered without' },
  emptyTimeline: { code: 'E_BACKEND_RENDER', message: 'the cloud timeline is empty: there is nothing to export', hint: 'check that the instructions ask for a video (nemo-run plan shows them)' },
  renderFailed: { code: 'E_BACKEND_RENDER', message: 'the cloud render', hint: 'run again to start a new render; export costs no credits' },
  renderTimeout: { code: 'E_BACKEND_TIMEOUT', message: 'the cloud render did not finish', hint: 'it may still finish: run again later to pick it up (NEMO_RENDER_TIMEOUT_MS sets the bound)' },
  download: { code: 'E_BACKEND_HTTP', message: 'the video download failed', hint: 'run again: the part already downloaded is kept and resumed' },
  downloadNetwork: { code: 'E_BACKEND_NETWORK', message: 'the video download failed', hint: 'check the network and run again: the part already downloaded is kept and resumed' },
  downloadTimeout: { code: 'E_BACKEND_TIMEOUT', message: 'the video download did not finish', hint: 'run again: the part already downloaded is kept and resumed; NEMO_TRANSFER_TIMEOUT_MS sets the bound' },
  badUrl: { code: 'E_BACKEND_PROTOCOL', message: 'refused to download the video', hint: 'the cloud gave a download link nemo-run does not follow: only https, and no private or local addresses' },
  notVideo: { code: 'E_OUTPUT', message: 'the cloud\'s download is not a video', hint: 'nothing was written to the output; run again later, the render id is kept' },
  tooBig: { code: 'E_OUTPUT', message: 'the cloud\'s download is too large', hint: 'NEMO_DOWNLOAD_MAX_BYTES sets the bound' },
} satisfies Record<string, Entry>;

/** The error for one entry of the table, with what was seen (`detail`) appended to its message. */
export function cloudError(
  kind: keyof typeof CLOUD_ERRORS,
  detail = '',
  opts: { caller?: Caller; status?: number; nemoCode?: number; cause?: unknown } = {},
): BackendError {
  const entry: Entry = CLOUD_ERRORS[kind];
  const hint = typeof entry.hint === 'function' ? entry.hint(opts.caller ?? {}) : entry.hint;
  return new BackendError(entry.code, `${entry.message}${detail}`, { hint, exitCode: entry.exitCode, status: opts.status, nemoCode: opts.nemoCode, cause: opts.cause });
}

/**
 * Maps an answer that is not a success to the error that says what to do: the protocol's codes first, then the
 * HTTP status. `said` is the answer's own message, already redacted; raw answers are never shown.
 */
export function answerError(status: number, nemoCode: number | undefined, said: string, caller: Caller): BackendError {
  const opts = { caller, status, nemoCode };
  switch (nemoCode) {
    case 1001:
      return cloudError(caller.source === 'env' ? 'tokenRefused' : 'anonymousRefused', '', opts);
    case 1002:
      return new SessionLostError();
    case 2001:
      return cloudError('credits', '', opts);
    case 4001:
      return cloudError('fileType', said ? `: ${said}` : '', opts);
    case 4002:
      return cloudError('fileSize', said ? `: ${said}` : '', opts);
  }
  if (status === 402) return cloudError('planLimit', '', opts);
  if (status === 429) return cloudError('rateLimited', '', opts);
  return cloudError('http', ` HTTP ${status}${nemoCode !== undefined ? ` with code ${nemoCode}` : ''}${said ? `: ${said}` : ''}`, opts);
}

/** At most `max` characters of an answer, on one line, control characters escaped (`printable`): safe to show. */
export function snippet(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return printable(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}
