import { gzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { ingestFile, isDataEntry, type IngestResult } from './ingest'
import type { ParseProgress } from './parse'
import { columnValues } from './table'
import { chunksOf, latin1, utf8 } from './testing'

const INTERACTIONS =
  'user_id,item_id\n' + Array.from({ length: 2000 }, (_, r) => `U${r % 50},I${r % 70}`).join('\n')

function ok(result: Awaited<ReturnType<typeof ingestFile>>): IngestResult {
  if (!result.ok) throw new Error(`expected tables, got: ${result.reason}`)
  return result.data
}

describe('ingestFile', () => {
  it('reads a plain file from chunks and reports progress in bytes and rows', async () => {
    const bytes = utf8(INTERACTIONS)
    const progress: ParseProgress[] = []
    const result = ok(
      await ingestFile('events.csv', chunksOf(bytes, 1000), {
        onProgress: (p) => progress.push(p),
        totalBytes: bytes.length,
      }),
    )
    expect(result.files[0].table.rowCount).toBe(2000)
    expect(progress.at(-1)).toMatchObject({
      file: 'events.csv',
      bytesRead: bytes.length,
      totalBytes: bytes.length,
    })
    expect(progress.map((p) => p.bytesRead)).toEqual(
      [...progress.map((p) => p.bytesRead)].sort((a, b) => a - b),
    )
  })

  it('reads gzip by its magic bytes, naming the table without .gz', async () => {
    const result = ok(await ingestFile('events.csv.gz', chunksOf(gzipSync(utf8(INTERACTIONS)), 333)))
    expect(result.files[0].table.name).toBe('events.csv')
    expect(result.files[0].table.rowCount).toBe(2000)
  })

  it('reads the data files of a zip with a folder, skipping documentation and MovieLens splits', async () => {
    const zip = zipSync({
      'ml-100k/': {},
      'ml-100k/README': utf8('read me'),
      'ml-100k/u.data': utf8('196\t242\t3\t881250949\n186\t302\t3\t891717742\n'),
      'ml-100k/u.item': latin1('1|Café (1995)|0|1\n2|Heat (1995)|1|0\n'),
      'ml-100k/u1.base': utf8('1\t1\t5\t874965758\n'),
      'ml-100k/logo.png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
    })
    const result = ok(await ingestFile('ml-100k.zip', chunksOf(zip, 100)))
    expect(result.files.map((f) => f.table.name)).toEqual(['u.data', 'u.item'])
    const movies = result.files[1]
    expect(movies.report).toMatchObject({ encoding: 'windows-1252', replacementChars: 0 })
    expect(columnValues(movies.table, movies.table.columns[1])).toEqual(['Café (1995)', 'Heat (1995)'])
    expect(result.skipped.map((s) => s.file)).toEqual([
      'ml-100k/README',
      'ml-100k/u1.base',
      'ml-100k/logo.png',
    ])
    expect(result.skipped[2].reason).toMatch(/PNG/)
  })

  it('passes per-file parse options to zip entries', async () => {
    const zip = zipSync({ 'x/u.data': utf8('1\t2\t3\t4\n') })
    const result = ok(
      await ingestFile('x.zip', [zip], {
        parseOptions: (file) => (file === 'u.data' ? { columnNames: ['u', 'i', 'r', 't'] } : undefined),
      }),
    )
    expect(result.files[0].table.columns).toEqual(['u', 'i', 'r', 't'])
  })

  it('stops when cancelled', async () => {
    const signal = { aborted: false }
    const chunks = chunksOf(utf8(INTERACTIONS), 100)
    const result = await ingestFile('events.csv', chunks, {
      signal,
      onProgress: (p) => {
        if (p.bytesRead >= 500) signal.aborted = true
      },
    })
    expect(result).toEqual({
      ok: false,
      reason: 'Loading was cancelled.',
      file: 'events.csv',
      cancelled: true,
    })
  })

  it('turns a damaged gzip into a problem naming the file', async () => {
    const gz = gzipSync(utf8(INTERACTIONS))
    const damaged = gz.slice(0, 40)
    damaged.fill(0xff, 12)
    const result = await ingestFile('broken.csv.gz', [damaged])
    expect(result).toMatchObject({ ok: false, file: 'broken.csv.gz' })
    if (!result.ok) expect(result.reason).toMatch(/could not be read as a gzip file/)
  })

  it('refuses an empty input and a zip without data', async () => {
    expect(await ingestFile('none.csv', [])).toMatchObject({ ok: false, reason: 'none.csv is empty.' })
    const zip = zipSync({ 'README.txt': utf8('hello') })
    const result = await ingestFile('docs.zip', [zip])
    expect(result).toMatchObject({ ok: false, reason: 'docs.zip holds no data file (skipped: README.txt).' })
  })
})

describe('isDataEntry', () => {
  it.each([
    ['ml-1m/ratings.dat', true],
    ['ml-latest-small/movies.csv', true],
    ['ml-100k/u.user', true],
    ['ml-100k/ua.test', false],
    ['__MACOSX/ml-1m/._ratings.dat', false],
    ['ml-1m/README', false],
  ])('%s -> %s', (path, expected) => expect(isDataEntry(path)).toBe(expected))
})
