import busboy from 'busboy';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { VERSION } from '../../src/version.js';

/** Faults the fake can be told to commit. Turn and request numbers count from 1. */
export interface Faults {
  /** Chat turns that close without any text (the edit still happens). */
  silentTurns?: number[];
  /** Chat turns that close without text and change nothing. */
  idleTurns?: number[];
  /** Chat turns that apply the edit, then send nothing but heartbeats until the client gives up. */
  heartbeatTurns?: number[];
  /** Chat turns that apply the edit, then send partial text every 20 ms and never end. */
  endlessTurns?: number[];
  /** Chat turns whose connection is cut after the edit was applied. */
  droppedTurns?: number[];
  /** Answer 429 (with Retry-After seconds) to the first `times` requests whose path matches. */
  rateLimit?: { path: RegExp; times: number; retryAfter?: number };
  /** Answer 503 to the first `times` requests whose path matches. */
  unavailable?: { path: RegExp; times: number };
  /** Tokens issued so far stop working after this many authorised requests. */
  expireTokensAfter?: number;
  /** The session disappears once it has had this many chat turns (the next turn finds it gone). */
  vanishSessionAfterTurns?: number;
  /** Answer 400 to the first anonymous-token request (as if the client id were missing). */
  rejectFirstClientId?: boolean;
  /** Cut the connection of these uploads (by count) halfway through their body. */
  cutUploads?: number[];
  /** Cut these downloads (by count) halfway through. */
  cutDownloads?: number[];
  /** Refuse uploads with this extension (4001). */
  refuseType?: string;
  /** Refuse files larger than this many bytes (4002); the real limit is 500 MB. */
  maxUploadBytes?: number;
  /** Every export answers HTTP 402 (free plan). */
  planLimit?: boolean;
  renderFails?: boolean;
  /** Every render status answer is this body instead (an HTML page, a JSON with an unknown status). */
  statusAnswer?: { body: string; contentType: string };
  /** Answers to matching paths trickle their body one byte every 100 ms. */
  trickle?: RegExp;
  /** A finished render's download URL, instead of the fake's own. */
  outputUrl?: string;
  /** These downloads (by count) send half the bytes, then hold the connection open. */
  stallDownloads?: number[];
  /** New sessions are answered without a session id. */
  noSessionId?: boolean;
  /** After answering the `times`-th request whose path matches, stop listening (later connections are refused). */
  goAway?: { path: RegExp; times: number };
}

/** A request as the fake saw it. */
export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  json?: any;
  /** The HTTP status the fake answered with, once it did. */
  status?: number;
}

interface StoredFile {
  filename: string;
  size: number;
  sha256: string;
  path: string;
}

interface FakeSession {
  id: string;
  taskId: string;
  token: string;
  draft: { d: number; t: { tt: number; sg: { st: number; d: number; src?: string; m: Record<string, unknown> }[] }[] };
  files: StoredFile[];
  turns: string[];
}

const ACCEPTED = new Set(['mp4', 'mov', 'avi', 'webm', 'mkv', 'jpg', 'jpeg', 'png', 'gif', 'webp', 'mp3', 'wav', 'm4a', 'aac']);
const PLATFORMS = new Set(['clawhub', 'cursor', 'unknown']);
const TURN_COST = 10;

/**
 * A local stand-in for the NemoVideo API that speaks the protocol strictly (a missing header or a wrong body is
 * refused, as the real one would) and can be told to misbehave. It records every request for tests to assert on.
 */
export class NemoFake {
  readonly seen: Seen[] = [];
  readonly sessions = new Map<string, FakeSession>();
  readonly renders = new Map<string, { sessionId: string; polls: number; status: string }>();
  /** How many renders were started (POSTs that created one). */
  renderStarts = 0;
  credits = 100;
  /** Polls a render needs before it completes. */
  renderPolls = 2;
  /** Which status shape renders answer in. */
  statusShape: 'top' | 'data' = 'top';
  /** Whether the chat speaks ADK events or the older flat ones. */
  flatEvents = false;
  /** The bytes a finished render serves (a path), and the content type they are served with. */
  video = '';
  videoType = 'video/mp4';
  faults: Faults = {};
  url = '';
  private server?: Server;
  private dir = '';
  private tokens = new Map<string, { userId: string; valid: boolean }>();
  private authorised = 0;
  private turnCount = 0;
  private uploadCount = 0;
  private downloadCount = 0;
  /** How many bytes the last cut or stalled download sent. */
  halfSent = 0;
  private anonCount = 0;
  private counters = new Map<RegExp, number>();
  private goAwayCount = 0;

  /** Starts listening on 127.0.0.1 at an ephemeral port. */
  async start(video: string): Promise<this> {
    this.video = video;
    this.dir = await mkdtemp(join(tmpdir(), 'nemo-fake-'));
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) json(res, 500, { code: 500, message: String(error) });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Listens again on the same port, after `goAway` stopped it. */
  async reopen(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.listen(Number(new URL(this.url).port), '127.0.0.1', resolve));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
    await rm(this.dir, { recursive: true, force: true });
  }

  /**
   * The environment that points the CLI at this fake: protocol waits shortened, the config folder inside `dir`.
   * `extra` adds or overrides (the tests' small bounds).
   */
  env(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      NEMO_API_URL: this.url,
      NEMO_POLL_MS: '20',
      NEMO_RETRY_MS: '10',
      NEMO_STREAM_TIMEOUT_MS: '3000',
      XDG_CONFIG_HOME: join(dir, 'config'),
      HOME: dir,
      ...extra,
    };
  }

  /** How many times the chat received each instruction. */
  received(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.requests('POST', /^\/run_sse$/)) {
      const text = String(s.json?.new_message?.parts?.[0]?.text);
      counts[text] = (counts[text] ?? 0) + 1;
    }
    return counts;
  }

  /** Requests to a path, in order. */
  requests(method: string, path: RegExp): Seen[] {
    return this.seen.filter((s) => s.method === method && path.test(s.path));
  }

  /** The tokens the fake handed out, to check that none leaks. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const path = url.pathname;
    const seen: Seen = { method: req.method ?? 'GET', path, headers: req.headers };
    this.seen.push(seen);
    res.on('finish', () => (seen.status = res.statusCode));
    if (this.faults.goAway?.path.test(path) && ++this.goAwayCount === this.faults.goAway.times) {
      res.setHeader('connection', 'close');
      res.on('finish', () => this.server?.close());
    }

    if (path.startsWith('/files/') && req.method === 'GET') return this.serveVideo(req, res, path);

    // Attribution on every API request; exports without it fail with 402, as the notes say.
    const attributed =
      req.headers['x-skill-source'] === 'nemo-run' && req.headers['x-skill-version'] === VERSION && PLATFORMS.has(String(req.headers['x-skill-platform']));
    if (!attributed) return json(res, path === '/api/render/proxy/lambda' ? 402 : 400, { code: 400, message: 'missing attribution headers' });
    if (this.tripped('rateLimit', path)) {
      res.setHeader('retry-after', String(this.faults.rateLimit!.retryAfter ?? 1));
      return json(res, 429, { code: 429, message: 'rate limited' });
    }
    if (this.tripped('unavailable', path)) return json(res, 503, { code: 503, message: 'unavailable' });
    if (this.faults.trickle?.test(path)) return trickle(res, JSON.stringify({ code: 0, data: {} }));

    if (path === '/api/auth/anonymous-token' && req.method === 'POST') return this.anonymousToken(req, res);

    const token = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const known = token ? this.tokens.get(token) : undefined;
    if (!token || !known?.valid) return json(res, 200, { code: 1001, message: 'token expired or invalid' });
    this.authorised++;
    if (this.faults.expireTokensAfter !== undefined && this.authorised > this.faults.expireTokensAfter) {
      for (const t of this.tokens.values()) t.valid = false;
      this.faults.expireTokensAfter = undefined;
      return json(res, 200, { code: 1001, message: 'token expired' });
    }

    if (path === '/api/tasks/me/with-session/nemo_agent' && req.method === 'POST') {
      const body = (seen.json = await readJson(req));
      if (!isJson(req) || !exactKeys(body, ['task_name', 'language']) || body.task_name !== 'project' || typeof body.language !== 'string') {
        return json(res, 400, { code: 400, message: 'bad session body' });
      }
      const session: FakeSession = { id: `sess_${randomUUID()}`, taskId: `task_${randomUUID()}`, token, draft: { d: 0, t: [] }, files: [], turns: [] };
      this.sessions.set(session.id, session);
      return json(res, 200, { code: 0, message: 'ok', data: { task_id: session.taskId, ...(this.faults.noSessionId ? {} : { session_id: session.id }) } });
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/upload-video\/nemo_agent\/me\/([^/]+)$/.exec(path)) && req.method === 'POST') return this.upload(req, res, seen, decodeURIComponent(m[1]!));
    if (path === '/run_sse' && req.method === 'POST') return this.chat(req, res, seen);
    if (path === '/api/credits/balance/simple' && req.method === 'GET') {
      return json(res, 200, { code: 0, data: { available: this.credits, frozen: 0, total: this.credits } });
    }
    if ((m = /^\/api\/state\/nemo_agent\/me\/([^/]+)\/latest$/.exec(path)) && req.method === 'GET') {
      const session = this.sessions.get(decodeURIComponent(m[1]!));
      if (!session) return json(res, 200, { code: 1002, message: 'session not found' });
      return json(res, 200, { code: 0, data: { state: { draft: session.draft, video_infos: session.files.map((f) => ({ name: f.filename })), generated_media: [] } } });
    }
    if (path === '/api/render/proxy/lambda' && req.method === 'POST') return this.startRender(req, res, seen);
    if ((m = /^\/api\/render\/proxy\/lambda\/([^/]+)$/.exec(path)) && req.method === 'GET') return this.renderStatus(res, decodeURIComponent(m[1]!));
    if ((m = /^\/api\/render\/proxy\/lambda\/([^/]+)\/cancel$/.exec(path)) && req.method === 'POST') {
      const render = this.renders.get(decodeURIComponent(m[1]!));
      if (render) render.status = 'cancelled';
      return json(res, render ? 200 : 404, { code: render ? 0 : 404 });
    }
    return json(res, 404, { code: 404, message: 'no such endpoint' });
  }

  private tripped(kind: 'rateLimit' | 'unavailable', path: string): boolean {
    const fault = this.faults[kind];
    if (!fault || !fault.path.test(path)) return false;
    const count = (this.counters.get(fault.path) ?? 0) + 1;
    this.counters.set(fault.path, count);
    return count <= fault.times;
  }

  private async anonymousToken(req: IncomingMessage, res: ServerResponse) {
    const clientId = String(req.headers['x-client-id'] ?? '');
    const body = await readText(req);
    this.anonCount++;
    if (!/^[0-9a-f-]{36}$/.test(clientId) || body.length > 0 || (this.faults.rejectFirstClientId && this.anonCount === 1)) {
      return json(res, 400, { code: 400, message: 'missing X-Client-Id' });
    }
    if (req.headers.authorization) return json(res, 400, { code: 400, message: 'no Authorization on this call' });
    const token = `nmv_usr_${randomBytes(12).toString('hex')}`;
    const userId = `anon_${clientId.slice(0, 8)}`;
    this.tokens.set(token, { userId, valid: true });
    return json(res, 200, {
      code: 0,
      data: { token, user_id: userId, expires_at: new Date(Date.now() + 7 * 86_400_000).toISOString(), credits: 100 },
    });
  }

  private async upload(req: IncomingMessage, res: ServerResponse, seen: Seen, sessionId: string) {
    const session = this.sessions.get(sessionId);
    if (!session) {
      req.resume();
      return json(res, 200, { code: 1002, message: 'session not found' });
    }
    if (isJson(req)) {
      const body = (seen.json = await readJson(req));
      if (!exactKeys(body, ['urls', 'source_type']) || body.source_type !== 'url' || !Array.isArray(body.urls)) return json(res, 400, { code: 400, message: 'bad url body' });
      const files = body.urls.map((u: string) => ({ filename: u.split('/').pop(), size: 0, sha256: '', path: u }));
      session.files.push(...files);
      return json(res, 200, { code: 0, data: { files: files.map((f: StoredFile) => describe(f, this.url)) } });
    }
    this.uploadCount++;
    const cut = this.faults.cutUploads?.includes(this.uploadCount);
    const length = Number(req.headers['content-length'] ?? 0);
    const folder = join(this.dir, sessionId);
    await mkdir(folder, { recursive: true });
    const stored: StoredFile[] = [];
    let refused: { code: number; message: string } | undefined;
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: req.headers });
      } catch (error) {
        return reject(error);
      }
      const writes: Promise<void>[] = [];
      parser.on('file', (field, stream, info) => {
        const filename = info.filename ?? '';
        const ext = extname(filename).slice(1).toLowerCase();
        if (field !== 'files') refused = { code: 400, message: `unexpected field ${field}` };
        else if (!ACCEPTED.has(ext) || ext === this.faults.refuseType) refused = { code: 4001, message: `unsupported type .${ext}` };
        if (refused) return void stream.resume();
        const path = join(folder, `${stored.length}-${filename}`);
        const hash = createHash('sha256');
        let size = 0;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          hash.update(chunk);
        });
        writes.push(
          new Promise((done, fail) =>
            stream.pipe(createWriteStream(path)).on('finish', () => {
              if (size > (this.faults.maxUploadBytes ?? 500 * 1024 * 1024)) refused = { code: 4002, message: 'file too large' };
              else stored.push({ filename, size, sha256: hash.digest('hex'), path });
              done();
            }).on('error', fail),
          ),
        );
      });
      parser.on('close', () => Promise.all(writes).then(() => resolve(), reject));
      parser.on('error', reject);
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (cut && received > length / 2) {
          req.socket.destroy();
          reject(new Error('cut'));
        }
      });
      req.on('aborted', () => reject(new Error('aborted')));
      req.pipe(parser);
    }).catch(() => {
      refused = { code: -1, message: 'incomplete' };
    });
    if (refused?.code === -1) return; // the connection is gone; nothing was kept
    if (refused) return json(res, refused.code === 400 ? 400 : 200, refused);
    if (!stored.length) return json(res, 400, { code: 400, message: 'no files' });
    session.files.push(...stored);
    return json(res, 200, { code: 0, data: { files: stored.map((f) => describe(f, this.url)) } });
  }

  private async chat(req: IncomingMessage, res: ServerResponse, seen: Seen) {
    const body = (seen.json = await readJson(req));
    const well =
      req.headers.accept === 'text/event-stream' &&
      isJson(req) &&
      exactKeys(body, ['app_name', 'user_id', 'session_id', 'new_message']) &&
      body.app_name === 'nemo_agent' &&
      body.user_id === 'me' &&
      exactKeys(body.new_message, ['parts']) &&
      typeof body.new_message.parts?.[0]?.text === 'string';
    if (!well) return json(res, 400, { code: 400, message: 'bad run_sse request' });
    const session = this.sessions.get(body.session_id);
    if (session && this.faults.vanishSessionAfterTurns !== undefined && session.turns.length >= this.faults.vanishSessionAfterTurns) {
      this.sessions.delete(session.id);
      this.faults.vanishSessionAfterTurns = undefined;
    }
    if (!session || !this.sessions.has(session.id)) return json(res, 200, { code: 1002, message: 'session not found' });
    if (this.credits < TURN_COST) return json(res, 200, { code: 2001, message: 'insufficient credits' });
    const turn = ++this.turnCount;
    const text: string = body.new_message.parts[0].text;
    const f = this.faults;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (data: unknown) => res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
    const heartbeat = () => (this.flatEvents ? send({ type: 'heartbeat' }) : res.write('data: \n\n'));

    if (f.heartbeatTurns?.includes(turn) || f.endlessTurns?.includes(turn)) {
      this.edit(session, text);
      this.credits -= TURN_COST;
      const part = { author: 'nemo_agent', content: { role: 'model', parts: [{ text: 'Working' }] }, partial: true };
      const timer = setInterval(() => (f.endlessTurns?.includes(turn) ? send(part) : heartbeat()), 20);
      res.on('close', () => clearInterval(timer));
      return;
    }
    heartbeat();
    send(this.flatEvents ? { type: 'tool_call', name: 'edit_timeline', args: { text } } : { author: 'nemo_agent', content: { role: 'model', parts: [{ functionCall: { name: 'edit_timeline', args: { text } } }] }, partial: false });
    if (!f.idleTurns?.includes(turn)) {
      this.edit(session, text);
      this.credits -= TURN_COST;
    }
    if (f.droppedTurns?.includes(turn)) return void res.socket?.destroy();
    if (f.silentTurns?.includes(turn) || f.idleTurns?.includes(turn)) return void res.end();
    const reply = `Done: ${text}. Click the Export button to download your video.`;
    if (this.flatEvents) send({ type: 'text', content: reply });
    else {
      send({ author: 'nemo_agent', content: { role: 'model', parts: [{ text: reply.slice(0, 10) }] }, partial: true });
      send({ author: 'nemo_agent', content: { role: 'model', parts: [{ text: reply.slice(10) }] }, partial: true });
      send({ author: 'nemo_agent', content: { role: 'model', parts: [{ text: reply }] }, partial: false });
    }
    res.end();
  }

  /** A deterministic edit: the first turn lays out the uploads, later ones add music, a title, or note the edit. */
  private edit(session: FakeSession, text: string) {
    session.turns.push(text);
    const draft = session.draft;
    const media = session.files.filter((f) => !/\.(mp3|wav|m4a|aac)$/i.test(f.filename));
    if (!draft.t.length) {
      draft.t.push({ tt: 0, sg: media.map((f, i) => ({ st: i * 3000, d: 3000, src: f.filename, m: { kind: /\.(jpe?g|png|gif|webp)$/i.test(f.filename) ? 'image' : 'video' } })) });
      draft.d = media.length * 3000;
    }
    const quoted = /"([^"]+)"/.exec(text)?.[1];
    if (/music/i.test(text)) draft.t.push({ tt: 1, sg: [{ st: 0, d: draft.d, src: 'Lo-fi', m: { name: 'Lo-fi', volume: 0.35 } }] });
    else if (quoted) draft.t.push({ tt: 7, sg: [{ st: 0, d: 3000, m: { text: quoted, kind: 'title' } }] });
    draft.t[0]!.sg[0]!.m.edits = session.turns.length;
  }

  private async startRender(req: IncomingMessage, res: ServerResponse, seen: Seen) {
    const body = (seen.json = await readJson(req));
    if (this.faults.planLimit) return json(res, 402, { code: 402, message: 'free plan export blocked' });
    const well =
      isJson(req) &&
      exactKeys(body, ['id', 'sessionId', 'draft', 'output']) &&
      /^render_\d+$/.test(body.id) &&
      typeof body.draft === 'object' &&
      exactKeys(body.output, ['format', 'quality']);
    if (!well) return json(res, 400, { code: 400, message: 'bad render body' });
    if (!this.sessions.has(body.sessionId)) return json(res, 200, { code: 1002, message: 'session not found' });
    if (!this.renders.has(body.id)) {
      this.renderStarts++;
      this.renders.set(body.id, { sessionId: body.sessionId, polls: 0, status: 'queued' });
    }
    return json(res, 200, { code: 0, data: { id: body.id, status: 'queued' } });
  }

  private renderStatus(res: ServerResponse, id: string) {
    if (this.faults.statusAnswer) {
      res.writeHead(200, { 'content-type': this.faults.statusAnswer.contentType });
      return void res.end(this.faults.statusAnswer.body);
    }
    const render = this.renders.get(id);
    if (!render) return json(res, 404, { code: 404, message: 'no such render' });
    render.polls++;
    // A render that finished (or failed, or was cancelled) stays that way.
    if (render.status === 'queued' || render.status === 'processing') {
      render.status = render.polls >= this.renderPolls ? (this.faults.renderFails ? 'failed' : 'completed') : 'processing';
    }
    const progress = Math.min(100, Math.round((render.polls / this.renderPolls) * 100));
    const url = render.status === 'completed' ? (this.faults.outputUrl ?? `${this.url}/files/${id}.mp4`) : undefined;
    if (this.statusShape === 'data') return json(res, 200, { success: true, data: { id, status: render.status, progress, outputUrl: url } });
    return json(res, 200, { status: render.status, progress, ...(url ? { output: { url } } : {}) });
  }

  private async serveVideo(req: IncomingMessage, res: ServerResponse, path: string) {
    const id = path.slice('/files/'.length).replace(/\.mp4$/, '');
    if (this.renders.get(id)?.status !== 'completed') return json(res, 404, { code: 404 });
    if (req.headers.authorization) return json(res, 400, { code: 400, message: 'the CDN takes no token' });
    this.downloadCount++;
    const info = await stat(this.video);
    const size = info.size;
    const etag = `"${size}-${Math.floor(info.mtimeMs)}"`;
    // A range is honoured only with an If-Range that still holds, as a CDN does when resuming is safe.
    const asked = /^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''));
    const range = asked && (req.headers['if-range'] === undefined || req.headers['if-range'] === etag) ? asked : null;
    const start = range ? Number(range[1]) : 0;
    // A range that starts at or past the end cannot be satisfied, as real servers and CDNs answer.
    if (range && start >= size) {
      res.writeHead(416, { 'content-range': `bytes */${size}`, etag });
      return void res.end();
    }
    res.writeHead(range ? 206 : 200, {
      'content-type': this.videoType,
      'accept-ranges': 'bytes',
      etag,
      'last-modified': new Date(info.mtimeMs).toUTCString(),
      'content-length': String(size - start),
      ...(range ? { 'content-range': `bytes ${start}-${size - 1}/${size}` } : {}),
    });
    const count = this.downloadCount;
    if (this.faults.cutDownloads?.includes(count) || this.faults.stallDownloads?.includes(count)) {
      // Half the bytes reach the client, then the connection drops (or hangs, for a test to kill the client).
      const bytes = (await readFile(this.video)).subarray(start);
      this.halfSent = Math.floor(bytes.length / 2);
      res.write(bytes.subarray(0, this.halfSent), () => {
        if (this.faults.cutDownloads?.includes(count)) setTimeout(() => res.socket?.destroy(), 100);
      });
      return;
    }
    createReadStream(this.video, { start }).pipe(res);
  }

  /** The bytes of a stored upload, for byte comparisons. */
  async stored(file: StoredFile): Promise<Buffer> {
    return readFile(file.path);
  }
}

function describe(f: StoredFile, base: string) {
  const ext = extname(f.filename).slice(1).toLowerCase();
  return {
    filename: f.filename,
    file_type: /mp3|wav|m4a|aac/.test(ext) ? 'audio' : /jpg|jpeg|png|gif|webp/.test(ext) ? 'image' : 'video',
    cdn_url: `${base}/cdn/${encodeURIComponent(f.filename)}`,
    duration: 0,
    width: 0,
    height: 0,
    fps: 0,
    hash: f.sha256,
  };
}

/** Sends a JSON answer one byte every 100 ms, as a server stuck behind a slow proxy might. */
function trickle(res: ServerResponse, text: string) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
  let at = 0;
  const timer = setInterval(() => (at < text.length ? res.write(text[at++]!) : (clearInterval(timer), res.end())), 100);
  res.on('close', () => clearInterval(timer));
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function isJson(req: IncomingMessage): boolean {
  return String(req.headers['content-type'] ?? '').startsWith('application/json');
}

function exactKeys(value: unknown, keys: string[]): boolean {
  return Boolean(value) && typeof value === 'object' && Object.keys(value as object).sort().join() === [...keys].sort().join();
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

async function readJson(req: IncomingMessage): Promise<any> {
  try {
    return JSON.parse(await readText(req));
  } catch {
    return undefined;
  }
}
