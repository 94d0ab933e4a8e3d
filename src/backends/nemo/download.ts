import { lookup as lookupCallback, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Dispatcher } from 'undici';
import { request } from './http.js';
import { removeStalePartials } from '../../atomic.js';
import { seconds } from '../../display.js';
import { InterruptedError, NemoError } from '../../errors.js';
import { runTool } from '../local/ffmpeg.js';
import { cloudError, snippet } from './cloud-errors.js';
import type { RetryPolicy } from './retry.js';

/** What a download keeps in its step's checkpoint, so a later run resumes the partial file instead of starting over. */
export interface ResumeState {
  /** The link without its query (signed links change; the validator says whether the bytes did). */
  url: string;
  etag?: string;
  lastModified?: string;
  /** The whole file's size, when the answer said it: a partial this long is complete and only needs its check. */
  size?: number;
}

/** What a download needs. */
export interface DownloadOptions {
  dispatcher: Dispatcher;
  retries: RetryPolicy;
  /** The API's base URL: plain http and private addresses are accepted only where the API itself lives. */
  apiUrl: string;
  /** The export format asked for (mp4, mov, webm): the bytes must start the way it does. */
  format: string;
  maxBytes: number;
  timeoutMs: number;
  ffprobe: string;
  signal: AbortSignal;
  /** What an earlier, interrupted run of this download recorded. */
  saved?: ResumeState;
  checkpoint(state: ResumeState): Promise<void>;
  onProgress?(fraction: number): void;
  /** Takes tokens out of what is quoted from an answer. */
  redact(text: string): string;
}

/** The partial file a download of `dest` grows in: one fixed name, so a later run can find and resume it. */
function downloadPartial(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.download`);
}

/**
 * Downloads a video to `dest`. The link must pass `checkDownloadUrl`; the bytes grow in a partial file beside `dest`,
 * resumed with `Range` + `If-Range` after a dropped connection (in this run or, through the checkpoint, the next);
 * the answer must be a video by its content type, its first bytes and ffprobe, and no larger than `maxBytes`, before
 * it is renamed into place. No token or other header goes with the request: output links are a CDN's.
 */
export async function downloadVideo(link: string, dest: string, opts: DownloadOptions): Promise<void> {
  const url = await checkDownloadUrl(link, opts.apiUrl);
  await mkdir(dirname(dest), { recursive: true });
  const partial = downloadPartial(dest);
  await removeLeftovers(dest, partial);
  const where = `${url.origin}${url.pathname}`;
  let resume = opts.saved?.url === where && (opts.saved.etag || opts.saved.lastModified) ? opts.saved : undefined;
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  const signal = AbortSignal.any([opts.signal, deadline]);
  const retries = opts.retries.start(true, opts.signal);
  try {
    for (;;) {
      const have = resume ? ((await stat(partial).catch(() => undefined))?.size ?? 0) : 0;
      // Complete already (the last run stopped while checking it): checked, not asked for again.
      if (have && have === resume?.size) break;
      const validator = resume?.etag ?? resume?.lastModified;
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, { dispatcher: opts.dispatcher, method: 'GET', signal, headers: have && validator ? { range: `bytes=${have}-`, 'if-range': validator } : {} });
        if (response.statusCode === 416 && have) {
          await response.body.dump();
          // Nothing after the partial's end: it is the whole file when the server's size is its size. Else start over.
          if (unsatisfiedSize(response.headers) === have) break;
          await rm(partial, { force: true });
          resume = undefined;
          continue;
        }
        if (response.statusCode !== 200 && response.statusCode !== 206) {
          await response.body.dump();
          if (await retries.again({ kind: 'status', status: response.statusCode, retryAfter: response.headers['retry-after'] })) continue;
          throw cloudError('download', ` (${url.host} answered HTTP ${response.statusCode})`, { status: response.statusCode });
        }
        const append = response.statusCode === 206 && have > 0 && rangeStart(response.headers) === have;
        if (response.statusCode === 206 && !append) {
          await response.body.dump();
          throw cloudError('download', ` (${url.host} answered a range it was not asked for)`);
        }
        await checkHeaders(response, url.host, opts);
        resume = { url: where, etag: header(response.headers.etag), lastModified: header(response.headers['last-modified']), size: expectedSize(response.headers, append ? have : 0) };
        // Recorded before the first byte is written, so a partial file on disk always has its validator in the journal.
        await opts.checkpoint(resume);
        await receive(response, partial, append ? have : 0, opts, url.host);
      } catch (error) {
        if (opts.signal.aborted) throw new InterruptedError(opts.signal.reason);
        if (deadline.aborted) throw cloudError('downloadTimeout', ` in ${seconds(opts.timeoutMs)} (from ${url.host})`, { cause: error });
        if (error instanceof NemoError) throw error;
        const privateAddress = findCode(error, PRIVATE_ADDRESS);
        if (privateAddress) throw cloudError('badUrl', ` from ${url.host}: ${privateAddress.message}`);
        if (await retries.again({ kind: 'connection', error })) continue;
        throw cloudError('downloadNetwork', ` (${url.host}: ${(error as { code?: string }).code ?? (error as Error).message})`, { cause: error });
      }
      break;
    }
    await checkVideo(partial, opts, url.host);
    await rename(partial, dest);
  } catch (error) {
    // An interrupted or cut download keeps its partial file for the next run; a refused one leaves nothing.
    if (error instanceof NemoError && (error.code === 'E_OUTPUT' || error.code === 'E_BACKEND_PROTOCOL')) await rm(partial, { force: true });
    throw error;
  }
}

/** Streams the body onto the partial file from `offset`; each chunk is on disk before the next is read. */
async function receive(response: Dispatcher.ResponseData, partial: string, offset: number, opts: DownloadOptions, host: string): Promise<void> {
  const total = expectedSize(response.headers, offset);
  let received = offset;
  const file = await open(partial, offset ? 'r+' : 'w');
  try {
    await file.truncate(offset);
    for await (const chunk of response.body) {
      await file.write(chunk as Buffer, 0, (chunk as Buffer).length, received);
      received += (chunk as Buffer).length;
      if (received > opts.maxBytes) {
        response.body.destroy();
        throw cloudError('tooBig', `: more than ${opts.maxBytes} bytes from ${host}`);
      }
      if (total) opts.onProgress?.(received / total);
    }
  } finally {
    await file.close();
  }
  // A body that ends short is a dropped connection: the next attempt resumes it.
  if (total && received !== total) throw Object.assign(new Error(`short download: ${received} of ${total} bytes`), { code: 'UND_ERR_SOCKET' });
}

const VIDEO_TYPES = /^(?:video\/|application\/(?:octet-stream|mp4|webm|x-matroska|quicktime)|binary\/octet-stream)/i;

/** Refuses an answer that says it is not a video, or that is larger than the bound, before any byte is kept. */
async function checkHeaders(response: Dispatcher.ResponseData, host: string, opts: DownloadOptions): Promise<void> {
  const type = header(response.headers['content-type']) ?? '';
  if (type && !VIDEO_TYPES.test(type)) {
    const text = opts.redact(await readSome(response.body, 512));
    throw cloudError('notVideo', ` (from ${host}: ${snippet(type, 60)}${text ? `, starting "${snippet(text)}"` : ''})`);
  }
  const total = expectedSize(response.headers, 0);
  if (total !== undefined && total > opts.maxBytes) {
    await response.body.dump().catch(() => {});
    throw cloudError('tooBig', `: ${total} bytes from ${host}, more than ${opts.maxBytes}`);
  }
}

/** The first bytes of each container a format may come in (an MP4 or MOV box at offset 4; WebM/Matroska EBML at 0). */
const MAGIC: Record<string, (head: Buffer) => boolean> = {
  mp4: (h) => h.toString('latin1', 4, 8) === 'ftyp',
  mov: (h) => ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'].includes(h.toString('latin1', 4, 8)),
  webm: (h) => h.readUInt32BE(0) === 0x1a45dfa3,
};

/** The complete download must start like the format asked for and be read by ffprobe with a picture in it. */
async function checkVideo(partial: string, opts: DownloadOptions, host: string): Promise<void> {
  const file = await open(partial, 'r');
  const head = Buffer.alloc(12);
  const { bytesRead } = await file.read(head, 0, 12, 0).finally(() => file.close());
  const size = (await stat(partial)).size;
  const magic = MAGIC[opts.format] ?? ((h: Buffer) => MAGIC.mp4!(h) || MAGIC.webm!(h));
  if (bytesRead < 12 || !magic(head)) {
    throw cloudError('notVideo', ` (from ${host}: ${size} bytes that do not start like ${opts.format.toUpperCase()}: "${snippet(opts.redact(head.subarray(0, bytesRead).toString('latin1')), 12)}")`);
  }
  let streams: { codec_type?: string }[] | undefined;
  try {
    const { stdout } = await runTool(opts.ffprobe, ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json', partial], { signal: opts.signal });
    streams = (JSON.parse(stdout) as { streams?: { codec_type?: string }[] }).streams;
  } catch (error) {
    if (!(error instanceof NemoError && error.code === 'E_FFMPEG_EXIT') && !(error instanceof SyntaxError)) throw error;
  }
  if (!streams?.some((s) => s.codec_type === 'video')) throw cloudError('notVideo', ` (from ${host}: ${size} bytes that ffprobe cannot read as a video)`);
}

/** How long a download partial of another output may lie untouched before it counts as abandoned. */
const ABANDONED_MS = 60 * 60_000;

/**
 * Cleans the output folder of what killed runs left: the random-named partials of processes that are gone (atomic.ts),
 * and `.<name>.download` partials untouched for an hour (an output renamed since, or another recipe's given up), but
 * never this output's own partial, which its checkpoint may resume.
 */
async function removeLeftovers(dest: string, partial: string): Promise<void> {
  const dir = dirname(dest);
  await removeStalePartials(dir, Date.now());
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (!/^\..+\.download$/.test(name) || path === partial) continue;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && Date.now() - info.mtimeMs > ABANDONED_MS) await rm(path, { force: true });
  }
}

/** Addresses a download must not reach unless the API itself lives there: private, loopback, link-local, multicast. */
const PRIVATE = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3]] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(net, bits, 'ipv6');

function isPrivate(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return PRIVATE.check(mapped, 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

async function addresses(hostname: string): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return [host];
  return (await lookup(host, { all: true })).map((a) => a.address);
}

/**
 * Accepts only `https:` links (and `http:` to the API's own host and port), to hosts that are not private, loopback or
 * link-local addresses unless the API itself is there; the message names the link's host.
 */
export async function checkDownloadUrl(link: string, apiUrl: string): Promise<URL> {
  const api = new URL(apiUrl);
  let url: URL;
  try {
    url = new URL(link, apiUrl);
  } catch {
    throw cloudError('badUrl', `: "${snippet(link)}" is not a link`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && url.host === api.host)) {
    throw cloudError('badUrl', ` from ${url.host || snippet(link, 40)}: only https: links are followed (http: only to the API's own host, ${api.host})`);
  }
  let found: string[];
  try {
    found = await addresses(url.hostname);
  } catch (error) {
    throw cloudError('downloadNetwork', ` (cannot resolve ${url.hostname})`, { cause: error });
  }
  const own = await addresses(api.hostname).catch(() => [] as string[]);
  const refused = found.find((a) => isPrivate(a) && !own.includes(a));
  if (refused) throw cloudError('badUrl', ` from ${url.host}: ${refused} is a private, loopback or link-local address`);
  return url;
}

const PRIVATE_ADDRESS = 'E_PRIVATE_ADDRESS';

/** The options of a lookup done for net.connect (Node asks for every address when it may try several). */
type ConnectLookup = (hostname: string, options: LookupOptions, callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void) => void;

/**
 * The DNS lookup of download connections: it refuses what `checkDownloadUrl` refuses, at connect time, so a host
 * that resolves to a public address for the check and to a private one for the connection (DNS rebinding) is refused.
 */
export function guardedLookup(apiUrl: string): ConnectLookup {
  let own: Promise<string[]> | undefined;
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, []);
      own ??= addresses(new URL(apiUrl).hostname).catch(() => []);
      void own.then((allowed) => {
        const refused = found.find((a) => isPrivate(a.address) && !allowed.includes(a.address));
        if (refused) return callback(Object.assign(new Error(`${hostname} resolves to ${refused.address}, a private, loopback or link-local address`), { code: PRIVATE_ADDRESS }), []);
        if (options.all) callback(null, found);
        else callback(null, found[0]!.address, found[0]!.family);
      });
    });
  };
}

/** The error, or one of its causes, with this code. */
function findCode(error: unknown, code: string): Error | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if ((e as { code?: string }).code === code) return e;
  return undefined;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function rangeStart(headers: Dispatcher.ResponseData['headers']): number | undefined {
  const match = /^bytes (\d+)-/.exec(header(headers['content-range']) ?? '');
  return match ? Number(match[1]) : undefined;
}

// The size a 416 answer gives for the whole file: `Content-Range: bytes */N`.
function unsatisfiedSize(headers: Dispatcher.ResponseData['headers']): number | undefined {
  const match = /^bytes \*\/(\d+)$/.exec(header(headers['content-range']) ?? '');
  return match ? Number(match[1]) : undefined;
}

function expectedSize(headers: Dispatcher.ResponseData['headers'], offset: number): number | undefined {
  const range = /\/(\d+)$/.exec(header(headers['content-range']) ?? '');
  if (range) return Number(range[1]);
  const length = Number(header(headers['content-length']));
  return Number.isFinite(length) && length > 0 ? offset + length : undefined;
}

async function readSome(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    text += String(chunk);
    if (text.length >= max) break;
  }
  body.destroy();
  return text.slice(0, max);
}
