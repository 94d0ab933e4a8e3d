import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** A file for a multipart upload. */
export interface MultipartFile {
  field: string;
  filename: string;
  path: string;
  size: number;
}

/**
 * A multipart/form-data body that streams the file from disk: memory stays constant whatever its size.
 * (undici 7's own FormData handling does not take Node 20's built-in FormData, so the few framing lines are ours.)
 */
export function multipartBody(file: MultipartFile): { body: Readable; type: string; length: number } {
  const boundary = `----nemo-run-${randomBytes(12).toString('hex')}`;
  const name = file.filename.replace(/["\r\n]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* createReadStream(file.path, { highWaterMark: 256 * 1024 });
    yield tail;
  }
  return { body: Readable.from(parts(), { objectMode: false }), type: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length };
}
