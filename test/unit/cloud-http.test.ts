import busboy from 'busboy';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as undici from 'undici';
import { describe, expect, it } from 'vitest';
import { Agent, request } from '../../src/backends/nemo/http.js';
import { multipartBody } from '../../src/backends/nemo/multipart.js';
import { tmpProject } from '../helpers/tmp.js';

describe('the HTTP client parts and the upload body', () => {
  it("uses undici's own Agent (loaded without the rest of undici)", () => {
    expect(Agent).toBe(undici.Agent);
  });

  it('a streamed upload arrives byte for byte, even when the server reads slowly (its buffers are reused)', async () => {
    const dir = await tmpProject();
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    const path = join(dir, 'random.mp4');
    await writeFile(path, bytes);
    // A server that stops reading now and then, so the socket fills and the client has to wait for it to drain.
    const server = createServer((req, res) => {
      const hash = createHash('sha256');
      let size = 0;
      const parser = busboy({ headers: req.headers });
      parser.on('file', (_name, file) => file.on('data', (chunk: Buffer) => (hash.update(chunk), (size += chunk.length))));
      parser.on('close', () => res.end(JSON.stringify({ size, sha256: hash.digest('hex') })));
      let chunks = 0;
      req.on('data', () => {
        if (++chunks % 8 !== 0) return;
        req.pause();
        setTimeout(() => req.resume(), 5);
      });
      req.pipe(parser);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = new Agent();
    try {
      const body = multipartBody({ field: 'files', filename: 'random.mp4', path, size: bytes.length });
      const response = await request(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`, {
        dispatcher: agent,
        method: 'POST',
        headers: { 'content-type': body.type, 'content-length': String(body.length) },
        body: body.body as undici.Dispatcher.DispatchOptions['body'],
      });
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    } finally {
      await agent.close();
      server.close();
    }
  });

  it('refuses a URL that is not http(s)', async () => {
    const agent = new Agent();
    await expect(request('ftp://example.invalid/x', { dispatcher: agent, method: 'GET' })).rejects.toThrow(/not an http\(s\) URL/);
    await agent.close();
  });
});
