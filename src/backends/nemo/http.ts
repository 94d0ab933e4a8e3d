import { createRequire } from 'node:module';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

// undici's Agent and `request`, and nothing else of it. Its index loads every part of undici (mocks, caches,
// proxies, fetch, WebSocket…): some 110 modules and about 9 MB more memory for each cloud run. These two files have
// been where they are since undici 6; test/unit/cloud-http.test.ts checks they still are.
const require = createRequire(import.meta.url);

export const Agent: typeof UndiciAgent = require('undici/lib/dispatcher/agent.js');
export type Agent = UndiciAgent;
const dispatch: (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> = require('undici/lib/api/api-request.js');

/** Options of `request`: undici's, with the pool to send through. */
export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method: Dispatcher.HttpMethod; dispatcher: Dispatcher };

/** undici's `request(url, opts)` for an absolute http(s) URL, through `opts.dispatcher`. */
export function request(url: string | URL, { dispatcher, ...opts }: RequestOptions): Promise<Dispatcher.ResponseData> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return Promise.reject(new TypeError(`not an http(s) URL: ${parsed.protocol}`));
  return dispatch.call(dispatcher, { ...opts, origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` });
}
