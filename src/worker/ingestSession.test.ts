import { describe, expect, it } from 'vitest'
import { DEFAULT_CLEANING } from '../data/clean'
import { Ingestor, type IngestMessage } from './ingestSession'
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

  it('keeps the applied upload’s mapping.json for an exported PyTorch project, and says why when there is none', async () => {
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: ml100k(), overrides: {} })
    const proposal = proposalOf(posted)
    const cleaning = { ...DEFAULT_CLEANING, minInteractionsPerUser: 2 }
    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 2,
      sessionId: proposal.sessionId,
      mapping: proposal.mapping,
      cleaning,
    })
    const message = posted.find((p) => p.type === 'ingest-applied')
    if (message?.type !== 'ingest-applied') throw new Error(JSON.stringify(posted.at(-1)))
    const { applied } = message
    const data = ingestor.dataset(applied.source)
    const { file, problem } = ingestor.mappingFileFor(data)
    expect(problem).toBeNull()
    // How each file was read and what was applied: the page's own choices, no data.
    expect(file).toEqual(applied.mappingFile)
    expect(file!.files.map((f) => [f.name, f.encoding])).toEqual([
      ['u.data', 'utf-8'],
      ['u.user', 'utf-8'],
      ['u.item', 'windows-1252'],
    ])
    expect(file!.cleaning).toEqual(cleaning)
    expect(file!.mapping.userId).toBe('user_id')
    expect(JSON.stringify(file)).not.toContain('881250949')
    // Other data than the applied upload's, or an upload kept by an older page: no mapping, and why.
    expect(ingestor.mappingFileFor({ ...data }).problem).toMatch(/no longer the applied upload/)
    const older = new Ingestor(() => undefined)
    older.adopt({ ...applied, mappingFile: undefined, mappingFileProblem: undefined }, data)
    expect(older.mappingFileFor(data)).toEqual({
      file: null,
      problem: expect.stringMatching(/older version of the page/),
    })
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
