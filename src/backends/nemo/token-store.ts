import type { Stats } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic.js';
import { NemoError } from '../../errors.js';
import { privacyFix, privacyProblem } from '../../private.js';

/** An anonymous token as kept on disk. */
export interface StoredToken {
  token: string;
  userId?: string;
  expiresAt?: string;
}

/**
 * The config folder (`$XDG_CONFIG_HOME/nemovideo/`): the anonymous token (`token.json`, 0600) and the client id.
 * Like ssh, it trusts a token file only when it is the user's own regular file that nobody else can read or write,
 * in a folder nobody else can write; otherwise it refuses, saying what is wrong and how to fix it.
 */
export class TokenStore {
  readonly tokenPath: string;
  private readonly clientIdPath: string;

  constructor(readonly dir: string) {
    this.tokenPath = join(dir, 'token.json');
    this.clientIdPath = join(dir, 'client_id');
  }

  /** The stored token, unless it is missing, unreadable as JSON, or expires within a minute. */
  async read(): Promise<StoredToken | undefined> {
    if (!(await this.checkFolder())) return undefined;
    const info = await lstat(this.tokenPath).catch(() => undefined);
    if (!info) return undefined;
    this.checkFile(info);
    try {
      const stored = JSON.parse(await readFile(this.tokenPath, 'utf8')) as { token?: string; user_id?: string; expires_at?: string };
      const expires = stored.expires_at ? Date.parse(stored.expires_at) : Number.POSITIVE_INFINITY;
      if (!stored.token || expires < Date.now() + 60_000) return undefined;
      return { token: stored.token, userId: stored.user_id, expiresAt: stored.expires_at };
    } catch {
      return undefined;
    }
  }

  /** Keeps a new anonymous token, mode 0600 (written beside and renamed, so a planted link is replaced, not followed). */
  async write(token: StoredToken): Promise<void> {
    await this.writePrivate(this.tokenPath, JSON.stringify({ token: token.token, user_id: token.userId, expires_at: token.expiresAt }));
  }

  /** The client id (a UUID, not a secret); `fresh` replaces it. */
  async clientId(fresh = false): Promise<string> {
    if (!fresh) {
      const id = (await readFile(this.clientIdPath, 'utf8').catch(() => '')).trim();
      if (/^[0-9a-f-]{36}$/i.test(id)) return id;
    }
    const id = randomUUID();
    await this.writePrivate(this.clientIdPath, `${id}\n`);
    return id;
  }

  private async writePrivate(path: string, text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.checkFolder();
    await writeFileAtomic(path, text, 0o600);
  }

  /** Refuses a folder others could write into (they could plant a token); false when there is none yet. */
  private async checkFolder(): Promise<boolean> {
    const info = await stat(this.dir).catch(() => undefined);
    if (!info) return false;
    const problem = privacyProblem(info, 'folder', 0o022);
    if (problem) {
      throw unsafe(`the NemoVideo config folder ${this.dir} ${problem}`, privacyFix(problem, this.dir, '700', 'remove it (nemo-run makes it again, 0700), or set XDG_CONFIG_HOME to a folder of your own'));
    }
    return true;
  }

  private checkFile(info: Stats): void {
    const problem = privacyProblem(info, 'file', 0o077);
    if (problem) {
      const fix = privacyFix(problem, this.tokenPath, '600', `remove it (\`rm ${this.tokenPath}\`; nemo-run fetches a new anonymous token)`);
      throw unsafe(`the NemoVideo token file ${this.tokenPath} ${problem}; nemo-run uses only a token file that is yours alone`, fix);
    }
  }
}

function unsafe(message: string, hint: string): NemoError {
  return new NemoError('E_BACKEND_AUTH', message, { hint });
}
