import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A temp name next to `target`, unique per attempt so an overlapping retry cannot interleave writes. */
function tempPathFor(target: string): string {
  return `${target}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/**
 * Writes `chunks` to `target` atomically: temp file, fsync, rename. Readers see the old
 * contents or the new, never a half-written file, even after a crash.
 */
export async function writeFileAtomic(target: string, chunks: Iterable<string> | AsyncIterable<string>): Promise<number> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const fh = await open(tmp, 'w');
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      // Awaiting each write is the backpressure: at most one chunk is buffered.
      const { bytesWritten } = await fh.write(chunk, null, 'utf8');
      bytes += bytesWritten;
    }
    await fh.datasync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return bytes;
}
