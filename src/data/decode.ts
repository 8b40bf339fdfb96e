/**
 * Bytes -> text, streaming: encoding detection, binary-file detection and a decoder that never splits a
 * multi-byte character at a chunk boundary.
 */

/** Text encodings a person can pick. `windows-1252` also covers Latin-1 (ISO-8859-1) files. */
export type TextEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be'

/** Bytes inspected to decide whether a file is text at all. */
const BINARY_SNIFF_BYTES = 8192
/** Share of control characters (other than tab, CR, LF, FF) above which a file is taken as binary. */
const MAX_CONTROL_SHARE = 0.02

interface StreamingTextDecoder {
  decode(input?: Uint8Array, options?: { stream?: boolean }): string
}
type TextDecoderConstructor = new (
  label: string,
  options?: { fatal?: boolean; ignoreBOM?: boolean },
) => StreamingTextDecoder

/**
 * `TextDecoder` exists in browsers, workers and Node, but not in the ES2022 lib this pure code compiles
 * against, so it is read from `globalThis` with the small part of its type we use.
 */
function newDecoder(encoding: TextEncoding, fatal = false): StreamingTextDecoder {
  const Decoder = (globalThis as unknown as { TextDecoder: TextDecoderConstructor }).TextDecoder
  return new Decoder(encoding, { fatal })
}

/** Well-known signatures of non-text files, to name what was dropped instead of saying "binary". */
const MAGIC: { bytes: number[]; label: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], label: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], label: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], label: 'a GIF image' },
  { bytes: [0x25, 0x50, 0x44, 0x46], label: 'a PDF document' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], label: 'an old Excel/Office file' },
  { bytes: [0x50, 0x41, 0x52, 0x31], label: 'a Parquet file' },
]

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** The encoding a byte-order mark announces, if the bytes start with one. */
export function encodingFromBom(bytes: Uint8Array): TextEncoding | null {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return 'utf-8'
  if (startsWith(bytes, [0xff, 0xfe])) return 'utf-16le'
  if (startsWith(bytes, [0xfe, 0xff])) return 'utf-16be'
  return null
}

/**
 * Why the first bytes of a file are not text, or null when they look like text. Looks for known
 * binary signatures, NUL bytes (never in UTF-8 or Latin-1 text; UTF-16 is recognised by its BOM first)
 * and a high share of control characters.
 */
export function binaryReason(head: Uint8Array): string | null {
  for (const m of MAGIC) if (startsWith(head, m.bytes)) return `It looks like ${m.label}, not a text file.`
  if (encodingFromBom(head)?.startsWith('utf-16')) return null
  const n = Math.min(head.length, BINARY_SNIFF_BYTES)
  let control = 0
  for (let i = 0; i < n; i++) {
    const b = head[i]
    if (b === 0) return 'It contains NUL bytes, so it is a binary file, not text (CSV, TSV or .dat).'
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++
  }
  if (n > 0 && control / n > MAX_CONTROL_SHARE)
    return 'It contains many control characters, so it is a binary file, not text.'
  return null
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true
  return false
}

/**
 * Decodes a byte stream chunk by chunk. With `encoding: 'auto'` it starts undecided and decides at the
 * first chunk holding a non-ASCII byte: UTF-8 if that chunk is valid UTF-8, windows-1252 otherwise.
 * Deciding late is exact, not a guess about the past: pure ASCII decodes identically in both.
 * A streaming `TextDecoder` keeps the bytes of a character split across chunks until the rest arrives.
 */
export class StreamDecoder {
  private encodingChosen: TextEncoding | null
  private decoder: StreamingTextDecoder | null = null
  private asciiDecoder: StreamingTextDecoder | null = null
  private started = false
  /** Characters that could not be decoded (shown as U+FFFD) after UTF-8 was chosen. */
  replacementChars = 0

  constructor(encoding: TextEncoding | 'auto' = 'auto') {
    this.encodingChosen = encoding === 'auto' ? null : encoding
  }

  /** The encoding in use; `utf-8` while the text so far is pure ASCII. */
  get encoding(): TextEncoding {
    return this.encodingChosen ?? 'utf-8'
  }

  decode(bytes: Uint8Array): string {
    const first = !this.started
    this.started = true
    if (this.encodingChosen === null) {
      const bom = first ? encodingFromBom(bytes) : null
      if (bom) this.encodingChosen = bom
      else if (hasNonAscii(bytes)) this.encodingChosen = isValidUtf8Chunk(bytes) ? 'utf-8' : 'windows-1252'
      else {
        // Still undecided: pure ASCII reads the same in every candidate encoding, and a decoder holds
        // no partial character after an ASCII chunk, so a fresh decoder can take over at any point.
        this.asciiDecoder ??= newDecoder('utf-8')
        return this.asciiDecoder.decode(bytes)
      }
    }
    this.decoder ??= newDecoder(this.encodingChosen)
    const text = this.decoder.decode(bytes, { stream: true })
    if (this.encodingChosen === 'utf-8') this.replacementChars += countReplacement(text)
    return text
  }

  /** Flushes a character left incomplete at the end of the stream (it becomes U+FFFD). */
  end(): string {
    if (!this.decoder) return ''
    const text = this.decoder.decode()
    if (this.encodingChosen === 'utf-8') this.replacementChars += countReplacement(text)
    return text
  }
}

/** Valid UTF-8, allowing a character cut off at the end of the chunk (its rest is in the next chunk). */
function isValidUtf8Chunk(bytes: Uint8Array): boolean {
  try {
    newDecoder('utf-8', true).decode(bytes, { stream: true })
    return true
  } catch {
    return false
  }
}

function countReplacement(text: string): number {
  let count = 0
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) count++
  return count
}
