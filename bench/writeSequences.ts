/**
 * Writes the sequential MovieLens 100K logs of src/data/testingSequences.ts (u.data, u.item, u.user,
 * u.genre, u.occupation, u.info) to `<outDir>/`, for the page (drop the folder) and for reference models
 * outside it (a PyTorch SASRec) to read the same files. Node has no TypeScript runner here, so bundle first:
 *
 *   npx rolldown bench/writeSequences.ts --file /tmp/writeSequences.mjs --platform node
 *   node /tmp/writeSequences.mjs <outDir> [--seed N] [--size N]
 *
 * `--size` is the number of ratings (default 100,000, MovieLens 100K's). Read u.data as the page does:
 * order each user's rows by timestamp, ties by line (a stable sort), which gives back the generated
 * order; the last event of each user is the test query, the one before it validation. Also writes
 * `truth.json`: per user, the generated sequence (item ids) with the session of each event, and each
 * title's follow-up id (0 for none), so a reference can check what it reads. Prints one line per file:
 * path and bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { sequentialMovieLens } from '../src/data/testingSequences'

function main(args: string[]): void {
  let outDir: string | null = null
  let seed: number | undefined
  let size: number | undefined
  for (let k = 0; k < args.length; k++) {
    const arg = args[k]
    if (arg === '--seed') seed = Number(args[++k])
    else if (arg === '--size') size = Number(args[++k])
    else if (outDir === null && !arg.startsWith('--')) outDir = arg
    else throw new Error(`unknown argument ${arg}`)
  }
  if (outDir === null) throw new Error('usage: node writeSequences.mjs <outDir> [--seed N] [--size N]')
  mkdirSync(outDir, { recursive: true })
  const { files, truth } = sequentialMovieLens({ seed, size })
  const sequences = Array.from({ length: truth.users }, (_, u) => {
    const events = Array.from(
      { length: truth.userStart[u + 1] - truth.userStart[u] },
      (_, k) => truth.userStart[u] + k,
    )
    return {
      items: events.map((e) => truth.eventItem[e] + 1),
      sessions: events.map((e) => truth.eventSession[e]),
    }
  })
  const truthJson = JSON.stringify({
    seed: seed ?? null,
    size: size ?? null,
    users: truth.users,
    items: truth.items,
    sequences,
    followUp: Array.from(truth.followUp, (next) => next + 1),
  })
  for (const file of [...files, { name: 'truth.json', bytes: new TextEncoder().encode(truthJson) }]) {
    const target = path.join(outDir, file.name)
    writeFileSync(target, file.bytes)
    console.log(`${target}\t${file.bytes.length}`)
  }
}

main(process.argv.slice(2))
