import { describe, expect, it } from 'vitest'
import { cleanDataset, DEFAULT_CLEANING } from '../data/clean'
import { computeEda } from '../data/eda'
import { encodeDataset } from '../data/encode'
import { parseBytes } from '../data/parse'
import { dictTableFromRows, isNumberColumn } from '../data/table'
import type { FeatureMapping } from '../data/mapping'
import { utf8 } from '../data/testing'
import { mappingFacts, validateMapping } from '../data/mapping'
import { Ingestor, liftToTowers, proposeMapping, proposeWithRoles, type IngestMessage } from './ingest'
import type { FromWorker, IngestProposal } from './protocol'

/** A MovieLens-100K-style sample written for this test (not real MovieLens data). */
function ml100k(): File[] {
  const data: string[] = []
  for (let u = 1; u <= 12; u++)
    for (let k = 0; k < 6; k++)
      data.push([u, ((u * 7 + k * 3) % 20) + 1, (k % 5) + 1, 881250949 + u * 100 + k].join('\t'))
  const users = Array.from(
    { length: 12 },
    (_, i) => `${i + 1}|${20 + i}|${i % 2 ? 'M' : 'F'}|writer|0${i}123`,
  )
  const flags = (i: number) => Array.from({ length: 19 }, (_, g) => (g === i % 19 ? 1 : 0)).join('|')
  const items = Array.from(
    { length: 20 },
    (_, i) => `${i + 1}|Caf\xe9 ${i} (1995)|01-Jan-1995||http://x/${i}|${flags(i)}`,
  )
  return [
    new File([data.join('\n') + '\n'], 'u.data'),
    new File([users.join('\n') + '\n'], 'u.user'),
    new File([Uint8Array.from(items.join('\n') + '\n', (c) => c.charCodeAt(0))], 'u.item'),
  ]
}

function generic(): File {
  const rows = ['customer_id,product_id,ts,channel,price']
  for (let u = 0; u < 30; u++)
    for (let k = 0; k < 5; k++)
      rows.push(
        `c${u},p${(u + k * 4) % 25},2024-01-${String(1 + k).padStart(2, '0')},${k % 2 ? 'web' : 'app'},${k * 1.5}`,
      )
  return new File([rows.join('\n')], 'events.csv')
}

async function drive(messages: IngestMessage[]): Promise<FromWorker[]> {
  const posted: FromWorker[] = []
  const ingestor = new Ingestor((m) => posted.push(m))
  for (const m of messages) await ingestor.handle(m)
  return posted
}

const proposalOf = (posted: FromWorker[]): IngestProposal => {
  const m = posted.find((p) => p.type === 'ingest-proposal')
  if (!m || m.type !== 'ingest-proposal') throw new Error(`no proposal: ${JSON.stringify(posted.at(-1))}`)
  return m.proposal
}

describe('Ingestor', () => {
  it('recognises MovieLens 100K, applies the mapping and keeps the encoded upload', async () => {
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: ml100k(), overrides: {} })
    const proposal = proposalOf(posted)
    expect(proposal.format).toBe('MovieLens 100K')
    expect(proposal.mapping.userId).toBe('user_id')
    expect(proposal.mapping.timestamp).toBe('timestamp')
    expect(proposal.tables.map((t) => t.role)).toEqual(['interactions', 'users', 'items'])
    expect(proposal.eda.counts.rows).toBe(72)
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 2,
      sessionId: proposal.sessionId,
      mapping: proposal.mapping,
      cleaning: DEFAULT_CLEANING,
    })
    const applied = posted.find((p) => p.type === 'ingest-applied')
    if (applied?.type !== 'ingest-applied') throw new Error(JSON.stringify(posted.at(-1)))
    expect(applied.ingestId).toBe(2)
    expect(applied.applied.summary.users).toBe(12)
    expect(posted.at(-1)).toMatchObject({ type: 'loaded', source: { kind: 'upload', ingestId: 2 } })
    const data = ingestor.dataset(applied.applied.source)
    expect(data.interactionUser.length).toBe(72)
    // Latin-1 titles decode to é: with the title chosen as an item feature, its values are the titles.
    const report = proposal.reports.find((r) => r.file === 'u.item')
    expect(report).toMatchObject({ encoding: 'windows-1252', replacementChars: 0 })
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 3,
      sessionId: proposal.sessionId,
      mapping: {
        ...proposal.mapping,
        features: [
          ...proposal.mapping.features,
          { table: 'items', column: 'title', kind: 'categorical', tower: 'item' },
        ],
      },
      cleaning: DEFAULT_CLEANING,
    })
    const titled = posted.find((p) => p.type === 'ingest-applied' && p.ingestId === 3)
    if (titled?.type !== 'ingest-applied') throw new Error(JSON.stringify(posted.at(-1)))
    const titles = ingestor
      .dataset(titled.applied.source)
      .itemFields.find((f) => f.name === 'title')!.vocabulary
    expect(titles).toContain('Café 0 (1995)')
    expect(titles.filter((t) => t.startsWith('Café '))).toHaveLength(20)
    expect(() => ingestor.dataset({ kind: 'upload', ingestId: 99, name: 'x' })).toThrow(/no longer loaded/)
  })

  it('infers a generic CSV', async () => {
    const proposal = proposalOf(
      await drive([{ type: 'ingest-files', ingestId: 1, files: [generic()], overrides: {} }]),
    )
    expect(proposal.format).toBeNull()
    expect(proposal.mapping).toMatchObject({ userId: 'customer_id', itemId: 'product_id', timestamp: 'ts' })
  })

  it('names the file of bad input and keeps the previous session', async () => {
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: [generic()], overrides: {} })
    const png = new File(
      [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0, 0])],
      'x.csv',
    )
    await ingestor.handle({ type: 'ingest-files', ingestId: 2, files: [png], overrides: {} })
    await ingestor.handle({
      type: 'ingest-files',
      ingestId: 3,
      files: [new File([], 'empty.csv')],
      overrides: {},
    })
    const failures = posted.filter((p) => p.type === 'ingest-failed')
    expect(failures.map((f) => f.type === 'ingest-failed' && f.problem.file)).toEqual(['x.csv', 'empty.csv'])
    // Session 1 is still there: applying to it works.
    const proposal = proposalOf(posted)
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 4,
      sessionId: 1,
      mapping: proposal.mapping,
      cleaning: DEFAULT_CLEANING,
    })
    expect(posted.at(-1)?.type).toBe('loaded')
  })

  it('cancels a read', async () => {
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    const reading = ingestor.handle({ type: 'ingest-files', ingestId: 1, files: [generic()], overrides: {} })
    await ingestor.handle({ type: 'ingest-cancel', ingestId: 1 })
    await reading
    expect(posted.at(-1)).toMatchObject({ type: 'ingest-failed', problem: { cancelled: true } })
  })

  it('refuses a mapping naming a missing column or the same id twice, naming file and column', async () => {
    const posted = await drive([{ type: 'ingest-files', ingestId: 1, files: [generic()], overrides: {} }])
    const proposal = proposalOf(posted)
    const ingestor = new Ingestor((m) => posted.push(m))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: [generic()], overrides: {} })
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 2,
      sessionId: 1,
      mapping: { ...proposal.mapping, itemId: proposal.mapping.userId },
      cleaning: DEFAULT_CLEANING,
    })
    expect(posted.at(-1)).toMatchObject({
      type: 'ingest-failed',
      stage: 'apply',
      problem: { file: 'events.csv', column: 'customer_id' },
    })
  })
})

describe('mapping helpers', () => {
  const interactions = dictTableFromRows(
    'log.csv',
    ['uid', 'iid', 'device', 'segment'],
    [
      ['u1', 'i1', 'web', 'gold'],
      ['u1', 'i2', 'app', 'gold'],
      ['u2', 'i1', 'web', 'blue'],
    ],
  )

  it('lifts interaction columns sent to a tower into that entity table', () => {
    const { tables, mapping } = liftToTowers(
      { interactions },
      {
        userId: 'uid',
        itemId: 'iid',
        features: [
          { table: 'interactions', column: 'segment', kind: 'categorical', tower: 'user' },
          { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
        ],
      },
    )
    expect(tables.users?.columns).toEqual(['uid', 'segment'])
    expect(tables.users?.rowCount).toBe(2)
    expect(mapping.features.map((f) => f.table)).toEqual(['users', 'interactions'])
  })

  it('checks that mapped columns exist, naming file and column', () => {
    const check = (mapping: Parameters<typeof validateMapping>[1]) =>
      validateMapping(mappingFacts({ interactions }, mapping), mapping)
    expect(check({ userId: 'uid', itemId: 'nope', features: [] })).toMatchObject([
      { severity: 'error', file: 'log.csv', column: 'nope' },
    ])
    expect(check({ userId: 'uid', itemId: 'iid', features: [] })).toEqual([])
  })

  it('proposes with roles the person chose, renaming the entity key', () => {
    const people = dictTableFromRows(
      'people.csv',
      ['id', 'age'],
      [
        ['u1', '30'],
        ['u2', '40'],
      ],
    )
    const result = proposeWithRoles(
      [interactions, people],
      [
        { file: 'log.csv', role: 'interactions' },
        { file: 'people.csv', role: 'users' },
      ],
    )
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.tables.users?.columns).toContain(result.data.mapping.userId)
    expect(result.data.roles).toEqual([
      { file: 'log.csv', role: 'interactions' },
      { file: 'people.csv', role: 'users' },
    ])
  })
})

describe('number columns', () => {
  /**
   * 120,000 interactions whose timestamp, price and event id have tens of thousands of distinct numeric
   * values (so the parser stores them as numbers), with exact duplicate rows, missing prices, a column
   * constant per user and a categorical one. With `isoTimes` the time is an ISO date-time with a zone
   * and a second date-time column (`shipped_at`, naive, with milliseconds) rides along.
   */
  function wideFile(isoTimes: boolean): Uint8Array {
    let s = 99
    const next = () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32)
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString()
    const rows = [`event_id,user_id,item_id,timestamp,price,device,age${isoTimes ? ',shipped_at' : ''}`]
    for (let r = 0; r < 120_000; r++) {
      const user = Math.floor(next() * 3000)
      const time = 1_600_000_000 + r * 13 + Math.floor(next() * 13)
      const line = [
        String(5_000_000 + r),
        `u${user}`,
        `i${Math.floor(800 * next() ** 2)}`,
        isoTimes ? iso(time).replace('.000Z', '+02:00') : String(time),
        r % 97 === 0 ? '' : String(Math.round(next() * 10_000_000) / 100),
        ['ios', 'android', 'web'][Math.floor(next() * 3)],
        String(18 + (user % 50)),
        ...(isoTimes ? [iso(time + 86_400 + next()).replace('Z', '')] : []),
      ]
      rows.push(line.join(','))
      if (r % 1000 === 0) rows.push(line.join(',')) // an exact duplicate
    }
    return utf8(rows.join('\n') + '\n')
  }

  /** Parse -> propose -> lift -> clean -> encode -> EDA, as the worker does on apply. */
  function pipeline(bytes: Uint8Array, numberColumns: boolean) {
    const parsed = parseBytes('wide.csv', bytes, { numberColumns })
    if (!parsed.ok) throw new Error(parsed.reason)
    const proposal = proposeMapping([parsed.data.table])
    if (!proposal.ok) throw new Error(proposal.reason)
    // Interaction columns are not inputs by default; the person marks price and device as context.
    const chosen = {
      ...proposal.data.mapping,
      features: [
        ...proposal.data.mapping.features,
        { table: 'interactions', column: 'price', kind: 'numeric', tower: 'context' },
        { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
      ] satisfies FeatureMapping[],
    }
    const { tables, mapping } = liftToTowers(proposal.data.tables, chosen)
    const cleaned = cleanDataset(tables, mapping, {
      ...DEFAULT_CLEANING,
      clipQuantiles: { lower: 0.01, upper: 0.99 },
      minInteractionsPerUser: 3,
    })
    if (!cleaned.ok) throw new Error(cleaned.reason)
    const encoded = encodeDataset('wide', cleaned.data.tables, mapping)
    if (!encoded.ok) throw new Error(encoded.reason)
    // Means are summed in another order (per row vs per distinct value): equal to 12 digits, not bits.
    const edaOf = (t: typeof tables, m: typeof mapping) => {
      const eda = computeEda(t, m)
      return { ...eda, numeric: eda.numeric.map((n) => ({ ...n, mean: Number(n.mean.toPrecision(12)) })) }
    }
    return {
      table: parsed.data.table,
      proposal: { ...proposal.data, tables: undefined },
      proposedEda: edaOf(proposal.data.tables, proposal.data.mapping),
      steps: cleaned.data.steps,
      eda: edaOf(cleaned.data.tables, mapping),
      encoded: encoded.data,
    }
  }

  it.each([false, true])(
    'give the same mapping, cleaning, EDA and encoded data as dictionary columns (ISO times: %s)',
    (isoTimes) => {
      const bytes = wideFile(isoTimes)
      const numbers = pipeline(bytes, true)
      const dictionaries = pipeline(bytes, false)
      // The path under test is taken: high-cardinality numbers are stored as numbers, ids are not.
      const stored = (c: string) => isNumberColumn(numbers.table.coded[c])
      expect(['event_id', 'timestamp', 'price'].map(stored)).toEqual([true, true, true])
      expect(['user_id', 'item_id', 'device', 'age'].map(stored)).toEqual([false, false, false, false])
      if (isoTimes) expect(stored('shipped_at')).toBe(true)
      expect(Object.values(dictionaries.table.coded).some(isNumberColumn)).toBe(false)

      expect(numbers.proposal.mapping.timestamp).toBe('timestamp')
      expect(numbers.proposal.mapping.features.map((f) => `${f.column}:${f.kind}:${f.tower}`)).toEqual([
        'age:numeric:user',
      ])
      expect(numbers.encoded.contextFields.map((f) => `${f.name}:${f.kind}`)).toEqual([
        'price:numeric',
        'device:categorical',
      ])
      expect(numbers.proposal).toEqual(dictionaries.proposal)
      expect(numbers.proposedEda).toEqual(dictionaries.proposedEda)
      expect(numbers.steps).toEqual(dictionaries.steps)
      expect(numbers.steps.find((s) => s.step === 'duplicates')!.rowsAfter).toBeLessThan(
        numbers.steps.find((s) => s.step === 'duplicates')!.rowsBefore,
      )
      expect(numbers.steps.find((s) => s.step === 'clip-outliers')!.cellsChanged).toBeGreaterThan(0)
      expect(numbers.eda).toEqual(dictionaries.eda)
      expect(numbers.encoded.interactionTime).not.toBeNull()
      expect(numbers.encoded).toEqual(dictionaries.encoded)
    },
  )
})
