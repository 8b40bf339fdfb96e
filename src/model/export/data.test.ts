/**
 * The exported project's data.py against the page: for the demo and for files shaped like the public
 * data sets people bring (`testingShapes.ts`), the page's own ingestion runs here in Node (read,
 * propose, apply: validate, lift, clean, encode), the original files and `mapping.json` are written to
 * a folder, and `python3 data.py mapping.json FOLDER --dump` must give the very dataset the page
 * trained on: every id, vocabulary, code and time.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { DEFAULT_CLEANING, type CleaningOptions, type CleaningStep } from '../../data/clean'
import { knownParseOptions } from '../../data/formats'
import { ingestFile } from '../../data/ingest'
import type { ColumnMapping } from '../../data/mapping'
import { mappingFileOf, type MappingFile } from '../../data/mappingFile'
import { proposeMapping } from '../../data/mapping.propose'
import type { ParsedFile } from '../../data/parse'
import { shapeFiles, type ShapeFile, type ShapeName } from '../../data/testingShapes'
import type { EncodedDataset, EncodedField, MultiField } from '../../data/types'
import { demoDataFiles, loadDemoDataset } from '../../demo/demoDataset'
import { Ingestor } from '../../worker/ingestSession'
import { HAS_TORCH, PYTHON } from './python.testing'

/** A Python with PyTorch: Debian's python3-torch (`.ci/run` installs it). */
const DATA_PY = fileURLToPath(new URL('./data.py', import.meta.url))
const SEED = 3

if (!HAS_TORCH)
  console.warn(
    `data.test.ts skipped: ${PYTHON} cannot import torch (set PYTHON_WITH_TORCH to a Python with it).`,
  )

const folders: string[] = []
afterAll(() => folders.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** The dataset as data.py's --dump writes it: codes as flat lists, absent parts as [] or null. */
function dumped(data: EncodedDataset) {
  const fields = (fs: EncodedField[]) =>
    fs.map(({ name, tower, kind, vocabulary }) => ({ name, tower, kind, vocabulary }))
  const multi = (ms: MultiField[] | undefined) =>
    (ms ?? []).map((m) => ({
      name: m.name,
      tower: m.tower,
      vocabulary: m.vocabulary,
      offsets: Array.from(m.offsets),
      codes: Array.from(m.codes),
    }))
  return {
    name: data.name,
    userIds: data.userIds,
    itemIds: data.itemIds,
    userFields: fields(data.userFields),
    userCodes: Array.from(data.userCodes),
    itemFields: fields(data.itemFields),
    itemCodes: Array.from(data.itemCodes),
    contextFields: fields(data.contextFields),
    contextCodes: Array.from(data.contextCodes),
    interactionUser: Array.from(data.interactionUser),
    interactionItem: Array.from(data.interactionItem),
    interactionTime: data.interactionTime ? Array.from(data.interactionTime) : null,
    multiUser: multi(data.multiUser),
    multiItem: multi(data.multiItem),
    itemLabels: data.itemLabels ?? null,
    userLabels: data.userLabels ?? null,
  }
}

/** Writes the files and mapping.json to a fresh folder, runs data.py on them and returns its dump. */
function runDataPy(files: { name: string; bytes: Uint8Array | string }[], mappingFile: MappingFile) {
  const dir = mkdtempSync(join(tmpdir(), 'data-py-'))
  folders.push(dir)
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes)
  writeFileSync(join(dir, 'mapping.json'), JSON.stringify(mappingFile, null, 2))
  const out = join(dir, 'dump.json')
  execFileSync(PYTHON, [DATA_PY, join(dir, 'mapping.json'), dir, '--dump', out], { stdio: 'pipe' })
  return JSON.parse(readFileSync(out, 'utf-8')) as unknown
}

/**
 * The shape's files through the page's ingestion (as `Ingestor` reads and applies them), the dataset
 * it encoded, and the mapping.json of that upload.
 */
async function pageUpload(
  shape: ShapeName,
  size: number,
  cleaning: CleaningOptions = DEFAULT_CLEANING,
  edit: (mapping: ColumnMapping) => ColumnMapping = (m) => m,
  alter: (files: ShapeFile[]) => ShapeFile[] = (f) => f,
): Promise<{ files: ShapeFile[]; data: EncodedDataset; mappingFile: MappingFile; steps: CleaningStep[] }> {
  const files = alter(shapeFiles(shape, { seed: SEED, size }))
  // What the session holds after `ingest-files`: the parsed files and the proposal for them.
  const parsed: ParsedFile[] = []
  for (const f of files) {
    const result = await ingestFile(f.name, [f.bytes], {
      parseOptions: (name) => ({ ...knownParseOptions(name) }),
    })
    if (!result.ok) throw new Error(result.reason)
    parsed.push(...result.data.files)
  }
  const proposal = proposeMapping(parsed.map((f) => f.table))
  if (!proposal.ok) throw new Error(proposal.reason)
  const requested = edit(proposal.data.mapping)

  let data: EncodedDataset | null = null
  let name = ''
  let steps: CleaningStep[] = []
  let failure = ''
  const ingestor = new Ingestor(
    (m) => {
      if (m.type === 'ingest-failed') failure = m.problem.reason
    },
    () => 0,
    (applied, encoded) => {
      data = encoded
      name = applied.source.name
      steps = applied.steps
    },
  )
  const asFile = (f: ShapeFile) => new File([new Uint8Array(f.bytes)], f.name)
  await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: files.map(asFile), overrides: {} })
  await ingestor.handle({ type: 'ingest-apply', ingestId: 2, sessionId: 1, mapping: requested, cleaning })
  if (!data) throw new Error(`the page did not apply ${shape}: ${failure}`)
  const mappingFile = mappingFileOf({ name, files: parsed, proposal: proposal.data, requested, cleaning })
  if (!mappingFile.ok) throw new Error(mappingFile.reason)
  return { files, data, mappingFile: mappingFile.data, steps }
}

async function expectSameDataset(...args: Parameters<typeof pageUpload>) {
  const { files, data, mappingFile, steps } = await pageUpload(...args)
  expect(runDataPy(files, mappingFile)).toEqual(dumped(data))
  return { data, mappingFile, steps }
}

/** Rows removed plus cells changed by a cleaning step the page ran. */
function changes(steps: CleaningStep[], name: string): number {
  const step = steps.find((s) => s.step === name)!
  return step.rowsBefore - step.rowsAfter + step.cellsChanged
}

/** The file with lines added at its end. */
function withLines(files: ShapeFile[], name: string, lines: string[]): ShapeFile[] {
  return files.map((f) =>
    f.name === name
      ? { name, bytes: new Uint8Array([...f.bytes, ...new TextEncoder().encode(lines.join('\n') + '\n')]) }
      : f,
  )
}

describe.skipIf(!HAS_TORCH)("data.py's JavaScript rules", () => {
  it("reads and writes numbers as JavaScript's Number, String and toPrecision do", () => {
    const texts = [
      '',
      ' 12 ',
      '1e3',
      '.5',
      '5.',
      '+7',
      '-0',
      '0x1F',
      '0b101',
      '0o17',
      '1_000',
      'Infinity',
      '-Infinity',
    ]
    texts.push('inf', 'nan', '1e400', '\u00a012\ufeff', '12abc', '0x', '00123', '1.0e-7')
    const numbers = [
      0,
      -0,
      1,
      -1.5,
      0.1 + 0.2,
      1e21,
      1e-7,
      123456789012345680000,
      5e-324,
      1.7976931348623157e308,
    ]
    numbers.push(0.000001, 1234.5678, 1.125, 2.675, 9.995, 99950, 0.00012345, -987.65, 1e16, 123e-20)
    const script = [
      'import json, sys',
      // No __pycache__ beside data.py in the source tree.
      'sys.dont_write_bytecode = True',
      `sys.path.insert(0, ${JSON.stringify(join(DATA_PY, '..'))})`,
      'from data import js_number, js_string, js_to_precision',
      'texts, numbers = json.load(sys.stdin)',
      'print(json.dumps([[js_string(js_number(t)) for t in texts], [js_string(x) for x in numbers],',
      '                  [js_to_precision(x, 3) for x in numbers]]))',
    ].join('\n')
    const printed = execFileSync(PYTHON, ['-c', script], { input: JSON.stringify([texts, numbers]) })
    expect(JSON.parse(printed.toString())).toEqual([
      texts.map((t) => String(Number(t))),
      numbers.map(String),
      numbers.map((x) => x.toPrecision(3)),
    ])
  })

  it('names the file, row and column of a value it cannot read the way the page does', async () => {
    // The page reads "10/26/2011 13:19" with the browser's Date.parse (in local time): data.py does not guess.
    const rows = Array.from(
      { length: 12 },
      (_, r) => `u${r % 3},i${r % 4},${r === 7 ? '10/26/2011 13:19' : 1709300000 + r}`,
    )
    const bytes = new TextEncoder().encode(['user_id,item_id,when', ...rows].join('\n') + '\n')
    const { files, mappingFile } = await pageUpload(
      'score-ratings',
      10,
      DEFAULT_CLEANING,
      (m) => ({ ...m, timestamp: 'when' }),
      () => [{ name: 'log.csv', bytes }],
    )
    expect(() => runDataPy(files, mappingFile)).toThrow(
      /not supported by data.py yet: the timestamp "10\/26\/2011 13:19" is neither a number nor an ISO date-time \(file log.csv, row 8, column "when"\)/,
    )
  })
})

describe.skipIf(!HAS_TORCH)('data.py rebuilds the dataset the page trained on', () => {
  it('the demo: its CSV files and mapping.json give loadDemoDataset exactly', () => {
    const size = { users: 300, items: 60, interactions: 4000 }
    const { files, mappingFile } = demoDataFiles(5, size)
    expect(mappingFile).toMatchObject({ format: 'attentive-mapping', formatVersion: 1, cleaning: null })
    const dump = runDataPy(
      files.map((f) => ({ name: f.name, bytes: f.text })),
      mappingFile,
    )
    expect(dump).toEqual(dumped(loadDemoDataset(5, size).data))
  })

  it('MovieLens 100K: Latin-1 u.item, genre flags folded, years from release dates', async () => {
    const { mappingFile, data } = await expectSameDataset('movielens-100k', 3_000)
    expect(mappingFile.files.map((f) => [f.name, f.encoding, f.delimiter, f.header, f.quoting])).toEqual([
      ['u.data', 'utf-8', '\t', false, false],
      ['u.item', 'windows-1252', '|', false, false],
      ['u.user', 'utf-8', '|', false, false],
    ])
    expect(mappingFile.tables.items!.steps.map((s) => s.op)).toEqual(['fold-one-hot', 'derive'])
    expect(data.multiItem!.length).toBe(1)
  })

  it('MovieLens 100K cleaned: float, missing and unknown ids, duplicates, clipping', async () => {
    // Rows that each step has to deal with: ids written as floats, a missing user, a user and an item
    // the side tables do not know, a repeated rating.
    const extra = ['1.0\t2.00\t3\t881250950', '\t7\t3\t881250951', 'NA\t7\t3\t881250951']
    extra.push('99999\t1\t4\t881250952', '1\t99999\t4\t881250953', '5\t9\t4\t881250954', '5\t9\t4\t881250954')
    const cleaning = { ...DEFAULT_CLEANING, dropUnknownIds: true, clipQuantiles: { lower: 0.2, upper: 0.8 } }
    const alter = (files: ShapeFile[]) => withLines(files, 'u.data', extra)
    const { steps } = await expectSameDataset('movielens-100k', 3_000, cleaning, (m) => m, alter)
    for (const name of ['float-ids', 'missing-ids', 'unknown-ids', 'duplicates', 'clip-outliers'])
      expect(changes(steps, name), name).toBeGreaterThan(0)
  })

  it('a 10-core, which takes three rounds of removals on these ratings', async () => {
    const cleaning = { ...DEFAULT_CLEANING, minInteractionsPerUser: 10, minInteractionsPerItem: 10 }
    const { steps } = await expectSameDataset('german-ratings', 3_000, cleaning)
    expect(changes(steps, 'k-core')).toBeGreaterThan(0)
  })

  it('MovieLens 1M: `::` without quotes, years from titles', async () => {
    await expectSameDataset('movielens-1m', 3_000)
  })

  it('MovieLens latest: quoted titles, "(no genres listed)"', async () => {
    await expectSameDataset('movielens-latest-small', 3_000)
  })

  it.each([
    ['movielens-100k-renamed', 3_000],
    ['german-ratings', 3_000],
    ['score-ratings', 3_000],
    ['click-log', 3_000],
    ['retailrocket', 3_000],
    ['online-retail', 3_000],
  ] as const)('%s: an inferred mapping', async (shape, size) => {
    await expectSameDataset(shape, size)
  })

  it('interaction columns as context and lifted to a tower, with clipping of context numbers', async () => {
    const { data } = await expectSameDataset(
      'click-log',
      3_000,
      { ...DEFAULT_CLEANING, clipQuantiles: { lower: 0.1, upper: 0.9 } },
      (m) => ({
        ...m,
        features: [
          ...m.features,
          { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
          { table: 'interactions', column: 'position', kind: 'numeric', tower: 'context' },
          { table: 'interactions', column: 'device', kind: 'categorical', tower: 'user' },
        ],
      }),
    )
    expect(data.contextFields.map((f) => f.name)).toEqual(['device', 'position'])
    expect(data.userFields.map((f) => f.name)).toContain('device')
  })

  it('TheLook web events alone: product ids read from page URIs, other events dropped', async () => {
    const events = (files: ShapeFile[]) => files.filter((f) => f.name === 'events_final.csv')
    const { mappingFile } = await expectSameDataset(
      'thelook-pandas',
      2_000,
      DEFAULT_CLEANING,
      (m) => m,
      events,
    )
    expect(mappingFile.tables.interactions.steps.map((s) => s.op)).toEqual(['derive', 'keep-rows-with'])
  })

  it.each(['windows-1252', 'utf-8'] as const)(
    'a hand-made CSV in %s: CRLF, quotes, ragged and blank rows, missing tokens, dates, odd numbers',
    async (encoding) => {
      const lines = [
        'sep=,',
        'user_id,item_id,when,device,genres,price',
        ' u1 ,i1,2024-03-01 06:15:00+02:00,mobile,"Drama|Comedy",1.25',
        'u1,i2,1709273700000,"desk,top",Drama,2.5',
        'u2,"i""3",2024-03-02T10:00:00Z,Émile,"Action|\r\nDrama",NA',
        '',
        'u2,i1,2024-03-02,mobile,,3.75',
        'u3,i2,1709300000,tablet,Comedy|Action|Comedy,1e3',
        'u3,i1.0,2024-03-03 12:00:00.123456,zèbre,?,0x10',
        'u3,i4,1709400000,zebra,Comedy,2.5,',
        'u4,i4,1709500000,mobile',
        'u4,i1,1709600000,mobile,Drama,-0.5',
        'u4,i2,1709700000,Émile,Drama,7',
        'u5,i2,1709700001,mobile,Drama,0.001234',
        'u5,i3,1709700002,tablet,Action,123456',
      ]
      const text = lines.join('\r\n') + '\r\n'
      // Latin-1 bytes for é and è (the page then reads windows-1252), or UTF-8 after a byte-order mark.
      const bytes =
        encoding === 'utf-8'
          ? new TextEncoder().encode('\ufeff' + text)
          : Uint8Array.from(text, (c) => c.charCodeAt(0))
      const { mappingFile, data } = await expectSameDataset(
        'score-ratings',
        10,
        DEFAULT_CLEANING,
        (m) => ({
          ...m,
          timestamp: 'when',
          features: [
            { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
            { table: 'interactions', column: 'genres', kind: 'multi', tower: 'context', separator: '|' },
            { table: 'interactions', column: 'price', kind: 'numeric', tower: 'context' },
            { table: 'interactions', column: 'genres', kind: 'multi', tower: 'item', separator: '|' },
            { table: 'interactions', column: 'price', kind: 'numeric', tower: 'user' },
          ],
        }),
        () => [{ name: 'log.csv', bytes }],
      )
      expect(mappingFile.files[0]).toMatchObject({ encoding, newline: '\r\n', header: true })
      expect(data.contextFields[0].vocabulary).toContain('desk,top')
      expect(data.itemIds).toContain('i"3')
    },
  )

  it.each([
    ['thelook', 2_000],
    ['thelook-pandas', 2_000],
    ['recbole-ml-100k', 3_000],
  ] as const)('%s: a known format', async (shape, size) => {
    await expectSameDataset(shape, size)
  })
})
