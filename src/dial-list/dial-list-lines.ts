import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import type { DialListEncoding } from '../domain/campaign';

/** A file's bytes are not in the encoding it was read with: where the first bad byte is. */
export class EncodingError extends Error {
  override readonly name = 'EncodingError';

  constructor(
    readonly file: string,
    /** 1-based line of the bad byte. */
    readonly line: number,
    /** 0-based offset of the bad byte in the file. */
    readonly offset: number,
    readonly byte: number,
  ) {
    super(
      `dial list ${file} is not UTF-8: line ${line} holds the byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} (offset ${offset} of the file), ` +
        'which cannot start or continue a UTF-8 character. Save the list as UTF-8, or read it as Latin-1 with encoding latin1 (--encoding latin1).',
    );
  }
}

/** One line of a file, without its line break. */
export interface TextLine {
  text: string;
  /** 1-based. */
  line: number;
  /** The break that ended it: "\n", "\r\n" or "\r"; "" for a last line without one. */
  end: string;
}

const UTF8_BOM = '\uFEFF';
const REPLACEMENT = '\uFFFD';
const READ_CHUNK_BYTES = 1024 * 1024;

function decoderFor(encoding: DialListEncoding): TextDecoder {
  // Latin-1 as Windows-1252 (the WHATWG reading of the label): every byte is a character, so it never fails.
  // The BOM is kept in the text (ignoreBOM) so byte counts stay exact; lines drop it themselves.
  return encoding === 'latin1' ? new TextDecoder('windows-1252') : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/**
 * The lines of a dial-list file, read a chunk at a time. Lines end at "\n" (a "\r" before it
 * is dropped) or, in a file whose first line break is a lone "\r", at "\r". A UTF-8 BOM is
 * dropped. Bytes that are not UTF-8 throw an EncodingError naming the line and byte: a
 * replacement character would silently change names in the contact attributes.
 */
export async function* fileLines(file: string, encoding: DialListEncoding = 'utf8'): AsyncIterable<TextLine> {
  for await (const lines of fileLineBatches(file, encoding)) yield* lines;
}

/** fileLines a read chunk at a time: one step per chunk rather than per line, for big files. */
export async function* fileLineBatches(file: string, encoding: DialListEncoding = 'utf8'): AsyncIterable<TextLine[]> {
  const decoder = decoderFor(encoding);
  const splitter = new LineSplitter();
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  // Bytes before `carry` decoded to complete characters; `carry` holds the start of one cut by the chunk's end.
  let decodedBytes = 0;
  let carry: Buffer = Buffer.alloc(0);
  const located = (bytes: Buffer): EncodingError => locateBadByte(file, bytes, decodedBytes, splitter.lineNumber, splitter.lineBreak);
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw located(Buffer.concat([carry, chunk]));
      }
      const lines = splitter.push(text);
      if (lines.length > 0) yield lines;
      if (encoding === 'utf8') {
        const fed = carry.length + chunk.length;
        const consumed = Buffer.byteLength(text, 'utf8');
        decodedBytes += consumed;
        carry = fed - consumed <= chunk.length ? chunk.subarray(chunk.length - (fed - consumed)) : Buffer.concat([carry, chunk]).subarray(consumed);
      }
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw located(carry);
    }
    const lines = [...splitter.push(tail), ...splitter.end()];
    if (lines.length > 0) yield lines;
  } finally {
    input.destroy();
  }
}

/** A whole file's text, for formats read in one piece; the same decoding rules as fileLines. */
export async function fileText(file: string, encoding: DialListEncoding = 'utf8'): Promise<string> {
  const bytes = await readFile(file);
  let text: string;
  try {
    text = decoderFor(encoding).decode(bytes);
  } catch {
    throw locateBadByte(file, bytes, 0, 1, '\n');
  }
  return text.startsWith(UTF8_BOM) && encoding === 'utf8' ? text.slice(1) : text;
}

/**
 * Where the first byte that is not UTF-8 is in `bytes`, which start on a character boundary
 * at file offset `offset` on line `line`. Decoded leniently, the bad bytes become U+FFFD; a
 * U+FFFD that the file itself holds (EF BF BD) is passed over.
 */
function locateBadByte(file: string, bytes: Buffer, offset: number, line: number, lineBreak: string): EncodingError {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  for (let i = text.indexOf(REPLACEMENT); i >= 0; i = text.indexOf(REPLACEMENT, i + 1)) {
    // Everything before the first bad byte is valid UTF-8, so the text before it measures it exactly.
    const at = Buffer.byteLength(text.slice(0, i), 'utf8');
    if (bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd) continue;
    return new EncodingError(file, line + countOf(text.slice(0, i), lineBreak), offset + at, bytes[at] ?? 0);
  }
  // Not reached: the strict decoder failed, so there is a bad byte.
  return new EncodingError(file, line, offset, bytes[0] ?? 0);
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i >= 0; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/** Cuts decoded text into lines across chunk boundaries, counting them. */
class LineSplitter {
  private pending = '';
  private breakChar: '\n' | '\r' | undefined;
  private next = 1;

  /** The number the next line will have. */
  get lineNumber(): number {
    return this.next;
  }

  /** The file's line break, "\n" until its first one says otherwise. */
  get lineBreak(): string {
    return this.breakChar ?? '\n';
  }

  push(text: string): TextLine[] {
    this.pending += text;
    if (this.breakChar === undefined && !this.detectBreak()) return [];
    const sep = this.lineBreak;
    const lines: TextLine[] = [];
    let start = 0;
    for (let end = this.pending.indexOf(sep); end >= 0; end = this.pending.indexOf(sep, start)) {
      const crlf = sep === '\n' && end > start && this.pending[end - 1] === '\r';
      lines.push(this.line(this.pending.slice(start, crlf ? end - 1 : end), crlf ? '\r\n' : sep));
      start = end + 1;
    }
    this.pending = this.pending.slice(start);
    return lines;
  }

  end(): TextLine[] {
    const last = this.pending;
    this.pending = '';
    if (last === '') return [];
    return [last.endsWith('\r') ? this.line(last.slice(0, -1), '\r') : this.line(last, '')];
  }

  private line(text: string, end: string): TextLine {
    const line = this.next++;
    return { text: line === 1 && text.startsWith(UTF8_BOM) ? text.slice(1) : text, line, end };
  }

  /** Takes the file's line break from its first one; false while the text so far cannot tell. */
  private detectBreak(): boolean {
    const cr = this.pending.indexOf('\r');
    const lf = this.pending.indexOf('\n');
    if (lf >= 0 && (cr < 0 || lf < cr || lf === cr + 1)) this.breakChar = '\n';
    else if (cr >= 0 && cr + 1 < this.pending.length) this.breakChar = '\r';
    return this.breakChar !== undefined;
  }
}
