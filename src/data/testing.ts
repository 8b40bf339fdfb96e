/**
 * Builders shared by the data tests: bytes from text and chunked byte streams. Pure like the rest of
 * `data/`, so `TextEncoder` (not in the ES2022 lib) is read from `globalThis`.
 */

type Encoder = new () => { encode(text: string): Uint8Array }

export function utf8(text: string): Uint8Array {
  const TextEncoderClass = (globalThis as unknown as { TextEncoder: Encoder }).TextEncoder
  return new TextEncoderClass().encode(text)
}

/** Latin-1 bytes of text whose characters are all below U+0100. */
export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0))
}

/** The bytes cut into chunks of `size` bytes, as a stream reader would deliver them. */
export function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size))
  return out
}
