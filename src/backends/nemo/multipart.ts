import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';

/** A file for a multipart upload. */
export interface MultipartFile {
  field: string;
  filename: string;
  path: string;
  size: number;
}

/** The size of one read of the file, and how many such buffers an upload reuses in turn. */
const CHUNK = 256 * 1024;
const BUFFERS = 4;

/**
 * A multipart/form-data body that streams the file from disk: memory stays constant whatever its size.
 * (undici 7's own FormData handling does not take Node 20's built-in FormData, so the few framing lines are ours.)
 */
export function multipartBody(file: MultipartFile): { body: AsyncIterable<Buffer>; type: string; length: number } {
  const boundary = `----nemo-run-${randomBytes(12).toString('hex')}`;
  const name = file.filename.replace(/["\r\n]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts() {
    yield head;
    yield* fileChunks(file.path, file.size);
    yield tail;
  }
  return { body: parts(), type: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length };
}

/**
 * The file's bytes, read into a few buffers used in turn instead of a new buffer per read: a new one per read
 * leaves tens of megabytes of spent buffers for the garbage collector to find. A buffer is read into again only
 * after the chunks that follow it were asked for, and undici asks for the next chunk only once the socket took the
 * last one (or, when it could not, after it drained), so no chunk is overwritten while it is being sent
 * (an upload test checks the bytes).
 */
async function* fileChunks(path: string, size: number): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(CHUNK));
    for (let position = 0, turn = 0; position < size; turn++) {
      const buffer = buffers[turn % BUFFERS]!;
      const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, size - position), position);
      // A file that shrank since it was measured: the body comes out short and undici refuses it.
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}
