import { describe, expect, it } from 'vitest'
import type { DataResult } from './types'
import { StreamingTableParser, parseBytes, type ParseOptions, type ParsedFile } from './parse'
import { columnValues, dictOf } from './table'
import { chunksOf, latin1, utf8 } from './testing'

function parseChunked(name: string, bytes: Uint8Array, size: number, options?: ParseOptions) {
  const parser = new StreamingTableParser(name, options)
  for (const c of chunksOf(bytes, size)) {
    const problem = parser.push(c)
    if (problem) return problem
  }
  return parser.finish()
}

function ok(result: DataResult<ParsedFile>): ParsedFile {
  if (!result.ok) throw new Error(`expected a table, got: ${result.reason}`)
  return result.data
}

function rowsOf(file: ParsedFile): string[][] {
  const { table } = file
  const cols = table.columns.map((c) => columnValues(table, c))
  return Array.from({ length: table.rowCount }, (_, r) => cols.map((col) => col[r]))
}

describe('parseBytes', () => {
  it('keeps ids as strings and detects header and delimiter', () => {
    const file = ok(parseBytes('i.csv', utf8('user_id,item_id,rating\n00123,0042,5\n123,42,1e3\n')))
    expect(file.table.columns).toEqual(['user_id', 'item_id', 'rating'])
    expect(columnValues(file.table, 'user_id')).toEqual(['00123', '123'])
    expect(columnValues(file.table, 'rating')).toEqual(['5', '1e3'])
    expect(file.report).toMatchObject({ delimiter: ',', header: true, encoding: 'utf-8', rows: 2 })
  })

  it('stores each distinct value once (dictionary coding)', () => {
    const file = ok(parseBytes('i.csv', utf8('u,i\na,x\na,y\nb,x\na,x\n')))
    expect(dictOf(file.table, 'u').dictionary).toEqual(['a', 'b'])
    expect(Array.from(dictOf(file.table, 'u').codes)).toEqual([0, 0, 1, 0])
  })

  it('refuses an empty file', () => {
    const result = parseBytes('empty.csv', new Uint8Array(0))
    expect(result).toMatchObject({ ok: false, file: 'empty.csv', reason: 'empty.csv is empty.' })
    expect(parseBytes('blank.csv', utf8('\n\n  \n'))).toMatchObject({
      ok: false,
      reason: 'blank.csv is empty.',
    })
  })

  it('refuses a header-only file at once, naming it', () => {
    expect(parseBytes('export.csv', utf8('user_id,item_id,rating\r\n'))).toMatchObject({
      ok: false,
      file: 'export.csv',
      reason: 'export.csv has a header (user_id, item_id, rating) but no data rows.',
    })
  })

  it("honours Excel's sep= first line (with a BOM and CRLF), which is not a row", () => {
    const bytes = utf8('\ufeffsep=;\r\nuser;item;price\r\nu1;i1;1,5\r\nu2;i2;2,25\r\n')
    for (const size of [3, 1 << 16]) {
      const file = ok(parseChunked('excel.csv', bytes, size))
      expect(file.table.columns).toEqual(['user', 'item', 'price'])
      expect(rowsOf(file)).toEqual([
        ['u1', 'i1', '1,5'],
        ['u2', 'i2', '2,25'],
      ])
      expect(file.report.delimiter).toBe(';')
      expect(file.report.warnings.join(' ')).toMatch(/Excel's "sep=;" line/)
    }
    // A delimiter the person chose wins over the line.
    const chosen = ok(parseBytes('excel.csv', utf8('sep=,\na;b\n1;2\n'), { delimiter: ';' }))
    expect(chosen.table.columns).toEqual(['a', 'b'])
  })

  it('refuses a PNG renamed to .csv', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48])
    const result = parseBytes('photo.csv', png)
    expect(result.ok).toBe(false)
    if (!result.ok)
      expect(result.reason).toBe('photo.csv cannot be read: It looks like a PNG image, not a text file.')
  })

  it('reads a single-column file as one column and says so', () => {
    const file = ok(parseBytes('ids.csv', utf8('U1\nU2\nU3\n')))
    expect(file.table.columns).toEqual(['column_1'])
    expect(file.table.rowCount).toBe(3)
    expect(file.report.delimiter).toBeNull()
    expect(file.report.warnings.join(' ')).toMatch(/single column/)
  })

  it('reads a file with an unknown delimiter as one column, and with the delimiter when told', () => {
    const bytes = utf8('a#b#c\n1#2#3\n4#5#6\n')
    expect(ok(parseBytes('hash.txt', bytes)).table.columns).toEqual(['column_1'])
    const told = ok(parseBytes('hash.txt', bytes, { delimiter: '#', header: true }))
    expect(told.table.columns).toEqual(['a', 'b', 'c'])
    expect(rowsOf(told)).toEqual([
      ['1', '2', '3'],
      ['4', '5', '6'],
    ])
  })

  it('skips a few ragged rows, counting and naming them', () => {
    const lines = ['u,i,t']
    for (let r = 1; r <= 30; r++) lines.push(r === 7 ? `${r},x` : r === 12 ? `${r},x,1,extra` : `${r},x,1`)
    const file = ok(parseBytes('ragged.csv', utf8(lines.join('\n'))))
    expect(file.table.rowCount).toBe(28)
    expect(file.report.raggedRows).toBe(2)
    expect(file.report.raggedExamples).toEqual([
      { row: 7, expected: 3, found: 2 },
      { row: 12, expected: 3, found: 4 },
    ])
    expect(file.report.warnings[0]).toBe(
      'Skipped 2 ragged row(s) with a field count other than 3, e.g. row 7 (2 fields), row 12 (4 fields).',
    )
  })

  it('refuses a file where most rows are ragged, naming the first', () => {
    const result = parseBytes('bad.csv', utf8('a,b,c\n1,2\n3,4\n5,6,7\n'), { delimiter: ',' })
    expect(result).toMatchObject({ ok: false, file: 'bad.csv', row: 1 })
    if (!result.ok) expect(result.reason).toMatch(/2 of 3 rows of bad.csv do not have 3 fields .*row 1 has 2/)
  })

  it('keeps rows with only a trailing delimiter', () => {
    const file = ok(parseBytes('t.csv', utf8('a,b,\n1,2,\n3,4,\n')))
    expect(file.table.columns).toEqual(['a', 'b'])
    expect(rowsOf(file)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ])
  })

  it('keeps quoted newlines, delimiters and doubled quotes inside a field', () => {
    const file = ok(parseBytes('q.csv', utf8('id,text\n1,"hello\nworld, ""quoted"""\n2,plain\n')))
    expect(rowsOf(file)).toEqual([
      ['1', 'hello\nworld, "quoted"'],
      ['2', 'plain'],
    ])
  })

  it('reads CRLF line endings without stray carriage returns', () => {
    const file = ok(parseBytes('w.csv', utf8('id,name\r\n1,a\r\n2,"b\r\nc"\r\n')))
    expect(file.report.newline).toBe('\r\n')
    expect(rowsOf(file)).toEqual([
      ['1', 'a'],
      ['2', 'b\r\nc'],
    ])
  })

  it('drops the BOM from the first column name', () => {
    const bytes = Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('id,name\n1,a\n2,b\n')])
    expect(ok(parseBytes('bom.csv', bytes)).table.columns).toEqual(['id', 'name'])
  })

  it('renames duplicate and empty header names and reports it', () => {
    const file = ok(parseBytes('dup.csv', utf8('x,x,,y,x\n1,2,3,4,5\n6,7,8,9,10\n')))
    expect(file.table.columns).toEqual(['x', 'x_2', 'column_3', 'y', 'x_3'])
    expect(file.report.renamedColumns).toEqual([
      { from: 'x', to: 'x_2' },
      { from: '', to: 'column_3' },
      { from: 'x', to: 'x_3' },
    ])
    expect(file.report.warnings[0]).toMatch(/Renamed columns of dup.csv: "x" → "x_2"/)
  })

  it('keeps an all-missing column and NaN/Infinity cells as text (cleaning and encoding treat them)', () => {
    const file = ok(parseBytes('m.csv', utf8('u,i,score,note\n1,a,NaN,\n2,b,Infinity,\n3,c,-inf,\n')))
    expect(columnValues(file.table, 'note')).toEqual(['', '', ''])
    expect(columnValues(file.table, 'score')).toEqual(['NaN', 'Infinity', '-inf'])
  })

  it('splits MovieLens :: lines literally, keeping bare quotes and | inside fields', () => {
    const text = '1::Toy Story (1995)::Animation|Comedy\n2::"Great Performances" Cats (1998)::Musical\n'
    const file = ok(parseBytes('movies.dat', utf8(text)))
    expect(file.report).toMatchObject({ delimiter: '::', header: false, quoting: false })
    expect(rowsOf(file)[1]).toEqual(['2', '"Great Performances" Cats (1998)', 'Musical'])
  })

  it('reads Latin-1 text', () => {
    const file = ok(parseBytes('u.item', latin1('1|Misérables, Les (1995)|0|1\n2|Café (1994)|1|0\n')))
    expect(file.report.encoding).toBe('windows-1252')
    expect(columnValues(file.table, 'column_2')).toEqual(['Misérables, Les (1995)', 'Café (1994)'])
  })

  it('refuses more rows than the limit, naming it', () => {
    const result = parseBytes('big.csv', utf8('u,i\n1,a\n2,b\n3,c\n'), { maxRows: 2 })
    expect(result).toMatchObject({ ok: false, file: 'big.csv', row: 3 })
    if (!result.ok) expect(result.reason).toMatch(/more than 2 rows, the most this page loads/)
  })

  it('refuses a file whose distinct values outgrow the budget, naming the column', () => {
    const text = 'u,t\n' + Array.from({ length: 50 }, (_, r) => `u${r % 3},${1_700_000_000 + r}`).join('\n')
    const result = parseBytes('wide.csv', utf8(text), { maxDistinctValues: 20 })
    expect(result).toMatchObject({ ok: false, file: 'wide.csv', column: 't' })
    if (!result.ok) expect(result.reason).toMatch(/more than 20 distinct values .*most in "t"/)
  })

  it('refuses a quote that is never closed', () => {
    const result = parseBytes('q.csv', utf8('id,text\n1,ok\n2,"never closed\n3,x\n'))
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toMatch(/never closed/)
  })

  it('uses given column names when there is no header', () => {
    const file = ok(
      parseBytes('u.data', utf8('196\t242\t3\t881250949\n'), { columnNames: ['u', 'i', 'r', 't'] }),
    )
    expect(file.table.columns).toEqual(['u', 'i', 'r', 't'])
  })
})

describe('StreamingTableParser', () => {
  // Bigger than the sniffing and batching windows, with quoted newlines, CRLF and multi-byte text, so
  // chunk, batch and character boundaries fall everywhere.
  const lines = ['id,city,note']
  for (let r = 0; r < 12_000; r++)
    lines.push(r % 5 === 0 ? `${r},Zürich,"line one\r\nline ""two"", €"` : `${r},Kraków 🙂,plain`)
  const text = lines.join('\r\n') + '\r\n'
  const bytes = utf8(text)
  const whole = ok(parseBytes('big.csv', bytes))

  it('parses the whole file as expected', () => {
    expect(whole.table.rowCount).toBe(12_000)
    expect(rowsOf(whole)[0]).toEqual(['0', 'Zürich', 'line one\r\nline "two", €'])
    expect(rowsOf(whole)[11_999]).toEqual(['11999', 'Kraków 🙂', 'plain'])
  })

  it.each([1, 3, 4097, 65_536, 100_003])(
    'gives the same table for chunks of %i bytes, with no U+FFFD',
    (size) => {
      const chunked = ok(parseChunked('big.csv', bytes, size))
      expect(rowsOf(chunked)).toEqual(rowsOf(whole))
      expect(dictOf(chunked.table, 'city').dictionary.join('')).not.toContain('\ufffd')
      expect(chunked.report.replacementChars).toBe(0)
    },
  )
})
