import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { checkDownloadUrl, guardedLookup } from '../../src/backends/nemo/download.js';

/** Runs the guarded lookup as net.connect does, and returns what it answered. */
function resolve(apiUrl: string, hostname: string, all = true): Promise<{ error: (Error & { code?: string }) | null; found: unknown }> {
  return new Promise((done) => guardedLookup(apiUrl)(hostname, { all }, (error, found) => done({ error, found })));
}

describe('download links and the addresses they may reach', () => {
  it('the connect-time lookup refuses a private address (a rebinding host), and passes public ones on', async () => {
    const local = await resolve('https://api.invalid', 'localhost');
    expect(local.error).toMatchObject({ code: 'E_PRIVATE_ADDRESS', message: expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address$/) });
    const metadata = await resolve('https://api.invalid', '169.254.169.254', false);
    expect(metadata.error?.code).toBe('E_PRIVATE_ADDRESS');
    const open = await resolve('https://api.invalid', '93.184.216.34');
    expect(open).toEqual({ error: null, found: [{ address: '93.184.216.34', family: 4 } satisfies LookupAddress] });
    expect(await resolve('https://api.invalid', '93.184.216.34', false)).toEqual({ error: null, found: '93.184.216.34' });
  });

  it('a connection through the guarded pool to a name that resolves to loopback never reaches the server', async () => {
    let hits = 0;
    const server = createServer((_req, res) => (hits++, res.end('x')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const agent = new Agent({ connect: { lookup: guardedLookup('https://api.invalid') } });
    try {
      const port = (server.address() as AddressInfo).port;
      await expect(request(`http://localhost:${port}/`, { dispatcher: agent })).rejects.toMatchObject({ code: 'E_PRIVATE_ADDRESS' });
      expect(hits).toBe(0);
    } finally {
      await agent.close();
      server.close();
    }
  });

  it('the API\'s own address is allowed, over http too; anything else needs https', async () => {
    await expect(checkDownloadUrl('http://127.0.0.1:8080/files/x.mp4', 'http://127.0.0.1:8080')).resolves.toBeInstanceOf(URL);
    await expect(checkDownloadUrl('https://127.0.0.1:9999/x.mp4', 'http://127.0.0.1:8080')).resolves.toBeInstanceOf(URL);
    await expect(checkDownloadUrl('https://93.184.216.34/x.mp4', 'http://127.0.0.1:8080')).resolves.toBeInstanceOf(URL);
    await expect(checkDownloadUrl('http://93.184.216.34/x.mp4', 'http://127.0.0.1:8080')).rejects.toMatchObject({ code: 'E_BACKEND_PROTOCOL' });
    await expect(checkDownloadUrl('https://[::ffff:10.0.0.1]/x.mp4', 'http://127.0.0.1:8080')).rejects.toMatchObject({ message: expect.stringContaining('is a private') });
  });
});
