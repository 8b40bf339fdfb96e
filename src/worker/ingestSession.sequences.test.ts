/**
 * The sequential logs of `testingSequences.ts` through the worker's whole ingestion, as the page takes a
 * dropped MovieLens 100K folder: they must be read as MovieLens 100K (so whatever the page does with a
 * real u.data, it does with these), with the timestamp and rating found and the rating never an input.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CLEANING } from '../data/clean'
import { sequentialMovieLens } from '../data/testingSequences'
import { Ingestor } from './ingestSession'
import type { FromWorker } from './protocol'

describe('sequential MovieLens logs through the worker', () => {
  it('are recognised as MovieLens 100K with time and rating, no rating as input, counts as generated', async () => {
    const { files, truth } = sequentialMovieLens({ seed: 3, size: 20_000 })
    const posted: FromWorker[] = []
    const ingestor = new Ingestor((m) => posted.push(m))
    const dropped = files.map((f) => new File([new Uint8Array(f.bytes)], f.name))
    await ingestor.handle({ type: 'ingest-files', ingestId: 1, files: dropped, overrides: {} })
    const read = posted.at(-1)!
    if (read.type !== 'ingest-proposal') throw new Error(JSON.stringify(read))
    const { proposal } = read
    expect(proposal.format).toBe('MovieLens 100K')
    expect(proposal.mapping).toMatchObject({
      userId: 'user_id',
      itemId: 'item_id',
      rating: 'rating',
      timestamp: 'timestamp',
      itemLabel: 'title',
    })
    expect(proposal.mapping.features.filter((f) => f.table === 'interactions')).toEqual([])
    expect(proposal.mapping.features.map((f) => f.column)).not.toContain('rating')
    expect(proposal.mapping.features).toContainEqual(
      expect.objectContaining({ table: 'items', column: 'genres', kind: 'multi' }),
    )

    await ingestor.handle({
      type: 'ingest-apply',
      ingestId: 2,
      sessionId: 1,
      mapping: proposal.mapping,
      cleaning: DEFAULT_CLEANING,
    })
    const applied = posted.find((m) => m.type === 'ingest-applied' || m.type === 'ingest-failed')!
    if (applied.type !== 'ingest-applied') throw new Error(JSON.stringify(applied))
    const { summary, steps } = applied.applied
    expect(summary.hasTimestamps).toBe(true)
    // Nothing is cleaned away: every generated event reaches the model, on the generated catalogue.
    expect(steps.find((s) => s.step === 'duplicates')!.message).toBe('No duplicate interactions.')
    expect([summary.users, summary.items, summary.interactions]).toEqual([
      truth.users,
      truth.items,
      truth.eventItem.length,
    ])
    expect(summary.fields.map((f) => f.name)).not.toContain('rating')
  })
})
