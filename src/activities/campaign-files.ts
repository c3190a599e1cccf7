import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const SAFE_NAME = /^[A-Za-z0-9._-]{1,200}$/;

/** A name usable as one path segment on every OS: no separators, no `.`/`..`. */
export function isSafeFileName(name: string): boolean {
  return SAFE_NAME.test(name) && name !== '.' && name !== '..';
}

/** Where one campaign's files live: one folder per workflow id under `dataDir`. */
export function campaignDir(dataDir: string, workflowId: string): string {
  return join(dataDir, 'campaigns', safeSegment(workflowId));
}

/**
 * Workflow ids may hold any character. Safe ids are used as they are (readable folders);
 * others are sanitised and suffixed with a hash so that two ids never share a folder.
 */
function safeSegment(id: string): string {
  if (isSafeFileName(id)) return id;
  const readable = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${readable}~${hash}`;
}

/** A temp name next to `target`, unique per attempt so an overlapping retry cannot interleave writes. */
export function tempPathFor(target: string): string {
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
