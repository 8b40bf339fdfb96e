import { describe, expect, it } from 'vitest'
import { StreamDecoder, binaryReason, encodingFromBom } from './decode'
import { chunksOf, latin1, utf8 } from './testing'

function decodeAll(chunks: Uint8Array[], encoding: 'auto' | 'utf-8' | 'windows-1252' = 'auto') {
  const decoder = new StreamDecoder(encoding)
  const text = chunks.map((c) => decoder.decode(c)).join('') + decoder.end()
  return { text, encoding: decoder.encoding, replacementChars: decoder.replacementChars }
}

describe('StreamDecoder', () => {
  it('never turns a multi-byte character split across chunks into U+FFFD', () => {
    const text = 'id,city\n1,Zürich\n2,€uro\n3,🙂 ok\n'
    const bytes = utf8(text)
    for (const size of [1, 2, 3, 5, 7]) {
      const out = decodeAll(chunksOf(bytes, size))
      expect(out.text).toBe(text)
      expect(out.text).not.toContain('\ufffd')
      expect(out.encoding).toBe('utf-8')
    }
  })

  it('splits exactly inside a character (byte 1 of 2, 1 and 2 of 3, 1..3 of 4)', () => {
    const text = 'a€b🙂c'
    const bytes = utf8(text)
    for (let cut = 1; cut < bytes.length; cut++) {
      const out = decodeAll([bytes.subarray(0, cut), bytes.subarray(cut)])
      expect(out.text).toBe(text)
    }
  })

  it('reads invalid UTF-8 as windows-1252 (Latin-1), even when the first non-ASCII byte comes late', () => {
    const ascii = 'x'.repeat(100_000)
    const bytes = latin1(`${ascii}\nMisérables,café\n`)
    const out = decodeAll(chunksOf(bytes, 4096))
    expect(out.encoding).toBe('windows-1252')
    expect(out.text.endsWith('Misérables,café\n')).toBe(true)
    expect(out.text).not.toContain('\ufffd')
  })

  it('maps windows-1252 specials such as 0x80 to €', () => {
    expect(decodeAll([Uint8Array.from([0x80, 0x41])]).text).toBe('€A')
  })

  it('strips a UTF-8 byte-order mark and honours an override', () => {
    const withBom = Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('id\n')])
    expect(decodeAll([withBom]).text).toBe('id\n')
    expect(decodeAll([utf8('é')], 'windows-1252').text).toBe('Ã©')
  })

  it('counts undecodable characters when a valid UTF-8 file has a broken byte later', () => {
    const good = utf8('é\n')
    const out = decodeAll([good, Uint8Array.from([0x41, 0xff, 0x42])])
    expect(out.encoding).toBe('utf-8')
    expect(out.replacementChars).toBe(1)
  })

  it('decodes UTF-16 with a BOM', () => {
    const bytes = Uint8Array.from([0xff, 0xfe, 0x61, 0x00, 0x2c, 0x00, 0x62, 0x00])
    expect(encodingFromBom(bytes)).toBe('utf-16le')
    expect(decodeAll([bytes]).text).toBe('a,b')
  })
})

describe('binaryReason', () => {
  it('names a PNG and rejects NUL bytes', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    expect(binaryReason(png)).toMatch(/PNG/)
    expect(binaryReason(Uint8Array.from([0x61, 0x00, 0x62]))).toMatch(/NUL/)
  })

  it('accepts ordinary text, UTF-16 with a BOM and Latin-1', () => {
    expect(binaryReason(utf8('a,b\r\n1,2\n'))).toBeNull()
    expect(binaryReason(Uint8Array.from([0xff, 0xfe, 0x61, 0x00]))).toBeNull()
    expect(binaryReason(latin1('café'))).toBeNull()
  })
})
