/**
 * Dropped files shaped like the public data sets people bring (generated, see `testingShapes.ts`), taken
 * through the worker's whole ingestion as the page does: read, propose, validate, apply. What the page
 * proposes and reports for each is pinned here, so a change that quietly makes an answer wrong on real
 * files (a rating fed to the model, a status taken for an item, a log taken for a user table) fails.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CLEANING } from '../data/clean'
import { validateMapping } from '../data/mapping'
import { shapeFiles, type ShapeName } from '../data/testingShapes'
import type { ColumnMapping } from '../data/mapping'
import { Ingestor } from './ingestSession'
import type { FromWorker, IngestApplied, IngestProposal } from './protocol'

/** Reads the shape's files and applies what was proposed (or `edit` of it). */
async function ingest(
  shape: ShapeName,
  size?: number,
  edit: (mapping: ColumnMapping) => ColumnMapping = (m) => m,
): Promise<{ proposal: IngestProposal; applied: IngestApplied | null; failure: string | null }> {
  const files = shapeFiles(shape, { seed: 3, size }).map((f) => asFile(f))
  const posted: FromWorker[] = []
  const ingestor = new Ingestor((m) => posted.push(m))
  await ingestor.handle({ type: 'ingest-files', ingestId: 1, files, overrides: {} })
  const read = posted.at(-1)!
  if (read.type !== 'ingest-proposal') throw new Error(JSON.stringify(read))
  const mapping = edit(read.proposal.mapping)
  await ingestor.handle({
    type: 'ingest-apply',
    ingestId: 2,
    sessionId: 1,
    mapping,
    cleaning: DEFAULT_CLEANING,
  })
  const done = posted.find(
    (m) => m.type === 'ingest-applied' || (m.type === 'ingest-failed' && m.ingestId === 2),
  )
  return {
    proposal: read.proposal,
    applied: done?.type === 'ingest-applied' ? done.applied : null,
    failure: done?.type === 'ingest-failed' ? done.problem.reason : null,
  }
}

/** A `File` of a generated file (its bytes copied into a plain ArrayBuffer, as `File` wants). */
const asFile = (f: { name: string; bytes: Uint8Array }) => new File([new Uint8Array(f.bytes)], f.name)

/** The bytes of a CSV with one header name replaced. */
function renameHeader(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = new TextDecoder().decode(bytes)
  const newline = text.indexOf('\n')
  return new TextEncoder().encode(text.slice(0, newline).replace(from, to) + text.slice(newline))
}

const interactionInputs = (m: ColumnMapping) => m.features.filter((f) => f.table === 'interactions')

describe('real file shapes through the worker', () => {
  it('a headerless u.data under another name: time and rating found by their values, no input leaks', async () => {
    const { proposal, applied } = await ingest('movielens-100k-renamed', 20_000)
    expect(proposal.mapping).toEqual({
      userId: 'column_1',
      itemId: 'column_2',
      rating: 'column_3',
      timestamp: 'column_4',
      features: [],
    })
    // With the time known, duplicates are judged on (user, item, time) and the split is temporal.
    expect(applied!.steps.find((s) => s.step === 'duplicates')!.message).toBe('No duplicate interactions.')
    expect(applied!.summary.hasTimestamps).toBe(true)
    expect(applied!.summary.fields.map((f) => f.name)).toEqual(['column_1', 'column_2'])
  })

  it('RecBole atomic files: a known format, types from the header, titles as names', async () => {
    const { proposal, applied } = await ingest('recbole-ml-100k', 20_000)
    expect(proposal.format).toBe('RecBole atomic files')
    expect(proposal.mapping).toMatchObject({
      userId: 'user_id',
      itemId: 'item_id',
      rating: 'rating',
      timestamp: 'timestamp',
      itemLabel: 'movie_title',
    })
    expect(interactionInputs(proposal.mapping)).toEqual([])
    expect(proposal.mapping.features).toContainEqual({
      table: 'items',
      column: 'class',
      kind: 'multi',
      tower: 'item',
      separator: ' ',
    })
    expect(proposal.tables.flatMap((t) => t.columns).filter((c) => c.includes(':'))).toEqual([])
    expect(applied!.summary.fields.find((f) => f.name === 'class')!.cardinality).toBeGreaterThanOrEqual(18)
  })

  it('a rating named in German, with a film table whose title column becomes the names', async () => {
    const { proposal } = await ingest('german-ratings', 5_000)
    expect(proposal.mapping).toMatchObject({
      userId: 'nutzer',
      itemId: 'film',
      rating: 'bewertung',
      timestamp: 'zeit',
      itemLabel: 'titel',
    })
    expect(interactionInputs(proposal.mapping)).toEqual([])
  })

  it('a 0–10 score and a 0/1 click are ratings, never inputs', async () => {
    expect((await ingest('score-ratings', 3_000)).proposal.mapping).toMatchObject({
      rating: 'score',
      features: [],
    })
    expect((await ingest('click-log', 3_000)).proposal.mapping).toMatchObject({
      rating: 'clicked',
      features: [],
    })
  })

  it("a student's TheLook export under other names: recognised by its columns; logs are not side tables", async () => {
    const { proposal, applied } = await ingest('thelook-pandas', 3_000)
    expect(proposal.format).toBe('TheLook e-commerce')
    expect(proposal.roles.map((r) => [r.file, r.role])).toEqual(
      expect.arrayContaining([
        ['order_items_final.csv', 'interactions'],
        ['users_final.csv', 'users'],
        ['products_final.csv', 'items'],
        ['orders_final.csv', 'unused'],
        ['events_final.csv', 'unused'],
      ]),
    )
    expect(proposal.roles.find((r) => r.file === 'events_final.csv')!.note).toMatch(
      /product views are not used while order_items_final\.csv gives purchases/,
    )
    const features = proposal.mapping.features.map((f) => f.column)
    for (const personal of ['first_name', 'last_name', 'email', 'street_address'])
      expect(features).not.toContain(personal)
    expect(interactionInputs(proposal.mapping)).toEqual([])
    expect(proposal.mapping.itemLabel).toBe('name')
    // The numbers the page shows agree: users in the summary are the users of the cleaned interactions.
    expect(applied!.summary.users).toBe(applied!.eda.counts.users)
    expect(applied!.summary.items - (applied!.summary.itemsWithoutInteractions ?? 0)).toBe(
      applied!.eda.counts.items,
    )
  })

  it('the same tables under other names, inferred: logs are not side tables, personal details are not features', async () => {
    // Without the known format (headers renamed out of its shape), inference has to cope.
    const files = shapeFiles('thelook-pandas', { seed: 3, size: 3_000 }).filter(
      (f) => f.name !== 'products_final.csv',
    )
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    const renamed = files.map((f) =>
      f.name === 'order_items_final.csv'
        ? { name: 'purchases.csv', bytes: renameHeader(f.bytes, 'inventory_item_id', 'stock_item') }
        : f.name === 'events_final.csv'
          ? { name: f.name, bytes: renameHeader(f.bytes, 'event_type', 'kind') }
          : f,
    )
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: renamed.map(asFile), overrides: {} })
    const read = posted.at(-1)!
    if (read.type !== 'ingest-proposal') throw new Error(JSON.stringify(read))
    const { proposal } = read
    expect(proposal.format).toBeNull()
    expect(proposal.roles.map((r) => [r.file, r.role])).toEqual(
      expect.arrayContaining([
        ['purchases.csv', 'interactions'],
        ['users_final.csv', 'users'],
        ['orders_final.csv', 'unused'],
        ['events_final.csv', 'unused'],
      ]),
    )
    expect(proposal.roles.find((r) => r.file === 'events_final.csv')!.note).toMatch(
      /another log with "user_id" on many rows/,
    )
    const features = proposal.mapping.features.map((f) => f.column)
    for (const personal of ['first_name', 'last_name', 'email', 'street_address'])
      expect(features).not.toContain(personal)
    expect(interactionInputs(proposal.mapping)).toEqual([])
  })

  it('TheLook web events alone, under another name: product views, never an IP address as the item', async () => {
    const files = shapeFiles('thelook-pandas', { seed: 3, size: 3_000 }).filter(
      (f) => f.name === 'events_final.csv',
    )
    const posted: FromWorker[] = []
    await new Ingestor((m) => posted.push(m)).handle({
      type: 'ingest-files',
      ingestId: 1,
      files: files.map(asFile),
      overrides: {},
    })
    const read = posted.at(-1)!
    if (read.type !== 'ingest-proposal') throw new Error(JSON.stringify(read))
    expect(read.proposal.format).toBe('TheLook e-commerce')
    expect(read.proposal.mapping).toMatchObject({ userId: 'user_id', itemId: 'product_id' })
  })

  it('the person choosing the event log as the user table is refused, naming two rows that disagree', async () => {
    const { proposal } = await ingest('thelook-pandas', 3_000)
    // What the mapper would send after the person picked events_final.csv as the user table: the worker
    // re-proposes with those roles, and validation of that proposal refuses it.
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    const files = shapeFiles('thelook-pandas', { seed: 3, size: 3_000 }).map((f) => asFile(f))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files, overrides: {} })
    const roles = proposal.roles.map((r) =>
      r.file === 'events_final.csv'
        ? { file: r.file, role: 'users' as const }
        : r.role === 'users'
          ? { file: r.file, role: 'unused' as const }
          : { file: r.file, role: r.role },
    )
    await ingestor.handle({ type: 'ingest-roles', ingestId: 2, sessionId: 1, roles })
    const remapped = posted.at(-1)!
    if (remapped.type !== 'ingest-proposal') throw new Error(JSON.stringify(remapped))
    const errors = validateMapping(remapped.proposal.facts, remapped.proposal.mapping).filter(
      (i) => i.severity === 'error',
    )
    expect(errors).toHaveLength(1)
    expect(errors[0].message).toMatch(
      /^events_final\.csv is not a user table: [\d,]+ user_id value\(s\) are on several rows that disagree \(e\.g\. \S+ on rows [\d,]+ and [\d,]+\)/,
    )
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 3,
      sessionId: 1,
      mapping: remapped.proposal.mapping,
      cleaning: DEFAULT_CLEANING,
    })
    expect(posted.at(-1)).toMatchObject({ type: 'ingest-failed', problem: { reason: errors[0].message } })
  })

  it('Online Retail: stock codes with letters are items, quantities are not; local dates are named', async () => {
    const { proposal } = await ingest('online-retail', 5_000)
    expect(proposal.mapping).toMatchObject({ userId: 'CustomerID', itemId: 'StockCode' })
    expect(proposal.mapping.timestamp).toBeUndefined()
    expect(proposal.notes.join(' ')).toMatch(/"InvoiceDate" holds dates written the local way/)
  })

  it('Retailrocket events: visitors, items, epoch milliseconds; the event type is not an input', async () => {
    const { proposal } = await ingest('retailrocket', 5_000)
    expect(proposal.mapping).toMatchObject({
      userId: 'visitorid',
      itemId: 'itemid',
      timestamp: 'timestamp',
      features: [],
    })
  })

  it("Excel's sep= line and a header-only file", async () => {
    expect((await ingest('excel-export')).proposal.reports[0]).toMatchObject({ delimiter: ',', header: true })
    const posted: FromWorker[] = []
    const files = shapeFiles('header-only').map((f) => asFile(f))
    await new Ingestor((m) => posted.push(m)).handle({
      type: 'ingest-files',
      ingestId: 1,
      files,
      overrides: {},
    })
    expect(posted.at(-1)).toMatchObject({
      type: 'ingest-failed',
      problem: { reason: expect.stringMatching(/has a header \(.*\) but no data rows\./) },
    })
  })
})
