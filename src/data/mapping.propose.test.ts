import { describe, expect, it } from 'vitest'
import { cleanDataset, DEFAULT_CLEANING } from './clean'
import { computeEda } from './eda'
import { encodeDataset } from './encode'
import type { FeatureMapping } from './mapping'
import { liftToTowers } from './mapping.join'
import { proposeMapping, proposeWithRoles } from './mapping.propose'
import { parseBytes } from './parse'
import { dictTableFromRows, isNumberColumn } from './table'
import { smallLog, utf8 } from './testing'

describe('proposeWithRoles', () => {
  const interactions = smallLog()

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
