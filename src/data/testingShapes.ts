/**
 * Seeded generators of files in the shapes public recommendation datasets are published in: their file
 * names, headers (or none), delimiters, encodings, value formats and known quirks, filled with made-up
 * rows that have the statistics that make ingestion hard: long-tailed item popularity, a few heavy users
 * among many light ones, bursts of events in the same second, missing cells.
 *
 * No published row is copied (MovieLens' licence forbids redistributing its data, and the others are not
 * ours to ship): only facts about the formats, each cited where its generator starts. Counts that a
 * README states (users, items, rows, the rating scale, time span) are kept at the default size; shares
 * and spreads marked "about" are rounded from the published files and are targets, not copies.
 *
 * Used by ingestion tests (roles, timestamps and ratings read by content, the leak guard, side-table
 * checks) and browser tests, and by `bench/writeShapes.ts`, which writes every shape to a folder for
 * trying the page by hand. Pure: every generator returns `{ name, bytes }` files and touches nothing.
 */
import { ML100K_GENRES } from './formats'
import { mulberry32, normal, randInt, shuffleInPlace, type Rng } from './random'
import { utf8 } from './testing'

/** One generated file: its name as the publisher ships it, and its bytes in the publisher's encoding. */
export interface ShapeFile {
  name: string
  bytes: Uint8Array
}

export interface ShapeOptions {
  /** Same seed and size, same bytes. */
  seed?: number
  /** What the file set's size counts: `SHAPES[shape].sizeMeans`; `SHAPES[shape].defaultSize` when absent. */
  size?: number
}

const DEFAULT_SEED = 1
const SECONDS_PER_DAY = 86_400
const MS_PER_DAY = 86_400_000
const US_PER_SECOND = 1_000_000

// ---------------------------------------------------------------------------------------------------
// Writing helpers
// ---------------------------------------------------------------------------------------------------

/** Rows joined into text, every line (the last too) ended by `newline`, as each of these files ends. */
function textOf(rows: readonly string[], newline = '\n'): string {
  return rows.length === 0 ? '' : rows.join(newline) + newline
}

/** A cell as RFC 4180 writers (Python's csv, pandas, BigQuery) write it: quoted only when it must be. */
function csvCell(value: string | number, delimiter = ','): string {
  const text = String(value)
  const mustQuote = text.includes(delimiter) || text.includes('"') || /[\r\n]/.test(text)
  return mustQuote ? `"${text.replaceAll('"', '""')}"` : text
}

function csvLine(cells: readonly (string | number)[], delimiter = ','): string {
  return cells.map((c) => csvCell(c, delimiter)).join(delimiter)
}

/**
 * Latin-1 bytes of text whose characters are all below U+0100. A plain loop: `latin1` in testing.ts
 * iterates by code point, which takes seconds on MovieLens 1M's 24 MB.
 */
function latin1(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code > 0xff) throw new Error(`latin1: ${JSON.stringify(text[i])} is not a Latin-1 character`)
    bytes[i] = code
  }
  return bytes
}

/** A word list written as lines of space-separated words. */
const words = (...lines: string[]) => lines.join(' ').split(' ')
/** A phrase list written as lines of `|`-separated phrases (a line break separates phrases too). */
const phrases = (...lines: string[]) => lines.join('|').split('|')

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** `2021-03-04 18:22:05` (UTC) of epoch seconds; `T` instead of the space with `separator`. */
function isoSeconds(seconds: number, separator = ' '): string {
  const d = new Date(seconds * 1000)
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `${separator}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  )
}

/** `2023-01-05 10:11:12.123456` of epoch microseconds, with all six digits or (`fraction` false) none. */
function microsText(us: number, fraction: boolean): string {
  const whole = Math.floor(us / US_PER_SECOND)
  const text = isoSeconds(whole)
  return fraction ? `${text}.${pad(us - whole * US_PER_SECOND, 6)}` : text
}

/**
 * A TIMESTAMP as a BigQuery CSV export writes it: `2023-01-05 10:11:12.123456 UTC`, the fraction left
 * out when it is zero (`2023-01-05 10:11:12 UTC`).
 */
function bigQueryTime(us: number): string {
  return `${microsText(us, us % US_PER_SECOND !== 0)} UTC`
}

/**
 * A time-zone-aware pandas datetime column as `DataFrame.to_csv` writes it: `+00:00` for UTC and the
 * same precision on every row of the column (microseconds here, since some rows have them).
 */
function pandasTime(us: number): string {
  return `${microsText(us, true)}+00:00`
}

// ---------------------------------------------------------------------------------------------------
// Random helpers
// ---------------------------------------------------------------------------------------------------

function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean
}

function pick<T>(rng: Rng, values: readonly T[]): T {
  return values[randInt(rng, values.length)]
}

/** Integer in [from, to]. */
function between(rng: Rng, from: number, to: number): number {
  return from + randInt(rng, to - from + 1)
}

/** Draws indices in proportion to fixed weights in O(log n): cumulative sums and a binary search. */
export class WeightedSampler {
  private readonly cumulative: Float64Array

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length)
    let sum = 0
    for (let i = 0; i < weights.length; i++) this.cumulative[i] = sum += weights[i]
  }

  draw(rng: Rng): number {
    const c = this.cumulative
    const r = rng() * c[c.length - 1]
    let lo = 0
    let hi = c.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (c[mid] > r) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

/** A sampler over `[value, weight]` rows that returns values. */
function tableSampler<T>(table: readonly (readonly [T, number])[]): (rng: Rng) => T {
  const sampler = new WeightedSampler(table.map(([, w]) => w))
  return (rng) => table[sampler.draw(rng)][0]
}

/** Uppercase hex digits. */
function hex(rng: Rng, digits: number): string {
  let text = ''
  for (let i = 0; i < digits; i++) text += '0123456789ABCDEF'[randInt(rng, 16)]
  return text
}

/** A version-4 UUID as databases print them (lower case). */
function uuid(rng: Rng): string {
  const h = hex(rng, 32).toLowerCase()
  const variant = '89ab'[randInt(rng, 4)]
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`
}

/**
 * Entities at a size other than the published one: `real * (size / realSize)^exponent`, at least `min`.
 * Users grow with the rows (exponent 1: per-user activity stays as published); catalogues with a small
 * power of them, so a small test file still has enough items for its heaviest users.
 */
export function scaledCount(
  real: number,
  size: number,
  realSize: number,
  exponent: number,
  min: number,
): number {
  return Math.max(min, Math.round(real * Math.pow(size / realSize, exponent)))
}

/**
 * Users near `wanted` such that each can rate between `min` and `max` items and together they rate
 * exactly `ratings`: what `activityCounts` needs.
 */
export function feasibleUsers(wanted: number, ratings: number, min: number, max: number): number {
  return Math.max(
    1,
    Math.min(Math.floor(ratings / min), Math.max(Math.round(wanted), Math.ceil(ratings / max))),
  )
}

/**
 * Log-normal popularity weights of spread `sigma`, the top `headShare` of items levelled to one weight.
 * MovieLens' ratings per title fall off faster at the bottom than a power law's (many titles with one
 * or two ratings) and are flatter at the top (the most rated titles have similar counts). `idBias` > 0
 * keeps low item positions somewhat more popular (MovieLens numbers titles in the order they were added,
 * so older ids have had longer to collect ratings).
 */
export function logNormalPopularity(
  rng: Rng,
  n: number,
  sigma: number,
  headShare: number,
  idBias: number,
): Float64Array {
  const values = Array.from({ length: n }, () => Math.exp(sigma * normal(rng))).sort((a, b) => b - a)
  const head = values[Math.floor(n * headShare)]
  for (let r = 0; r < n; r++) values[r] = Math.min(values[r], head)
  const keys = Float64Array.from({ length: n }, (_, i) => (idBias * i) / n + rng())
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b])
  const weights = new Float64Array(n)
  order.forEach((position, rank) => (weights[position] = values[rank]))
  return weights
}

/**
 * Item popularity weights: the item of rank r (0 = most popular) weighs (r + offset)^-exponent, a
 * Zipf–Mandelbrot law, the long tail of clicks and purchases per item. Ranks are shuffled over items.
 */
function popularityWeights(rng: Rng, n: number, exponent: number, offset: number): Float64Array {
  const ranks = shuffleInPlace(rng, [...Array(n).keys()])
  return Float64Array.from(ranks, (rank) => Math.pow(rank + offset, -exponent))
}

/**
 * Per-entity event counts summing exactly to `total`, each in [min, max]: `min` plus a log-normal part
 * of spread `sigma`, scaled to the total. Log-normal activity gives real logs' many light users next
 * to a few heavy ones. With `filtered`, the log-normal is cut below half its median and shifted down to
 * start at `min`, so counts are densest at `min` and thin out above: the users of a release that dropped
 * everyone under `min` (MovieLens' "at least 20 ratings"). Throws when the bounds cannot hold the total:
 * that is a bug in the caller.
 */
export function activityCounts(
  rng: Rng,
  n: number,
  total: number,
  min: number,
  max: number,
  sigma: number,
  filtered = false,
): Int32Array {
  if (n * min > total || n * max < total)
    throw new Error(`activityCounts: ${n} entities cannot hold ${total} events between ${min} and ${max}`)
  const cut = filtered ? 0.5 : 0
  const spread = Float64Array.from({ length: n }, () => {
    for (;;) {
      const e = Math.exp(sigma * normal(rng))
      if (e >= cut) return e - cut
    }
  })
  const sumAt = (scale: number) => {
    let sum = 0
    for (const e of spread) sum += Math.min(max, min + scale * e)
    return sum
  }
  let lo = 0
  let hi = 1
  while (sumAt(hi) < total) hi *= 2
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2
    if (sumAt(mid) < total) lo = mid
    else hi = mid
  }
  const exact = Array.from(spread, (e) => Math.min(max, min + hi * e))
  const counts = Int32Array.from(exact, Math.floor)
  let left = total - counts.reduce((a, b) => a + b, 0)
  // The rounding remainder goes to the largest fractional parts, skipping entities at the cap.
  const byFraction = exact.map((_, i) => i).sort((a, b) => (exact[b] % 1) - (exact[a] % 1))
  while (left > 0)
    for (const i of byFraction) {
      if (left === 0) break
      if (counts[i] < max) {
        counts[i]++
        left--
      }
    }
  return counts
}

/**
 * Fits relative times (`offsets`, from 0, ascending) into [start, end]: compressed when longer than the
 * span, then started at `start + room * u^skew` (skew 1 spreads starts evenly, larger crowds them
 * towards `start`). Whole units: equal offsets stay equal.
 */
function fitIntoSpan(rng: Rng, offsets: number[], start: number, end: number, skew: number): number[] {
  const length = offsets.length === 0 ? 0 : offsets[offsets.length - 1]
  const scale = length > end - start ? (end - start) / length : 1
  const first = start + (end - start - length * scale) * Math.pow(rng(), skew)
  return offsets.map((o) => Math.floor(first + o * scale))
}

/** How one person's events spread over time: a few sessions, each a burst of events seconds apart. */
interface BurstSpec {
  startSec: number
  endSec: number
  /** 1 spreads people's first sessions evenly over the span; larger values crowd them towards the start. */
  joinSkew: number
  /** Mean number of sessions after the first. */
  meanExtraSessions: number
  meanDaysBetweenSessions: number
  /** Mean share of a person's events in their first session (MovieLens asks new users to rate at once). */
  firstSessionShare: number
  /** Share of events in the same second as the previous one of their session. */
  tieShare: number
  /** Mean seconds between events of a session otherwise. */
  meanStepSec: number
}

/** Epoch seconds, ascending, of one person's `count` events. */
function burstTimes(rng: Rng, count: number, spec: BurstSpec): number[] {
  // Flooring an exponential loses about half a unit of its mean.
  const sessions = Math.min(count, 1 + Math.floor(exponential(rng, spec.meanExtraSessions + 0.5)))
  const sizes = new Array<number>(sessions).fill(1)
  let left = count - sessions
  const first = sessions === 1 ? left : Math.round(left * spec.firstSessionShare * (0.5 + rng()))
  sizes[0] += Math.min(left, first)
  left -= Math.min(left, first)
  while (left-- > 0) sizes[1 + randInt(rng, sessions - 1)]++
  const offsets: number[] = []
  let sessionStart = 0
  sizes.forEach((size, s) => {
    if (s > 0)
      sessionStart =
        offsets[offsets.length - 1] + 3600 + exponential(rng, spec.meanDaysBetweenSessions * SECONDS_PER_DAY)
    let t = Math.floor(sessionStart)
    for (let k = 0; k < size; k++) {
      if (k > 0 && rng() >= spec.tieShare) t += 1 + Math.floor(exponential(rng, spec.meanStepSec))
      offsets.push(t)
    }
  })
  return fitIntoSpan(rng, offsets, spec.startSec, spec.endSec, spec.joinSkew)
}

// ---------------------------------------------------------------------------------------------------
// A ratings world: who rated what, when, how much. Shared by the MovieLens shapes and the other
// explicit-rating files.
// ---------------------------------------------------------------------------------------------------

interface RatingWorldSpec {
  users: number
  items: number
  ratings: number
  /** Every user rates at least this many items (20 in every MovieLens release). */
  minPerUser: number
  maxPerUser: number
  /** Log-normal spread of user activity. */
  activitySpread: number
  /** Log-normal spread of item popularity (`logNormalPopularity`). */
  popularitySpread: number
  /** Share of items at the levelled top weight. */
  popularityHead: number
  idBias: number
  /** Catalogue items nobody rates (MovieLens 1M lists 3,883 movies; 3,706 have ratings). */
  unratedItems: number
  /** Rating values and the share of ratings each gets. */
  levels: readonly number[]
  shares: readonly number[]
  times: BurstSpec
}

/** Rows grouped by user (0-based user and item positions); within a user in drawing order, times ascending. */
export interface RatingWorld {
  user: Int32Array
  item: Int32Array
  rating: Float64Array
  time: Float64Array
}

/** How much more likely a user picks an item of their favourite genre. Gives user features a signal. */
const FAVOURITE_BOOST = 3
/** Items drawn for a user before the sampler falls back to drawing among the items left. */
const REJECTION_ATTEMPTS = 4

/**
 * Ratings of `spec.users` users over `spec.items` items. Each user rates `activityCounts` distinct items,
 * drawn by popularity and boosted in their favourite genre (`favourite[u]`, an index into the items'
 * `genreMasks` bits); the rating is a user bias plus an item quality (better for popular items) plus a
 * genre match, mapped to `levels` by quantiles so the shares come out as specified.
 */
function ratingWorld(
  rng: Rng,
  spec: RatingWorldSpec,
  genreMasks: Int32Array,
  favourite: Int32Array,
): RatingWorld {
  const n = spec.ratings
  const counts = activityCounts(
    rng,
    spec.users,
    n,
    spec.minPerUser,
    spec.maxPerUser,
    spec.activitySpread,
    true,
  )
  const popularity = logNormalPopularity(
    rng,
    spec.items,
    spec.popularitySpread,
    spec.popularityHead,
    spec.idBias,
  )
  // The least popular items are the ones nobody rates.
  const byPopularity = Array.from({ length: spec.items }, (_, i) => i).sort(
    (a, b) => popularity[b] - popularity[a],
  )
  for (const i of byPopularity.slice(spec.items - spec.unratedItems)) popularity[i] = 0
  const logPopularity = Array.from(popularity, (w) => (w > 0 ? Math.log(w) : 0))
  const meanLog = logPopularity.reduce((a, b) => a + b, 0) / spec.items
  const quality = Float64Array.from(logPopularity, (l) => 0.5 * normal(rng) + 0.15 * (l - meanLog))

  const world: RatingWorld = {
    user: new Int32Array(n),
    item: new Int32Array(n),
    rating: new Float64Array(n),
    time: new Float64Array(n),
  }
  const takenBy = new Int32Array(spec.items).fill(-1)
  const weights = new Float64Array(spec.items)
  const firstRow = new Int32Array(spec.users + 1)
  let row = 0
  for (let u = 0; u < spec.users; u++) {
    firstRow[u] = row
    const favouriteBit = 1 << favourite[u]
    for (let i = 0; i < spec.items; i++)
      weights[i] = popularity[i] * ((genreMasks[i] & favouriteBit) !== 0 ? FAVOURITE_BOOST : 1)
    const sampler = new WeightedSampler(weights)
    const chosen: number[] = []
    for (let attempt = 0; chosen.length < counts[u] && attempt < REJECTION_ATTEMPTS * counts[u]; attempt++) {
      const i = sampler.draw(rng)
      if (takenBy[i] !== u) {
        takenBy[i] = u
        chosen.push(i)
      }
    }
    if (chosen.length < counts[u]) {
      // Heavy users exhaust the popular items: the rest by weighted sampling without replacement
      // among the items left (Efraimidis–Spirakis keys).
      const left = byPopularity.filter((i) => takenBy[i] !== u && weights[i] > 0)
      const key = new Map(left.map((i) => [i, Math.log(1 - rng()) / weights[i]]))
      left.sort((a, b) => key.get(b)! - key.get(a)!)
      for (const i of left.slice(0, counts[u] - chosen.length)) chosen.push(i)
    }
    const times = burstTimes(rng, chosen.length, spec.times)
    chosen.forEach((i, k) => {
      world.user[row] = u
      world.item[row] = i
      world.time[row] = times[k]
      row++
    })
  }
  firstRow[spec.users] = n
  coverCatalogue(rng, world, popularity, firstRow)
  const bias = Float64Array.from({ length: spec.users }, () => 0.35 * normal(rng))
  const latent = Float64Array.from({ length: n }, (_, r) => {
    const i = world.item[r]
    const u = world.user[r]
    const match = (genreMasks[i] & (1 << favourite[u])) !== 0
    return quality[i] + bias[u] + (match ? 0.3 : 0) + 0.8 * normal(rng)
  })
  // Quantile thresholds of the latent score from a sample, so each level gets its share.
  const sample = Array.from({ length: Math.min(n, 20_000) }, () => latent[randInt(rng, n)]).sort(
    (a, b) => a - b,
  )
  const thresholds: number[] = []
  let cumulative = 0
  for (const share of spec.shares.slice(0, -1)) {
    cumulative += share
    thresholds.push(sample[Math.min(sample.length - 1, Math.floor(cumulative * sample.length))])
  }
  for (let r = 0; r < n; r++) {
    let level = 0
    while (level < thresholds.length && latent[r] >= thresholds[level]) level++
    world.rating[r] = spec.levels[level]
  }
  return world
}

/**
 * Gives every item that can be rated (`popularity` > 0) at least one rating, as in the MovieLens
 * releases, whose catalogues are the titles their users rated: an unrated item takes over a random
 * rating of an item that has several, from a user who has not rated it yet. Most of the long tail's
 * single-rating items come from here. `firstRow[u]` is user u's first row (rows grouped by user).
 */
function coverCatalogue(rng: Rng, world: RatingWorld, popularity: Float64Array, firstRow: Int32Array): void {
  const n = world.item.length
  const ratingsOf = new Int32Array(popularity.length)
  for (const i of world.item) ratingsOf[i]++
  const hasRated = (u: number, item: number) => {
    for (let r = firstRow[u]; r < firstRow[u + 1]; r++) if (world.item[r] === item) return true
    return false
  }
  for (let item = 0; item < popularity.length; item++) {
    if (popularity[item] === 0 || ratingsOf[item] > 0) continue
    for (let tries = 0; tries < 1000; tries++) {
      const r = randInt(rng, n)
      if (ratingsOf[world.item[r]] < 2 || hasRated(world.user[r], item)) continue
      ratingsOf[world.item[r]]--
      world.item[r] = item
      ratingsOf[item]++
      break
    }
  }
}

/** Row indices grouped by user, each user's rows in random order. */
function groupedByUserShuffled(rng: Rng, world: RatingWorld): number[] {
  const order: number[] = []
  let start = 0
  for (let r = 1; r <= world.user.length; r++)
    if (r === world.user.length || world.user[r] !== world.user[start]) {
      const block = Array.from({ length: r - start }, (_, k) => start + k)
      order.push(...shuffleInPlace(rng, block))
      start = r
    }
  return order
}

// ---------------------------------------------------------------------------------------------------
// Made-up movie catalogues: titles in MovieLens' conventions, years, genres.
// ---------------------------------------------------------------------------------------------------

const TITLE_ADJECTIVES = words(
  'Last Lost Dark Silent Wild Broken Golden Hidden Little Long Blue Red Secret Final Perfect',
  'Crazy Sweet Bitter Strange Lonely Brave Quiet Cold Burning Midnight Northern Electric Second',
  'Empty Distant',
)
const TITLE_NOUNS = words(
  'Night River Summer Heart King City Road Game House Island Stranger Garden Dream Storm Letter',
  'Window Mirror Bridge Train Harbor Kiss Promise Shadow Wedding Journey Affair Frontier',
  'Station Winter Company Hunter Sister',
)
const TITLE_PLACES = ['Paris', 'Vienna', 'Brooklyn', 'Texas', 'the Desert', 'Manhattan', 'Rome', 'the North']
/** Words with Latin-1 letters (é, ç, ñ, ä, ö, ü, ß, ê, ë, à): MovieLens 100K and 1M are Latin-1. */
const FOREIGN_WORDS = words(
  'Café Été Garçon Señora Niño Mädchen Fräulein Château Crème Rêve Noël Père Frère Fête Größe',
  'Mañana Déjà Öde Müde Légende Amitié Forêt',
)
const FOREIGN_ARTICLES = ['Le', 'La', 'Les', 'El', 'Das', 'Der', 'Die']

/**
 * A made-up title in MovieLens' conventions: a leading article moved to the end after a comma
 * (`Shadow, The`), commas and quotes inside titles, an English title in parentheses after a foreign
 * one. `foreignShare` of titles use Latin-1 letters.
 */
function movieTitle(rng: Rng, foreignShare: number): string {
  const adjective = pick(rng, TITLE_ADJECTIVES)
  const noun = pick(rng, TITLE_NOUNS)
  const other = pick(rng, TITLE_NOUNS)
  if (rng() < foreignShare) {
    const word = pick(rng, FOREIGN_WORDS)
    const r = rng()
    if (r < 0.4) return `${word}, ${pick(rng, FOREIGN_ARTICLES)}`
    if (r < 0.7) return `${word} (${adjective} ${noun})`
    return `${word} à ${pick(rng, TITLE_PLACES)}`
  }
  const r = rng()
  if (r < 0.3) return `${adjective} ${noun}`
  if (r < 0.45) return `${adjective} ${noun}, The`
  if (r < 0.55) return `${noun} of the ${other}`
  if (r < 0.62) return `${noun} in ${pick(rng, TITLE_PLACES)}, A`
  if (r < 0.69) return `${noun}, ${other} and ${pick(rng, TITLE_NOUNS)}`
  if (r < 0.74) return `${adjective} ${noun} ${pick(rng, ['2', 'II', 'III', 'Part 2'])}`
  if (r < 0.79) return `${adjective} ${noun}: ${other} of the ${pick(rng, TITLE_NOUNS)}`
  if (r < 0.82) return `"${adjective} ${noun}" ${other}`
  return r < 0.91 ? `${noun}s` : `${adjective} ${noun}s`
}

export interface Movie {
  /** Title with ` (year)`, as MovieLens writes it. */
  title: string
  year: number
  /** Indices into the catalogue's genre list, ascending (MovieLens lists genres alphabetically). */
  genres: number[]
}

interface CatalogueSpec {
  genres: readonly string[]
  /** Weight of each genre when genres are drawn (about its count of titles in the release). */
  genreWeights: readonly number[]
  yearFrom: number
  yearTo: number
  /** Share of titles from `recentFrom`..`yearTo`; the others thin out going back to `yearFrom`. */
  recentFrom: number
  recentShare: number
  foreignShare: number
}

const GENRES_PER_TITLE = tableSampler([
  [1, 0.5],
  [2, 0.33],
  [3, 0.13],
  [4, 0.04],
])

function movieYear(rng: Rng, spec: CatalogueSpec): number {
  if (rng() < spec.recentShare) return between(rng, spec.recentFrom, spec.yearTo)
  return Math.max(spec.yearFrom, spec.recentFrom - 1 - Math.floor(exponential(rng, 15)))
}

function movieGenres(rng: Rng, sampler: WeightedSampler): number[] {
  const k = GENRES_PER_TITLE(rng)
  const genres = new Set<number>()
  for (let tries = 0; genres.size < k && tries < 50; tries++) genres.add(sampler.draw(rng))
  return [...genres].sort((a, b) => a - b)
}

/** `n` movies with distinct titles. */
export function movieCatalogue(rng: Rng, n: number, spec: CatalogueSpec): Movie[] {
  const sampler = new WeightedSampler(spec.genreWeights)
  const seen = new Set<string>()
  return Array.from({ length: n }, () => {
    const year = movieYear(rng, spec)
    let title = `${movieTitle(rng, spec.foreignShare)} (${year})`
    for (let copy = 2; seen.has(title); copy++) title = title.replace(/ \(\d{4}\)$/, ` ${copy} (${year})`)
    seen.add(title)
    return { title, year, genres: movieGenres(rng, sampler) }
  })
}

function genreMasks(movies: readonly Movie[]): Int32Array {
  return Int32Array.from(movies, (m) => m.genres.reduce((mask, g) => mask | (1 << g), 0))
}

/**
 * A favourite genre per user, drawn from the genre weights tilted by gender and age, so user features
 * carry some signal about what a user picks.
 */
export function favouriteGenres(
  rng: Rng,
  genres: readonly string[],
  weights: readonly number[],
  people: readonly { gender: 'M' | 'F'; age: number }[],
): Int32Array {
  const TILT: Record<string, { F: number; young: number; old: number }> = {
    Romance: { F: 2.5, young: 1, old: 1.3 },
    Drama: { F: 1.5, young: 0.8, old: 1.5 },
    Musical: { F: 2, young: 0.8, old: 1.5 },
    Action: { F: 0.5, young: 1.5, old: 0.7 },
    'Sci-Fi': { F: 0.5, young: 1.5, old: 0.7 },
    Horror: { F: 0.7, young: 2, old: 0.4 },
    War: { F: 0.4, young: 0.7, old: 2 },
    Western: { F: 0.5, young: 0.5, old: 2.5 },
    'Film-Noir': { F: 1, young: 0.5, old: 2.5 },
    Comedy: { F: 1.2, young: 1.5, old: 0.8 },
  }
  const samplers = new Map<string, WeightedSampler>()
  return Int32Array.from(people, ({ gender, age }) => {
    const band = age < 25 ? 'young' : age >= 45 ? 'old' : 'middle'
    const key = `${gender}${band}`
    let sampler = samplers.get(key)
    if (!sampler) {
      sampler = new WeightedSampler(
        genres.map((g, j) => {
          const tilt = TILT[g.replace("'s", '')] ?? { F: 1, young: 1, old: 1 }
          return weights[j] * (gender === 'F' ? tilt.F : 1) * (band === 'middle' ? 1 : tilt[band])
        }),
      )
      samplers.set(key, sampler)
    }
    return sampler.draw(rng)
  })
}

/** `n` distinct sorted ids in 1..max (max ≥ n), always including 1: catalogues with gaps in their ids. */
function sparseIds(rng: Rng, n: number, max: number): number[] {
  const ids = new Set<number>([1])
  while (ids.size < n) ids.add(between(rng, 2, max))
  return [...ids].sort((a, b) => a - b)
}

// ---------------------------------------------------------------------------------------------------
// MovieLens 100K (GroupLens, ml-100k.zip; facts from its README):
// - u.data: `user id \t item id \t rating \t timestamp`, no header; 100,000 ratings (1-5) by 943 users on
//   1,682 items; every user rated at least 20 movies; ids are consecutive from 1; rows in random order;
//   timestamps are unix seconds (in the file: 874724710..893286638, Sep 1997 to Apr 1998).
// - u.item: `movie id | movie title | release date | video release date | IMDb URL | 19 genre flags`
//   (unknown ... Western), Latin-1; release dates like `01-Jan-1995`; the video release date column is
//   empty; one item is `unknown` with no date or URL.
// - u.user: `user id | age | gender | occupation | zip code`; u.genre (`name|index`), u.occupation (one per
//   line), u.info (the three counts).
// ---------------------------------------------------------------------------------------------------

export const ML100K = {
  users: 943,
  items: 1682,
  ratings: 100_000,
  maxPerUser: 737,
  start: 874724710,
  end: 893286638,
}

/** The 19 genres of `u.genre`, in flag order (the same list the MovieLens 100K format reads). */
const ML100K_GENRE_NAMES = ML100K_GENRES
/** About the count of titles per genre in u.item (weights only). */
export const ML100K_GENRE_WEIGHTS = [
  0, 251, 135, 42, 122, 505, 109, 50, 725, 22, 24, 92, 56, 61, 247, 101, 251, 71, 27,
]
/** The 21 occupations of u.occupation with about their count of users in u.user (weights only). */
const ML100K_OCCUPATIONS: readonly (readonly [string, number])[] = [
  ['administrator', 79],
  ['artist', 28],
  ['doctor', 7],
  ['educator', 95],
  ['engineer', 67],
  ['entertainment', 18],
  ['executive', 32],
  ['healthcare', 16],
  ['homemaker', 7],
  ['lawyer', 12],
  ['librarian', 51],
  ['marketing', 26],
  ['none', 9],
  ['other', 105],
  ['programmer', 66],
  ['retired', 14],
  ['salesman', 12],
  ['scientist', 31],
  ['student', 196],
  ['technician', 27],
  ['writer', 45],
]
/** Rating shares 1..5 in u.data: about 6%, 11%, 27%, 34%, 21%. */
export const ML100K_RATING_SHARES = [0.0611, 0.1137, 0.2715, 0.3417, 0.212]

/** US zip codes, and about 2% Canadian-looking codes of letters and digits, as in u.user. */
function zipCode(rng: Rng): string {
  if (rng() < 0.02) {
    const letter = () => 'ABCEGHJKLMNPRSTVXY'[randInt(rng, 18)]
    return `${letter()}${randInt(rng, 10)}${letter()}${randInt(rng, 10)}${letter()}`
  }
  return pad(randInt(rng, 100_000), 5)
}

export interface Ml100kUser {
  age: number
  gender: 'M' | 'F'
  occupation: string
  zip: string
}

const OCCUPATION_100K = tableSampler(ML100K_OCCUPATIONS)

export function ml100kUser(rng: Rng): Ml100kUser {
  const occupation = OCCUPATION_100K(rng)
  const mean = occupation === 'student' ? 22 : occupation === 'retired' ? 63 : 36
  const spread = occupation === 'student' ? 4 : 9
  const age = Math.min(73, Math.max(7, Math.round(mean + spread * normal(rng))))
  return { age, gender: rng() < 0.71 ? 'M' : 'F', occupation, zip: zipCode(rng) }
}

export interface Ml100kWorld {
  users: Ml100kUser[]
  movies: Movie[]
  /** Position of the `unknown` item (no title, date or URL), or -1 in catalogues under 10 items. */
  unknownItem: number
  ratings: RatingWorld
  /** The order of u.data's rows: shuffled, as the README says. */
  rowOrder: number[]
}

/** The world behind MovieLens 100K at `size` ratings, shared by the 100K, renamed and RecBole shapes. */
function movieLens100kWorld(seed: number, size: number): Ml100kWorld {
  const rng = mulberry32(seed)
  const ratings = Math.max(40, size)
  const items = scaledCount(ML100K.items, ratings, ML100K.ratings, 0.3, 40)
  const maxPerUser = Math.min(ML100K.maxPerUser, Math.floor(items / 2))
  const users = feasibleUsers((ML100K.users * ratings) / ML100K.ratings, ratings, 20, maxPerUser)
  const people = Array.from({ length: users }, () => ml100kUser(rng))
  const movies = movieCatalogue(rng, items, {
    genres: ML100K_GENRE_NAMES,
    genreWeights: ML100K_GENRE_WEIGHTS,
    yearFrom: 1922,
    yearTo: 1998,
    recentFrom: 1993,
    recentShare: 0.6,
    foreignShare: 0.04,
  })
  const unknownItem = items >= 10 ? randInt(rng, items) : -1
  if (unknownItem >= 0) movies[unknownItem] = { title: 'unknown', year: 0, genres: [0] }
  const favourite = favouriteGenres(rng, ML100K_GENRE_NAMES, ML100K_GENRE_WEIGHTS, people)
  const world = ratingWorld(
    rng,
    {
      users,
      items,
      ratings,
      minPerUser: 20,
      maxPerUser,
      activitySpread: 1.1,
      popularitySpread: 1.9,
      popularityHead: 0.02,
      idBias: 1,
      unratedItems: 0,
      levels: [1, 2, 3, 4, 5],
      shares: ML100K_RATING_SHARES,
      times: {
        startSec: ML100K.start,
        endSec: ML100K.end,
        joinSkew: 1,
        meanExtraSessions: 2,
        meanDaysBetweenSessions: 12,
        firstSessionShare: 0.6,
        tieShare: 0.3,
        meanStepSec: 25,
      },
    },
    genreMasks(movies),
    favourite,
  )
  const rowOrder = shuffleInPlace(rng, [...Array(world.user.length).keys()])
  return { users: people, movies, unknownItem, ratings: world, rowOrder }
}

function uDataText(world: Ml100kWorld): string {
  const { user, item, rating, time } = world.ratings
  return textOf(world.rowOrder.map((r) => `${user[r] + 1}\t${item[r] + 1}\t${rating[r]}\t${time[r]}`))
}

/** `01-Jan-1995` for older titles (u.item dates most to New Year's day), else a day in the year. */
function releaseDate(rng: Rng, year: number): string {
  if (year < 1993 || rng() < 0.3) return `01-Jan-${year}`
  return `${pad(between(rng, 1, 28))}-${MONTHS[randInt(rng, 12)]}-${year}`
}

/** The IMDb search URL of u.item: the title percent-encoded byte by byte in Latin-1. */
function imdbUrl(title: string): string {
  const encoded = Array.from(title, (ch) =>
    /[A-Za-z0-9()'.\-_]/.test(ch) ? ch : `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('')
  return `http://us.imdb.com/M/title-exact?${encoded}`
}

function uItemText(rng: Rng, world: Ml100kWorld): string {
  return textOf(
    world.movies.map((m, i) => {
      const flags = ML100K_GENRE_NAMES.map((_, g) => (m.genres.includes(g) ? 1 : 0)).join('|')
      if (i === world.unknownItem) return `${i + 1}|unknown||||${flags}`
      return `${i + 1}|${m.title}|${releaseDate(rng, m.year)}||${imdbUrl(m.title)}|${flags}`
    }),
  )
}

/**
 * MovieLens 100K: u.data, u.item, u.user, u.genre, u.occupation, u.info. `size` = rows of u.data (users
 * grow with it, items with its 0.3 power). Every file Latin-1.
 */
export function movieLens100k(options: ShapeOptions = {}): ShapeFile[] {
  const seed = options.seed ?? DEFAULT_SEED
  return movieLens100kFiles(
    movieLens100kWorld(seed, options.size ?? ML100K.ratings),
    mulberry32(seed ^ 0x100),
  )
}

/**
 * The six MovieLens 100K files of a world (`rng` draws u.item's release days). Shared with the
 * sequential logs of `testingSequences.ts`, which fill an `Ml100kWorld` from their own process.
 */
export function movieLens100kFiles(world: Ml100kWorld, rng: Rng): ShapeFile[] {
  return [
    { name: 'u.data', bytes: latin1(uDataText(world)) },
    { name: 'u.item', bytes: latin1(uItemText(rng, world)) },
    {
      name: 'u.user',
      bytes: latin1(
        textOf(world.users.map((p, u) => `${u + 1}|${p.age}|${p.gender}|${p.occupation}|${p.zip}`)),
      ),
    },
    { name: 'u.genre', bytes: latin1(textOf(ML100K_GENRE_NAMES.map((g, j) => `${g}|${j}`))) },
    { name: 'u.occupation', bytes: latin1(textOf(ML100K_OCCUPATIONS.map(([o]) => o))) },
    {
      name: 'u.info',
      bytes: latin1(
        textOf([
          `${world.users.length} users`,
          `${world.movies.length} items`,
          `${world.ratings.user.length} ratings`,
        ]),
      ),
    },
  ]
}

/**
 * u.data alone under a name no known format claims (`ratings.tsv`), byte for byte the same as the 100K
 * shape's u.data at the same seed and size: roles, ids, rating and timestamp must be read from content.
 */
export function movieLens100kRenamed(options: ShapeOptions = {}): ShapeFile[] {
  const world = movieLens100kWorld(options.seed ?? DEFAULT_SEED, options.size ?? ML100K.ratings)
  return [{ name: 'ratings.tsv', bytes: latin1(uDataText(world)) }]
}

// ---------------------------------------------------------------------------------------------------
// RecBole atomic files (RUCAIBox; RecBole docs "Atomic Files"): tab-separated, one header row whose cells
// are `name:type`, type one of token, token_seq, float, float_seq; sequences space-separated. `.inter`
// holds interactions, `.user` and `.item` features. RecBole's ml-100k files come from RecSysDatasets'
// converter (conversion_tools, ML100KDataset): u.data's rows in order; u.user as is; u.item's title cut
// at its first "(" (the text inside the first parentheses becomes the release year), the genre flags
// as space-separated names (the converter spells the first one `unkown`).
// ---------------------------------------------------------------------------------------------------

/** The converter's genre names: u.genre's, except `unkown`. */
const RECBOLE_ML100K_GENRES = ['unkown', ...ML100K_GENRE_NAMES.slice(1)]

/**
 * RecBole's ml-100k atomic files (ml-100k.inter, .user, .item), converted from the MovieLens 100K shape
 * at the same seed and size as RecSysDatasets' converter does. UTF-8.
 */
export function recBoleMl100k(options: ShapeOptions = {}): ShapeFile[] {
  const world = movieLens100kWorld(options.seed ?? DEFAULT_SEED, options.size ?? ML100K.ratings)
  const { user, item, rating, time } = world.ratings
  const inter = [
    'user_id:token\titem_id:token\trating:float\ttimestamp:float',
    ...world.rowOrder.map((r) => `${user[r] + 1}\t${item[r] + 1}\t${rating[r]}\t${time[r]}`),
  ]
  const users = [
    'user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token',
    ...world.users.map((p, u) => `${u + 1}\t${p.age}\t${p.gender}\t${p.occupation}\t${p.zip}`),
  ]
  const items = [
    'item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq',
    ...world.movies.map((m, i) => {
      // Python slices as the converter's: find('(') is -1 for `unknown`, giving "unkno" and "unknow".
      const open = m.title.indexOf('(')
      const year = m.title.slice(open + 1, m.title.indexOf(')'))
      const title = m.title.slice(0, open - 1)
      return `${i + 1}\t${title}\t${year}\t${m.genres.map((g) => RECBOLE_ML100K_GENRES[g]).join(' ')}`
    }),
  ]
  return [
    { name: 'ml-100k.inter', bytes: utf8(textOf(inter)) },
    { name: 'ml-100k.user', bytes: utf8(textOf(users)) },
    { name: 'ml-100k.item', bytes: utf8(textOf(items)) },
  ]
}

// ---------------------------------------------------------------------------------------------------
// MovieLens 1M (GroupLens, ml-1m.zip; facts from its README): `::`-separated, no header, Latin-1.
// - ratings.dat `UserID::MovieID::Rating::Timestamp`: 1,000,209 ratings by 6,040 users (ids 1..6040) of
//   movies (ids 1..3952), whole stars 1-5, each user at least 20 ratings; unix seconds (in the file
//   956703932..1046454590, Apr 2000 to Feb 2003, most in 2000); rows grouped by user.
// - users.dat `UserID::Gender::Age::Occupation::Zip-code`: gender M/F; age a band code (1 "Under 18",
//   18, 25, 35, 45, 50, 56 "56+"); occupation a code 0..20.
// - movies.dat `MovieID::Title::Genres`: titles as IMDb's with the year, genres `|`-separated from 18;
//   3,883 movies listed, some never rated.
// ---------------------------------------------------------------------------------------------------

const ML1M = { users: 6040, movies: 3883, rated: 3706, maxId: 3952, ratings: 1_000_209, maxPerUser: 2314 }
/** MovieLens 1M's 18 genres: 100K's without `unknown`. */
const ML1M_GENRE_NAMES = ML100K_GENRES.slice(1)
const ML1M_GENRE_WEIGHTS = [
  503, 283, 105, 251, 1200, 211, 127, 1603, 68, 44, 343, 114, 106, 471, 276, 492, 143, 68,
]
/** Age band codes with about their share of users. */
const ML1M_AGES = tableSampler([
  [1, 222],
  [18, 1103],
  [25, 2096],
  [35, 1193],
  [45, 550],
  [50, 496],
  [56, 380],
])
/** Occupation codes 0..20 with about their count of users (weights only). */
const ML1M_OCCUPATIONS = new WeightedSampler([
  711, 528, 267, 173, 759, 112, 236, 679, 17, 92, 195, 129, 388, 142, 302, 144, 241, 502, 70, 72, 281,
])
/** Rating shares 1..5 in ratings.dat: about 5.6%, 10.8%, 26.1%, 34.9%, 22.6%. */
const ML1M_RATING_SHARES = [0.0562, 0.1075, 0.2613, 0.3489, 0.2261]

/**
 * MovieLens 1M: ratings.dat, users.dat, movies.dat. `size` = rows of ratings.dat (default the real
 * 1,000,209, about 24 MB).
 */
export function movieLens1m(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const ratings = Math.max(40, options.size ?? ML1M.ratings)
  const listed = scaledCount(ML1M.movies, ratings, ML1M.ratings, 0.3, 45)
  const unrated = Math.round((listed * (ML1M.movies - ML1M.rated)) / ML1M.movies)
  const maxPerUser = Math.min(ML1M.maxPerUser, Math.floor((listed - unrated) * 0.6))
  const users = feasibleUsers((ML1M.users * ratings) / ML1M.ratings, ratings, 20, maxPerUser)
  const people = Array.from({ length: users }, () => {
    const age = ML1M_AGES(rng)
    const zip = pad(randInt(rng, 100_000), 5) + (rng() < 0.01 ? `-${pad(randInt(rng, 10_000), 4)}` : '')
    return {
      gender: rng() < 0.717 ? ('M' as const) : ('F' as const),
      age,
      occupation: ML1M_OCCUPATIONS.draw(rng),
      zip,
    }
  })
  const movies = movieCatalogue(rng, listed, {
    genres: ML1M_GENRE_NAMES,
    genreWeights: ML1M_GENRE_WEIGHTS,
    yearFrom: 1919,
    yearTo: 2000,
    recentFrom: 1994,
    recentShare: 0.55,
    foreignShare: 0.04,
  })
  const ids = sparseIds(rng, listed, Math.round((listed * ML1M.maxId) / ML1M.movies))
  const world = ratingWorld(
    rng,
    {
      users,
      items: listed,
      ratings,
      minPerUser: 20,
      maxPerUser,
      activitySpread: 1.15,
      popularitySpread: 2.2,
      popularityHead: 0.01,
      idBias: 0.5,
      unratedItems: unrated,
      levels: [1, 2, 3, 4, 5],
      shares: ML1M_RATING_SHARES,
      times: {
        startSec: 956703932,
        endSec: 1046454590,
        joinSkew: 4,
        meanExtraSessions: 2,
        meanDaysBetweenSessions: 20,
        firstSessionShare: 0.6,
        tieShare: 0.3,
        meanStepSec: 25,
      },
    },
    genreMasks(movies),
    favouriteGenres(rng, ML1M_GENRE_NAMES, ML1M_GENRE_WEIGHTS, people),
  )
  const { user, item, rating, time } = world
  const ratingLines = groupedByUserShuffled(rng, world).map(
    (r) => `${user[r] + 1}::${ids[item[r]]}::${rating[r]}::${time[r]}`,
  )
  return [
    { name: 'ratings.dat', bytes: latin1(textOf(ratingLines)) },
    {
      name: 'users.dat',
      bytes: latin1(
        textOf(people.map((p, u) => `${u + 1}::${p.gender}::${p.age}::${p.occupation}::${p.zip}`)),
      ),
    },
    {
      name: 'movies.dat',
      bytes: latin1(
        textOf(
          movies.map(
            (m, i) => `${ids[i]}::${m.title}::${m.genres.map((g) => ML1M_GENRE_NAMES[g]).join('|')}`,
          ),
        ),
      ),
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// MovieLens latest-small (GroupLens, ml-latest-small.zip; facts from its README): UTF-8 CSV with a header,
// quoted per RFC 4180.
// - ratings.csv `userId,movieId,rating,timestamp`: 100,836 ratings by 610 users (each at least 20) of
//   9,742 movies; 0.5-5.0 stars in half stars, written `4.0`; unix seconds (in the file 828124615..
//   1537799250); sorted by userId, then movieId. Half stars exist only since 18 Feb 2003 (Harper &
//   Konstan, "The MovieLens Datasets: History and Context", 2015), so older ratings are whole stars.
// - movies.csv `movieId,title,genres`: titles with the year, genres `|`-separated from 19 or
//   `(no genres listed)`; movie ids with large gaps.
// - tags.csv `userId,movieId,tag,timestamp` (free-text tags by a few users); links.csv
//   `movieId,imdbId,tmdbId` (imdbId zero-padded to 7 digits, tmdbId sometimes empty).
// ---------------------------------------------------------------------------------------------------

const ML_LATEST = { users: 610, movies: 9742, rated: 9724, maxId: 193609, ratings: 100_836, maxPerUser: 2698 }
const ML_LATEST_GENRE_NAMES = [
  'Action',
  'Adventure',
  'Animation',
  'Children',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'IMAX',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
] as const
const ML_LATEST_GENRE_WEIGHTS = [
  1828, 1263, 611, 664, 3756, 1199, 440, 4361, 779, 87, 978, 158, 334, 573, 1596, 980, 1894, 382, 167,
]
/** Half-star levels 0.5..5.0 and about their shares in ratings.csv. */
const ML_LATEST_LEVELS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]
const ML_LATEST_SHARES = [0.0136, 0.0279, 0.0178, 0.0749, 0.055, 0.1988, 0.1303, 0.266, 0.0848, 0.1309]
/** 2003-02-18 00:00 UTC: MovieLens offered half stars from then on. */
const HALF_STARS_FROM_SEC = 1045526400
const TAGS = phrases(
  'atmospheric|twist ending|dark comedy|based on a book|visually appealing|slow|quirky',
  'thought-provoking|In Netflix queue|funny|boring, too long|predictable|great soundtrack',
  'classic|sci-fi|Black and white|cult film|remake|surreal|long, but worth it|feel-good',
  'nonlinear|très drôle|"so bad it\'s good"|anime|heist|stylized',
)

/** Movie ids as in ml-latest: dense for older titles, then large jumps (ids follow the titles' arrival). */
function latestMovieIds(rng: Rng, n: number, maxId: number): number[] {
  const dense = Math.round(n * 0.85)
  const ids: number[] = []
  let id = 0
  for (let i = 0; i < dense; i++) ids.push((id += 1 + (rng() < 0.1 ? randInt(rng, 3) : 0)))
  const step = Math.max(2, (maxId - id) / Math.max(1, n - dense))
  for (let i = dense; i < n; i++) ids.push((id += 1 + randInt(rng, Math.round(2 * step))))
  return ids
}

/**
 * MovieLens latest-small: ratings.csv, movies.csv, tags.csv, links.csv. `size` = rows of ratings.csv.
 */
export function movieLensLatestSmall(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const ratings = Math.max(40, options.size ?? ML_LATEST.ratings)
  const listed = scaledCount(ML_LATEST.movies, ratings, ML_LATEST.ratings, 0.5, 60)
  const unrated = Math.round((listed * (ML_LATEST.movies - ML_LATEST.rated)) / ML_LATEST.movies)
  const maxPerUser = Math.min(ML_LATEST.maxPerUser, Math.floor((listed - unrated) * 0.3))
  const users = feasibleUsers((ML_LATEST.users * ratings) / ML_LATEST.ratings, ratings, 20, maxPerUser)
  const ids = latestMovieIds(rng, listed, Math.round((listed * ML_LATEST.maxId) / ML_LATEST.movies))
  const spec: CatalogueSpec = {
    genres: ML_LATEST_GENRE_NAMES,
    genreWeights: ML_LATEST_GENRE_WEIGHTS,
    yearFrom: 1902,
    yearTo: 2008,
    recentFrom: 1985,
    recentShare: 0.7,
    foreignShare: 0.03,
  }
  const movies = movieCatalogue(rng, listed, spec)
  // The sparse later ids are recent titles.
  movies.forEach((m, i) => {
    if (i >= Math.round(listed * 0.85)) {
      const year = between(rng, 2009, 2018)
      m.title = m.title.replace(/\(\d{4}\)$/, `(${year})`)
      m.year = year
    }
  })
  // A few titles without a year and a few without genres, as in movies.csv; at least one of each.
  const noYear = new Set([
    randInt(rng, listed),
    ...Array.from({ length: Math.floor(listed / 1500) }, () => randInt(rng, listed)),
  ])
  const noGenres = new Set([
    randInt(rng, listed),
    ...Array.from({ length: Math.floor(listed / 300) }, () => randInt(rng, listed)),
  ])
  const people = Array.from({ length: users }, () => ({
    gender: rng() < 0.7 ? ('M' as const) : ('F' as const),
    age: between(rng, 16, 70),
  }))
  const world = ratingWorld(
    rng,
    {
      users,
      items: listed,
      ratings,
      minPerUser: 20,
      maxPerUser,
      activitySpread: 1.35,
      popularitySpread: 1.8,
      popularityHead: 0.001,
      idBias: 0.8,
      unratedItems: unrated,
      levels: ML_LATEST_LEVELS,
      shares: ML_LATEST_SHARES,
      times: {
        startSec: 828124615,
        endSec: 1537799250,
        joinSkew: 1,
        meanExtraSessions: 4,
        meanDaysBetweenSessions: 45,
        firstSessionShare: 0.5,
        tieShare: 0.25,
        meanStepSec: 30,
      },
    },
    genreMasks(movies),
    favouriteGenres(rng, ML_LATEST_GENRE_NAMES, ML_LATEST_GENRE_WEIGHTS, people),
  )
  for (let r = 0; r < world.rating.length; r++)
    if (world.time[r] < HALF_STARS_FROM_SEC && world.rating[r] % 1 !== 0)
      world.rating[r] += world.rating[r] === 0.5 || rng() < 0.5 ? 0.5 : -0.5
  const { user, item, rating, time } = world
  const byUserThenMovie = Array.from({ length: user.length }, (_, r) => r).sort(
    (a, b) => user[a] - user[b] || ids[item[a]] - ids[item[b]],
  )

  // Tags: about one per 27 ratings, by about a tenth of the users, on movies they rated, at the time of
  // the rating or some minutes later.
  const tagRows: { u: number; movie: number; tag: string; time: number }[] = []
  const taggers = shuffleInPlace(rng, [...Array(users).keys()]).slice(0, Math.max(1, Math.round(users / 10)))
  const tagCount = Math.max(taggers.length, Math.round(ratings / 27))
  const perTagger = activityCounts(rng, taggers.length, tagCount, 1, tagCount, 1.5)
  const rowsOf = new Map<number, number[]>()
  for (let r = 0; r < user.length; r++) {
    const rows = rowsOf.get(user[r])
    if (rows) rows.push(r)
    else rowsOf.set(user[r], [r])
  }
  taggers.forEach((u, k) => {
    const rows = rowsOf.get(u)!
    for (let t = 0; t < perTagger[k]; t++) {
      const r = pick(rng, rows)
      tagRows.push({
        u,
        movie: ids[item[r]],
        tag: pick(rng, TAGS),
        time: time[r] + randInt(rng, 3) * randInt(rng, 600),
      })
    }
  })
  tagRows.sort((a, b) => a.u - b.u || a.movie - b.movie)

  const movieLines = movies.map((m, i) => {
    const title = noYear.has(i) ? m.title.replace(/ \(\d{4}\)$/, '') : m.title
    const genres = noGenres.has(i)
      ? '(no genres listed)'
      : m.genres.map((g) => ML_LATEST_GENRE_NAMES[g]).join('|')
    return csvLine([ids[i], title, genres])
  })
  const missingTmdb = randInt(rng, listed)
  const linkLines = ids.map((id, i) => {
    const tmdb = i === missingTmdb || rng() < 0.0008 ? '' : String(between(rng, 2, 550_000))
    return `${id},${pad(between(rng, 1000, 9_999_999), 7)},${tmdb}`
  })
  return [
    {
      name: 'ratings.csv',
      bytes: utf8(
        textOf([
          'userId,movieId,rating,timestamp',
          ...byUserThenMovie.map((r) => `${user[r] + 1},${ids[item[r]]},${rating[r].toFixed(1)},${time[r]}`),
        ]),
      ),
    },
    { name: 'movies.csv', bytes: utf8(textOf(['movieId,title,genres', ...movieLines])) },
    {
      name: 'tags.csv',
      bytes: utf8(
        textOf([
          'userId,movieId,tag,timestamp',
          ...tagRows.map((t) => csvLine([t.u + 1, t.movie, t.tag, t.time])),
        ]),
      ),
    },
    { name: 'links.csv', bytes: utf8(textOf(['movieId,imdbId,tmdbId', ...linkLines])) },
  ]
}

// ---------------------------------------------------------------------------------------------------
// Explicit ratings under names nobody recognises: German headers with semicolons (what Excel in a German
// locale writes), a 0-10 `score`, and a 0/1 `clicked` impression log.
// ---------------------------------------------------------------------------------------------------

const GERMAN_GENRES = words('Drama Komödie Krimi Action Dokumentation Romantik Horror Familie')
const GERMAN_ADJECTIVES = words('Kalte Letzte Stille Dunkle Große Kleine Schöne Müde Weiße')
const GERMAN_NOUNS = words('Brücke Nacht Straße Stadt Insel Grenze Reise Hochzeit Größe Tür')

/** A small explicit-ratings world for the made-up files: `users` rate `items` from `levels`. */
function smallRatingWorld(
  rng: Rng,
  ratings: number,
  levels: readonly number[],
  shares: readonly number[],
  genres: number,
  startSec: number,
  endSec: number,
): { world: RatingWorld; users: number; items: number; itemGenre: number[] } {
  const items = Math.max(20, Math.round(Math.sqrt(ratings) * 5))
  const maxPerUser = Math.max(5, Math.floor(items / 2))
  const users = feasibleUsers(ratings / 40, ratings, 5, maxPerUser)
  const itemGenre = Array.from({ length: items }, () => randInt(rng, genres))
  const world = ratingWorld(
    rng,
    {
      users,
      items,
      ratings,
      minPerUser: 5,
      maxPerUser,
      activitySpread: 1.2,
      popularitySpread: 1.5,
      popularityHead: 0.02,
      idBias: 0,
      unratedItems: 0,
      levels,
      shares,
      times: {
        startSec,
        endSec,
        joinSkew: 1,
        meanExtraSessions: 3,
        meanDaysBetweenSessions: 20,
        firstSessionShare: 0.4,
        tieShare: 0.2,
        meanStepSec: 40,
      },
    },
    Int32Array.from(itemGenre, (g) => 1 << g),
    Int32Array.from({ length: users }, () => randInt(rng, genres)),
  )
  return { world, users, items, itemGenre }
}

/**
 * `bewertungen.csv` (`nutzer;film;bewertung;zeit`: whole stars 1-5, ISO date-times without a zone) and
 * its side table `filme.csv` (`film;titel;genre;jahr`, German titles), semicolon-separated UTF-8. No
 * column name says user, item, rating or time. `size` = rows of bewertungen.csv.
 */
export function germanRatings(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const { world, items, itemGenre } = smallRatingWorld(
    rng,
    Math.max(10, options.size ?? 20_000),
    [1, 2, 3, 4, 5],
    [0.08, 0.12, 0.25, 0.33, 0.22],
    GERMAN_GENRES.length,
    Date.UTC(2020, 0, 1) / 1000,
    Date.UTC(2022, 11, 31) / 1000,
  )
  const filmId = (i: number) => 100 + i * 7
  const rows = shuffleInPlace(rng, [...Array(world.user.length).keys()]).map(
    (r) => `${world.user[r] + 1};${filmId(world.item[r])};${world.rating[r]};${isoSeconds(world.time[r])}`,
  )
  const films = Array.from({ length: items }, (_, i) => {
    const title = `${rng() < 0.5 ? 'Die ' : ''}${pick(rng, GERMAN_ADJECTIVES)} ${pick(rng, GERMAN_NOUNS)}`
    return csvLine([filmId(i), title, GERMAN_GENRES[itemGenre[i]], between(rng, 1960, 2022)], ';')
  })
  return [
    { name: 'bewertungen.csv', bytes: utf8(textOf(['nutzer;film;bewertung;zeit', ...rows])) },
    { name: 'filme.csv', bytes: utf8(textOf(['film;titel;genre;jahr', ...films])) },
  ]
}

/** Shares of scores 0..10 in a review site's log: most reviews 7-9. */
const SCORE_SHARES = [0.01, 0.005, 0.01, 0.015, 0.025, 0.05, 0.09, 0.18, 0.25, 0.2, 0.165]

/**
 * `reviews.csv` (`user_id,game_id,score,date`): integer scores 0-10 and dates without a time, so a
 * user's reviews of a day tie. `size` = rows.
 */
export function scoreRatings(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const { world } = smallRatingWorld(
    rng,
    Math.max(10, options.size ?? 20_000),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    SCORE_SHARES,
    6,
    Date.UTC(2018, 0, 1) / 1000,
    Date.UTC(2023, 5, 30) / 1000,
  )
  const rows = shuffleInPlace(rng, [...Array(world.user.length).keys()]).map(
    (r) =>
      `${world.user[r] + 1},${world.item[r] + 1},${world.rating[r]},${isoSeconds(world.time[r]).slice(0, 10)}`,
  )
  return [{ name: 'reviews.csv', bytes: utf8(textOf(['user_id,game_id,score,date', ...rows])) }]
}

/** Click-through rate by slate position 1..10 before the user's taste: position bias. */
const POSITION_CTR = Array.from({ length: 10 }, (_, p) => 0.1 / Math.pow(p + 1, 0.7))
const DEVICES = tableSampler([
  ['mobile', 0.6],
  ['desktop', 0.3],
  ['tablet', 0.1],
])

/**
 * `impressions.csv` (`impression_id,user_id,item_id,position,device,clicked,timestamp`): slates of 10
 * items shown at once (all rows of a slate share their second), `clicked` 0/1 with position bias and a
 * taste signal (users click their favourite category more), times ISO with `Z`. `size` = rows.
 */
export function clickLog(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const slates = Math.max(1, Math.round((options.size ?? 50_000) / 10))
  const users = Math.max(2, Math.round(slates / 4))
  const items = Math.max(30, Math.round(Math.sqrt(slates) * 20))
  const categories = 8
  const itemCategory = Array.from({ length: items }, () => randInt(rng, categories))
  const taste = Array.from({ length: users }, () => randInt(rng, categories))
  const itemSampler = new WeightedSampler(popularityWeights(rng, items, 0.9, 3))
  const userSampler = new WeightedSampler(Float64Array.from({ length: users }, () => Math.exp(normal(rng))))
  const start = Date.UTC(2024, 4, 1) / 1000
  const rows: string[] = []
  for (let s = 0; s < slates; s++) {
    const u = userSampler.draw(rng)
    const time = `${isoSeconds(start + randInt(rng, 31 * SECONDS_PER_DAY), 'T')}Z`
    const device = DEVICES(rng)
    const shown = new Set<number>()
    while (shown.size < Math.min(10, items)) shown.add(itemSampler.draw(rng))
    for (const [p, i] of [...shown].entries()) {
      const clickRate = POSITION_CTR[p] * (itemCategory[i] === taste[u] ? 2.5 : 0.7)
      const clicked = rng() < clickRate ? 1 : 0
      rows.push(`${s * 10 + p + 1_000_001},${u + 1},${i + 1},${p + 1},${device},${clicked},${time}`)
    }
  }
  return [
    {
      name: 'impressions.csv',
      bytes: utf8(textOf(['impression_id,user_id,item_id,position,device,clicked,timestamp', ...rows])),
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// TheLook e-commerce (Google's public BigQuery dataset `bigquery-public-data.thelook_ecommerce`, itself
// synthetic; facts from its table schemas) as CSV exported from BigQuery: a header row, RFC 4180 quoting,
// TIMESTAMP columns as `2023-01-05 10:11:12.123456 UTC` (no fraction when it is zero), NULL as an empty
// cell, UTF-8. Orders have the statuses Complete, Shipped, Processing, Cancelled, Returned, with
// shipped/delivered/returned times only where the status implies them; order items repeat their order's
// status and times. Web events: `sequence_number` counts 1..n within `session_id`; anonymous sessions
// have no user_id; uris `/home`, `/department/<dept>/category/<category>/brand/<brand>`, `/product/<id>`,
// `/cart`, `/purchase`, `/cancel` with event types home, department, product, cart, purchase, cancel.
// The slug of category and brand in department uris is ours: lower case, letters and digits only.
// ---------------------------------------------------------------------------------------------------

const THELOOK = { users: 100_000, start: Date.UTC(2019, 0, 6), end: Date.UTC(2024, 0, 15) }

const THELOOK_USER_COLUMNS =
  'id,first_name,last_name,email,age,gender,state,street_address,postal_code,city,country,latitude,longitude,traffic_source,created_at'
const THELOOK_PRODUCT_COLUMNS =
  'id,cost,category,name,brand,retail_price,department,sku,distribution_center_id'
const THELOOK_ORDER_COLUMNS =
  'order_id,user_id,status,gender,created_at,returned_at,shipped_at,delivered_at,num_of_item'
const THELOOK_ORDER_ITEM_COLUMNS =
  'id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,delivered_at,returned_at,sale_price'
const THELOOK_EVENT_COLUMNS =
  'id,user_id,sequence_number,session_id,created_at,ip_address,city,state,postal_code,browser,traffic_source,uri,event_type'

type OrderStatus = 'Complete' | 'Shipped' | 'Processing' | 'Cancelled' | 'Returned'
const ORDER_STATUS = tableSampler<OrderStatus>([
  ['Complete', 0.25],
  ['Shipped', 0.3],
  ['Processing', 0.2],
  ['Cancelled', 0.15],
  ['Returned', 0.1],
])

interface Place {
  country: string
  city: string
  state: string
  postal: (rng: Rng) => string
  lat: number
  lon: number
}
const digits = (n: number) => (rng: Rng) => pad(randInt(rng, Math.pow(10, n)), n)
/** Countries with about their share of TheLook users, a few cities each (TheLook writes `Brasil`). */
const PLACES: readonly (readonly [Place, number])[] = [
  [
    { country: 'China', city: 'Shanghai', state: 'Shanghai', postal: digits(6), lat: 31.23, lon: 121.47 },
    0.17,
  ],
  [
    { country: 'China', city: 'Guangzhou', state: 'Guangdong', postal: digits(6), lat: 23.13, lon: 113.26 },
    0.17,
  ],
  [
    {
      country: 'United States',
      city: 'New York',
      state: 'New York',
      postal: digits(5),
      lat: 40.71,
      lon: -74.01,
    },
    0.08,
  ],
  [
    { country: 'United States', city: 'Houston', state: 'Texas', postal: digits(5), lat: 29.76, lon: -95.37 },
    0.07,
  ],
  [
    {
      country: 'United States',
      city: 'Seattle',
      state: 'Washington',
      postal: digits(5),
      lat: 47.61,
      lon: -122.33,
    },
    0.07,
  ],
  [
    {
      country: 'Brasil',
      city: 'São Paulo',
      state: 'São Paulo',
      postal: (rng) => `${pad(randInt(rng, 100_000), 5)}-${pad(randInt(rng, 1000), 3)}`,
      lat: -23.55,
      lon: -46.63,
    },
    0.14,
  ],
  [
    { country: 'South Korea', city: 'Seoul', state: 'Seoul', postal: digits(5), lat: 37.57, lon: 126.98 },
    0.05,
  ],
  [
    { country: 'France', city: 'Paris', state: 'Île-de-France', postal: digits(5), lat: 48.86, lon: 2.35 },
    0.05,
  ],
  [
    {
      country: 'United Kingdom',
      city: 'London',
      state: 'England',
      postal: (rng) => `SW${between(rng, 1, 20)} ${between(rng, 1, 9)}AA`,
      lat: 51.51,
      lon: -0.13,
    },
    0.05,
  ],
  [{ country: 'Germany', city: 'München', state: 'Bayern', postal: digits(5), lat: 48.14, lon: 11.58 }, 0.04],
  [
    { country: 'Spain', city: 'Barcelona', state: 'Cataluña', postal: digits(5), lat: 41.39, lon: 2.17 },
    0.04,
  ],
  [
    {
      country: 'Japan',
      city: 'Tokyo',
      state: 'Tokyo',
      postal: (rng) => `${digits(3)(rng)}-${digits(4)(rng)}`,
      lat: 35.68,
      lon: 139.69,
    },
    0.03,
  ],
  [
    {
      country: 'Australia',
      city: 'Sydney',
      state: 'New South Wales',
      postal: digits(4),
      lat: -33.87,
      lon: 151.21,
    },
    0.02,
  ],
  [
    { country: 'Belgium', city: 'Bruxelles', state: 'Brussels', postal: digits(4), lat: 50.85, lon: 4.35 },
    0.01,
  ],
]
const PLACE = tableSampler(PLACES)
const USER_TRAFFIC = tableSampler([
  ['Search', 0.7],
  ['Organic', 0.15],
  ['Facebook', 0.06],
  ['Email', 0.05],
  ['Display', 0.04],
])
const EVENT_TRAFFIC = tableSampler([
  ['Email', 0.45],
  ['Adwords', 0.3],
  ['Facebook', 0.1],
  ['YouTube', 0.1],
  ['Organic', 0.05],
])
const BROWSER = tableSampler([
  ['Chrome', 0.5],
  ['Firefox', 0.2],
  ['Safari', 0.2],
  ['IE', 0.05],
  ['Other', 0.05],
])
const FIRST_NAMES = {
  M: [
    'James',
    'Wei',
    'Lucas',
    'Min-jun',
    'Thomas',
    'Daniel',
    'Hiroshi',
    'Mateo',
    'Jonas',
    'Oliver',
    'Rafael',
  ],
  F: ['Mary', 'Li', 'Ana', 'Seo-yeon', 'Emma', 'Sofia', 'Yuki', 'Julia', 'Chloé', 'Hannah', 'Beatriz'],
}
const LAST_NAMES = words('Smith Wang Silva Kim Martin Müller García Tanaka Brown Li Souza Lee')
const STREETS = ['Oak', 'Maple', 'Cedar', 'Hill', 'Lake', 'Park', 'River', 'Sunset', 'Willow', 'Elm']
const STREET_KINDS = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Court']

const DEPARTMENT_CATEGORIES = {
  Women: [
    ['Intimates', 9],
    ['Jeans', 5],
    ['Tops & Tees', 6],
    ['Sweaters', 5],
    ['Dresses', 5],
    ['Swim', 5],
    ['Shorts', 4],
    ['Fashion Hoodies & Sweatshirts', 4],
    ['Sleep & Lounge', 4],
    ['Accessories', 4],
    ['Active', 3],
    ['Outerwear & Coats', 3],
    ['Pants & Capris', 3],
    ['Skirts', 2],
    ['Leggings', 2],
    ['Blazers & Jackets', 2],
    ['Maternity', 2],
    ['Plus', 2],
    ['Socks & Hosiery', 1],
    ['Jumpsuits & Rompers', 1],
  ],
  Men: [
    ['Underwear', 4],
    ['Jeans', 6],
    ['Tops & Tees', 6],
    ['Fashion Hoodies & Sweatshirts', 6],
    ['Sweaters', 5],
    ['Shorts', 6],
    ['Sleep & Lounge', 4],
    ['Swim', 5],
    ['Accessories', 5],
    ['Active', 4],
    ['Outerwear & Coats', 4],
    ['Pants', 4],
    ['Socks', 3],
    ['Suits & Sport Coats', 3],
  ],
} as const satisfies Record<string, readonly (readonly [string, number])[]>
type Department = keyof typeof DEPARTMENT_CATEGORIES
const CATEGORY = {
  Women: tableSampler(DEPARTMENT_CATEGORIES.Women),
  Men: tableSampler(DEPARTMENT_CATEGORIES.Men),
}
/** Orders per user and items per order, about as in the public tables (1.25 orders per user). */
const ORDERS_PER_USER = tableSampler([
  [0, 0.25],
  [1, 0.45],
  [2, 0.18],
  [3, 0.08],
  [4, 0.04],
])
const ITEMS_PER_ORDER = tableSampler([
  [1, 0.6],
  [2, 0.25],
  [3, 0.1],
  [4, 0.05],
])
/** Made-up brands, some with an apostrophe, an ampersand or a non-ASCII letter. */
const BRANDS = phrases(
  "Northway|Hale's|Birch & Pine|Oakmont|Marisol|Émile Rousseau|Søren & Co|Calder|Blue Fjord",
  "Nan's Knits|Terrace|Kōbō Denim|Rivet Works|Lumen|Granite Peak|Aster",
)
const PRODUCT_WORDS = phrases('Relaxed Fit|Slim|Classic|Essential|Vintage|Stretch|Organic Cotton|Cozy')

interface TheLookUser {
  first: string
  last: string
  email: string
  age: number
  gender: 'M' | 'F'
  place: Place
  street: string
  postal: string
  lat: number
  lon: number
  trafficSource: string
  createdUs: number
}
interface TheLookProduct {
  cost: number
  category: string
  name: string
  brand: string
  retailPrice: number
  department: Department
  sku: string
  distributionCenter: number
}
interface TheLookOrder {
  id: number
  user: number
  status: OrderStatus
  createdUs: number
  shippedUs: number | null
  deliveredUs: number | null
  returnedUs: number | null
  products: number[]
}
interface TheLookOrderItem {
  id: number
  order: TheLookOrder
  product: number
  inventoryItem: number
}
interface TheLookEvent {
  id: number
  /** 0-based user, or -1 for an anonymous session. */
  user: number
  sequence: number
  session: string
  createdUs: number
  ip: string
  city: string
  state: string
  postal: string
  browser: string
  trafficSource: string
  uri: string
  type: 'home' | 'department' | 'product' | 'cart' | 'purchase' | 'cancel'
}
interface TheLookWorld {
  users: TheLookUser[]
  products: TheLookProduct[]
  orders: TheLookOrder[]
  orderItems: TheLookOrderItem[]
  events: TheLookEvent[]
}

/** A time in µs with a random fraction, except one in ten on a whole second. */
function withFraction(rng: Rng, us: number): number {
  const whole = Math.floor(us / US_PER_SECOND) * US_PER_SECOND
  return rng() < 0.1 ? whole : whole + randInt(rng, US_PER_SECOND)
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '')

function theLookProduct(rng: Rng, brandSampler: WeightedSampler): TheLookProduct {
  const department: Department = rng() < 0.5 ? 'Women' : 'Men'
  const category = CATEGORY[department](rng)
  const brand = BRANDS[brandSampler.draw(rng)]
  const noun = category.replace(/ &.*$/, '').replace(/s$/, '')
  const detail = rng() < 0.15 ? `, ${pick(rng, ['Dark Stone', 'Heather Grey', 'Navy', 'Black'])}` : ''
  const inseam = noun === 'Short' && rng() < 0.5 ? ` ${between(rng, 5, 11)}" Inseam` : ''
  const who = department === 'Men' ? "Men's" : "Women's"
  const name = `${brand} ${who} ${pick(rng, PRODUCT_WORDS)} ${noun}${inseam}${detail}`
  // Prices are 32-bit floats printed as doubles (49.99 prints as 49.9900016784668); costs are a share of
  // the price in double arithmetic, so they print with all their digits too (27.127999999999997).
  const retailPrice = Math.fround(Math.max(0, Math.floor(Math.exp(3.6 + 0.7 * normal(rng)))) + 0.99)
  return {
    cost: retailPrice * (0.35 + 0.25 * rng()),
    category,
    name,
    brand,
    retailPrice,
    department,
    sku: hex(rng, 32),
    distributionCenter: between(rng, 1, 10),
  }
}

function ipAddress(rng: Rng): string {
  return `${between(rng, 1, 223)}.${randInt(rng, 256)}.${randInt(rng, 256)}.${between(rng, 1, 254)}`
}

/** TheLook's tables for `users` users (products 0.29 per user, as in the public tables). */
function theLookWorld(seed: number, userCount: number): TheLookWorld {
  const rng = mulberry32(seed)
  const spanUs = (THELOOK.end - THELOOK.start) * 1000
  const startUs = THELOOK.start * 1000
  const users: TheLookUser[] = Array.from({ length: userCount }, () => {
    const gender = rng() < 0.5 ? ('M' as const) : ('F' as const)
    const first = pick(rng, FIRST_NAMES[gender])
    const last = pick(rng, LAST_NAMES)
    const place = PLACE(rng)
    return {
      first,
      last,
      email: `${slug(first)}${slug(last)}@example.${pick(rng, ['com', 'net', 'org'])}`,
      age: between(rng, 12, 70),
      gender,
      place,
      street: `${between(rng, 1, 9999)} ${pick(rng, STREETS)} ${pick(rng, STREET_KINDS)}`,
      postal: place.postal(rng),
      lat: place.lat + (rng() - 0.5) * 0.4,
      lon: place.lon + (rng() - 0.5) * 0.4,
      trafficSource: USER_TRAFFIC(rng),
      createdUs: withFraction(rng, startUs + rng() * spanUs * 0.97),
    }
  })
  const brandSampler = new WeightedSampler(popularityWeights(rng, BRANDS.length, 0.8, 1))
  const products = Array.from({ length: Math.max(20, Math.round(userCount * 0.29)) }, () =>
    theLookProduct(rng, brandSampler),
  )
  // One product without a name, as in the public table.
  products[randInt(rng, products.length)].name = ''
  const byDepartment: Record<Department, number[]> = { Women: [], Men: [] }
  products.forEach((p, id) => byDepartment[p.department].push(id))
  const productSamplers = {
    Women: new WeightedSampler(popularityWeights(rng, byDepartment.Women.length, 0.6, 5)),
    Men: new WeightedSampler(popularityWeights(rng, byDepartment.Men.length, 0.6, 5)),
  }
  const productFor = (gender: 'M' | 'F') => {
    const department: Department = gender === 'F' ? 'Women' : 'Men'
    return byDepartment[department][productSamplers[department].draw(rng)]
  }
  const departmentUri = (id: number) => {
    const p = products[id]
    return `/department/${slug(p.department)}/category/${slug(p.category)}/brand/${slug(p.brand)}`
  }

  const orders: TheLookOrder[] = []
  const orderItems: TheLookOrderItem[] = []
  const events: TheLookEvent[] = []
  let inventoryItem = 0
  const session = (
    user: number,
    place: { city: string; state: string; postal: string },
    endUs: number,
    pages: { uri: string; type: TheLookEvent['type'] }[],
  ) => {
    // Pages some seconds to minutes apart, ending at `endUs` (a purchase ends when the order is made).
    const times: number[] = [endUs]
    for (let k = pages.length - 1; k > 0; k--) times.unshift(times[0] - between(rng, 5, 240) * US_PER_SECOND)
    const id = uuid(rng)
    const ip = ipAddress(rng)
    const browser = BROWSER(rng)
    const trafficSource = EVENT_TRAFFIC(rng)
    pages.forEach((page, k) =>
      events.push({
        id: events.length + 1,
        user,
        sequence: k + 1,
        session: id,
        createdUs: withFraction(rng, times[k]),
        ip,
        ...place,
        browser,
        trafficSource,
        uri: page.uri,
        type: page.type,
      }),
    )
  }
  /** Pages of a visit to `shown` products: maybe the home page, then department and product pages. */
  const browsing = (shown: number[]) => {
    const pages: { uri: string; type: TheLookEvent['type'] }[] = []
    if (rng() < 0.4) pages.push({ uri: '/home', type: 'home' })
    for (const p of shown) {
      if (rng() < 0.5) pages.push({ uri: departmentUri(p), type: 'department' })
      pages.push({ uri: `/product/${p + 1}`, type: 'product' })
    }
    return pages
  }

  users.forEach((u, userIndex) => {
    const place = { city: u.place.city, state: u.place.state, postal: u.postal }
    const orderCount = ORDERS_PER_USER(rng)
    for (let k = 0; k < orderCount; k++) {
      const createdUs = withFraction(rng, u.createdUs + rng() * (startUs + spanUs - u.createdUs))
      const status = ORDER_STATUS(rng)
      const shipped = status === 'Complete' || status === 'Shipped' || status === 'Returned'
      const shippedUs = shipped ? withFraction(rng, createdUs + rng() * 3 * MS_PER_DAY * 1000) : null
      const deliveredUs =
        shippedUs !== null && status !== 'Shipped'
          ? withFraction(rng, shippedUs + rng() * 5 * MS_PER_DAY * 1000)
          : null
      const returnedUs =
        deliveredUs !== null && status === 'Returned'
          ? withFraction(rng, deliveredUs + rng() * 3 * MS_PER_DAY * 1000)
          : null
      const chosen = Array.from({ length: ITEMS_PER_ORDER(rng) }, () => productFor(u.gender))
      const order: TheLookOrder = {
        id: orders.length + 1,
        user: userIndex,
        status,
        createdUs,
        shippedUs,
        deliveredUs,
        returnedUs,
        products: chosen,
      }
      orders.push(order)
      for (const product of chosen) {
        inventoryItem += between(rng, 1, 4)
        orderItems.push({ id: orderItems.length + 1, order, product, inventoryItem })
      }
      session(userIndex, place, createdUs, [
        ...browsing(chosen),
        { uri: '/cart', type: 'cart' },
        { uri: '/purchase', type: 'purchase' },
      ])
    }
    // Sessions without a purchase: browsing, some to the cart, some of those cancelled.
    const visits = Math.floor(exponential(rng, 1.6))
    for (let k = 0; k < visits; k++) {
      const pages = browsing(Array.from({ length: between(rng, 1, 4) }, () => productFor(u.gender)))
      if (rng() < 0.5) {
        pages.push({ uri: '/cart', type: 'cart' })
        if (rng() < 0.4) pages.push({ uri: '/cancel', type: 'cancel' })
      }
      session(userIndex, place, u.createdUs + rng() * (startUs + spanUs - u.createdUs), pages)
    }
  })
  // Anonymous sessions: no user id, a place of their own.
  const anonymous = Math.round(userCount * 0.8)
  for (let k = 0; k < anonymous; k++) {
    const place = PLACE(rng)
    const gender = rng() < 0.5 ? 'M' : 'F'
    const pages = browsing(Array.from({ length: between(rng, 1, 3) }, () => productFor(gender)))
    if (rng() < 0.3) pages.push({ uri: '/cart', type: 'cart' })
    session(
      -1,
      { city: place.city, state: place.state, postal: place.postal(rng) },
      startUs + rng() * spanUs,
      pages,
    )
  }
  return { users, products, orders, orderItems, events }
}

/** A nullable time with `format`, empty for null. */
const timeOrEmpty = (us: number | null, format: (us: number) => string) => (us === null ? '' : format(us))

type TableRows = { header: string; rows: (string | number)[][] }

/** TheLook's five tables as rows, with times written by `time`; rows of the fact tables shuffled. */
function theLookTables(
  rng: Rng,
  world: TheLookWorld,
  time: (us: number) => string,
): Record<string, TableRows> {
  const users = world.users.map((u, i) => [
    i + 1,
    u.first,
    u.last,
    u.email,
    u.age,
    u.gender,
    u.place.state,
    u.street,
    u.postal,
    u.place.city,
    u.place.country,
    u.lat,
    u.lon,
    u.trafficSource,
    time(u.createdUs),
  ])
  const products = world.products.map((p, i) => [
    i + 1,
    p.cost,
    p.category,
    p.name,
    p.brand,
    p.retailPrice,
    p.department,
    p.sku,
    p.distributionCenter,
  ])
  const orders = shuffleInPlace(
    rng,
    world.orders.map((o) => [
      o.id,
      o.user + 1,
      o.status,
      world.users[o.user].gender,
      time(o.createdUs),
      timeOrEmpty(o.returnedUs, time),
      timeOrEmpty(o.shippedUs, time),
      timeOrEmpty(o.deliveredUs, time),
      o.products.length,
    ]),
  )
  const orderItems = shuffleInPlace(
    rng,
    world.orderItems.map((item) => [
      item.id,
      item.order.id,
      item.order.user + 1,
      item.product + 1,
      item.inventoryItem,
      item.order.status,
      time(item.order.createdUs),
      timeOrEmpty(item.order.shippedUs, time),
      timeOrEmpty(item.order.deliveredUs, time),
      timeOrEmpty(item.order.returnedUs, time),
      world.products[item.product].retailPrice,
    ]),
  )
  const events = shuffleInPlace(
    rng,
    world.events.map((e) => [
      e.id,
      e.user < 0 ? '' : e.user + 1,
      e.sequence,
      e.session,
      time(e.createdUs),
      e.ip,
      e.city,
      e.state,
      e.postal,
      e.browser,
      e.trafficSource,
      e.uri,
      e.type,
    ]),
  )
  return {
    users: { header: THELOOK_USER_COLUMNS, rows: users },
    products: { header: THELOOK_PRODUCT_COLUMNS, rows: products },
    orders: { header: THELOOK_ORDER_COLUMNS, rows: orders },
    order_items: { header: THELOOK_ORDER_ITEM_COLUMNS, rows: orderItems },
    events: { header: THELOOK_EVENT_COLUMNS, rows: events },
  }
}

/**
 * TheLook as exported from BigQuery: users.csv, products.csv, orders.csv, order_items.csv, events.csv.
 * `size` = users (the public table has about 100,000; events about 20 per user).
 */
export function theLook(options: ShapeOptions = {}): ShapeFile[] {
  const seed = options.seed ?? DEFAULT_SEED
  const world = theLookWorld(seed, Math.max(5, options.size ?? 4_000))
  const tables = theLookTables(mulberry32(seed ^ 0x7e1), world, bigQueryTime)
  return Object.entries(tables).map(([name, t]) => ({
    name: `${name}.csv`,
    bytes: utf8(textOf([t.header, ...t.rows.map((r) => csvLine(r))])),
  }))
}

/**
 * TheLook as a student project saves it after a pass through pandas, under other names
 * (`<table>_final.csv`), with pandas' quirks:
 * - `to_csv` without `index=False` adds a leading index column with an empty header (`,order_id,...`);
 *   products were read back and saved again, so their index column is called `Unnamed: 0`;
 * - orders and their items were filtered (Cancelled dropped), so the index has gaps;
 * - integer columns with missing values become floats: events' user_id is `21148.0` or empty;
 * - times parsed with `utc=True` come back as `2023-01-05 10:11:12.123456+00:00`.
 * Same world as `theLook` at the same seed and size.
 */
export function theLookPandas(options: ShapeOptions = {}): ShapeFile[] {
  const seed = options.seed ?? DEFAULT_SEED
  const world = theLookWorld(seed, Math.max(5, options.size ?? 4_000))
  const tables = theLookTables(mulberry32(seed ^ 0x7e1), world, pandasTime)
  const withIndex = (t: TableRows, indexHeader: string, keep: (row: (string | number)[]) => boolean) => {
    const lines = [`${indexHeader},${t.header}`]
    t.rows.forEach((row, index) => {
      if (keep(row)) lines.push(csvLine([index, ...row]))
    })
    return utf8(textOf(lines))
  }
  const all = () => true
  const notCancelled = (statusColumn: number) => (row: (string | number)[]) =>
    row[statusColumn] !== 'Cancelled'
  const events: TableRows = {
    header: tables.events.header,
    rows: tables.events.rows.map((r) => [r[0], r[1] === '' ? '' : `${r[1]}.0`, ...r.slice(2)]),
  }
  return [
    { name: 'users_final.csv', bytes: withIndex(tables.users, '', all) },
    { name: 'products_final.csv', bytes: withIndex(tables.products, 'Unnamed: 0', all) },
    { name: 'orders_final.csv', bytes: withIndex(tables.orders, '', notCancelled(2)) },
    { name: 'order_items_final.csv', bytes: withIndex(tables.order_items, '', notCancelled(5)) },
    { name: 'events_final.csv', bytes: withIndex(events, '', all) },
  ]
}

// ---------------------------------------------------------------------------------------------------
// Retailrocket (Kaggle "Retailrocket recommender system dataset"; facts from its description and file):
// events.csv `timestamp,visitorid,event,itemid,transactionid`; epoch milliseconds (in the file
// 1430622004384..1442545187788, May to Sep 2015); event view, addtocart or transaction (about 96.7%,
// 2.5%, 0.8%); transactionid only on transactions, shared by the items bought together; 2,756,101
// events of 1,407,580 visitors on 235,061 items, most visitors with one or two events.
// ---------------------------------------------------------------------------------------------------

const RETAILROCKET = {
  events: 2_756_101,
  visitors: 1_407_580,
  items: 235_061,
  start: 1430622004384,
  end: 1442545187788,
}

/** Chance that a view is followed by adding the item to the cart, and that a session's cart is bought. */
const CART_RATE = 0.05
const BUY_RATE = 0.9

/** Retailrocket's events.csv. `size` = rows (the real file has 2.76 million; default 300,000). */
export function retailrocket(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const size = Math.max(10, options.size ?? 300_000)
  const visitors = scaledCount(RETAILROCKET.visitors, size, RETAILROCKET.events, 1, 1)
  const items = scaledCount(RETAILROCKET.items, size, RETAILROCKET.events, 1, 20)
  const itemIds = sparseIds(rng, items, items * 2).map((id) => id * 2 + 1)
  const itemSampler = new WeightedSampler(popularityWeights(rng, items, 0.9, 2))
  const counts = activityCounts(rng, visitors, size, 1, Math.max(10, Math.round(size / 100)), 1.4)
  const visitorIds = shuffleInPlace(
    rng,
    Array.from({ length: visitors }, (_, v) => v * 2 + randInt(rng, 2)),
  )
  let transaction = 0
  const rows: string[] = []
  counts.forEach((count, v) => {
    // Relative milliseconds, then fitted into the span.
    const events: { t: number; type: string; item: number; transaction: string }[] = []
    let t = 0
    while (events.length < count) {
      const cart: number[] = []
      let item = itemSampler.draw(rng)
      for (let views = 1 + Math.floor(exponential(rng, 1.5)); views > 0; views--) {
        if (rng() >= 0.3) item = itemSampler.draw(rng)
        events.push({ t, type: 'view', item, transaction: '' })
        t += between(rng, 2_000, 120_000)
        if (rng() < CART_RATE) {
          events.push({ t, type: 'addtocart', item, transaction: '' })
          cart.push(item)
          t += between(rng, 2_000, 60_000)
        }
      }
      if (cart.length > 0 && rng() < BUY_RATE) {
        const id = String(transaction++)
        t += between(rng, 30_000, 300_000)
        for (const bought of cart) events.push({ t, type: 'transaction', item: bought, transaction: id })
      }
      t += Math.round(exponential(rng, 3 * MS_PER_DAY))
    }
    events.length = count
    const times = fitIntoSpan(
      rng,
      events.map((e) => e.t),
      RETAILROCKET.start,
      RETAILROCKET.end,
      1,
    )
    events.forEach((e, k) =>
      rows.push(`${times[k]},${visitorIds[v]},${e.type},${itemIds[e.item]},${e.transaction}`),
    )
  })
  shuffleInPlace(rng, rows)
  return [
    { name: 'events.csv', bytes: utf8(textOf(['timestamp,visitorid,event,itemid,transactionid', ...rows])) },
  ]
}

// ---------------------------------------------------------------------------------------------------
// Online Retail (UCI Machine Learning Repository, dataset 352; facts from its description and the CSV
// copy widely shared): `InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country`;
// 541,909 invoice lines of a UK online gift shop, 1 Dec 2010 to 9 Dec 2011; InvoiceDate `12/1/2010 8:26`
// (month/day/year, hour without a leading zero, minutes); every line of an invoice shares its date;
// an invoice number starting with `C` is a cancellation, its quantities negative; CustomerID missing on
// about a quarter of the lines; StockCode five digits with an optional letter or a special code (POST,
// D, M, DOT); Description upper case, sometimes missing (with UnitPrice 0); no sales on Saturdays.
// ---------------------------------------------------------------------------------------------------

const ONLINE_RETAIL = { rows: 541_909, customers: 4372, products: 4070 }
const RETAIL_COLOURS = ['WHITE', 'PINK', 'RED', 'BLUE', 'GREEN', 'IVORY', 'CREAM', 'BLACK', 'SILVER', 'RETRO']
const RETAIL_THINGS = phrases(
  'HEART T-LIGHT HOLDER|METAL LANTERN|COAT HANGER|TEA CUP AND SAUCER|JUMBO BAG|LUNCH BOX',
  'PHOTO FRAME|CAKE STAND|WATER BOTTLE|PAPER CHAIN KIT|DOORMAT|ALARM CLOCK|CANDLE|BUNTING',
  'NAPKINS|GIFT WRAP|STORAGE TIN|CUSHION COVER',
)
const RETAIL_COUNTRY = tableSampler([
  ['United Kingdom', 0.9],
  ['Germany', 0.02],
  ['France', 0.02],
  ['EIRE', 0.015],
  ['Spain', 0.008],
  ['Netherlands', 0.008],
  ['Belgium', 0.006],
  ['Switzerland', 0.006],
  ['Portugal', 0.005],
  ['Australia', 0.004],
  ['Norway', 0.003],
  ['Channel Islands', 0.003],
])
const PACK_SIZES = tableSampler([
  [1, 0.2],
  [2, 0.12],
  [3, 0.06],
  [4, 0.08],
  [6, 0.14],
  [8, 0.05],
  [10, 0.06],
  [12, 0.17],
  [24, 0.08],
  [48, 0.025],
  [96, 0.01],
  [144, 0.005],
])

/** `12/1/2010 8:26` of epoch milliseconds (UTC): month/day/year as Excel writes it in a US locale. */
function usDateTime(ms: number): string {
  const d = new Date(ms)
  const date = `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`
  return `${date} ${d.getUTCHours()}:${pad(d.getUTCMinutes())}`
}

/** A trading minute between 1 Dec 2010 and 9 Dec 2011, 7:00-20:00, never on a Saturday. */
function tradingTime(rng: Rng): number {
  const first = Date.UTC(2010, 11, 1)
  const days = Math.round((Date.UTC(2011, 11, 9) - first) / MS_PER_DAY) + 1
  for (;;) {
    const day = first + randInt(rng, days) * MS_PER_DAY
    if (new Date(day).getUTCDay() === 6) continue
    const minute = Math.min(20 * 60, Math.max(7 * 60, Math.round(13 * 60 + 130 * normal(rng))))
    return day + minute * 60_000
  }
}

interface RetailProduct {
  code: string
  description: string
  price: number
}

/**
 * One invoice line: stock code, description, quantity, unit price and CustomerID cell. Cancellations
 * return goods (negative quantities) or a discount; an invoice abroad may start with postage, a guest's
 * with DOTCOM postage; a few lines are stock adjustments without description, price or customer.
 */
function retailLine(
  rng: Rng,
  invoice: { cancel: boolean; guest: boolean; abroad: boolean },
  first: boolean,
  product: RetailProduct,
  customer: string,
): (string | number)[] {
  if (invoice.cancel)
    return rng() < 0.08
      ? ['D', 'Discount', -1, between(rng, 5, 60) + 0.5, customer]
      : [product.code, product.description, -PACK_SIZES(rng), product.price, customer]
  if (first && invoice.abroad && !invoice.guest && rng() < 0.5)
    return ['POST', 'POSTAGE', between(rng, 1, 3), 18, customer]
  if (first && invoice.guest && rng() < 0.3)
    return ['DOT', 'DOTCOM POSTAGE', 1, Math.round(rng() * 20_000) / 100, customer]
  if (rng() < 0.003) return [product.code, '', (rng() < 0.5 ? -1 : 1) * between(rng, 1, 50), 0, '']
  const bulk = rng() < 0.05 ? 0.85 : 1
  return [
    product.code,
    product.description,
    PACK_SIZES(rng),
    Math.round(product.price * bulk * 100) / 100,
    customer,
  ]
}

/** Online Retail as a CSV. `size` = invoice lines (default 100,000 of the real 541,909). ASCII. */
export function onlineRetail(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const size = Math.max(50, options.size ?? 100_000)
  const customers = scaledCount(ONLINE_RETAIL.customers, size, ONLINE_RETAIL.rows, 1, 5)
  const productCount = scaledCount(ONLINE_RETAIL.products, size, ONLINE_RETAIL.rows, 0.5, 30)
  const codes = new Set<string>()
  const products: RetailProduct[] = []
  while (products.length < productCount) {
    const letter = rng() < 0.25 ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'[randInt(rng, 26)] : ''
    const code = `${between(rng, 10_002, 90_214)}${letter}`
    if (codes.has(code)) continue
    codes.add(code)
    const description = `${pick(rng, RETAIL_COLOURS)} ${pick(rng, RETAIL_THINGS)}`
    products.push({ code, description, price: Math.round(Math.exp(0.6 + 0.8 * normal(rng)) * 100) / 100 })
  }
  const productSampler = new WeightedSampler(popularityWeights(rng, productCount, 0.8, 10))
  const customerIds = sparseIds(rng, customers, Math.max(customers, 5942)).map((id) => 12345 + id)
  const customerCountry = customerIds.map(() => RETAIL_COUNTRY(rng))
  const customerSampler = new WeightedSampler(
    Float64Array.from(customerIds, () => Math.exp(1.2 * normal(rng))),
  )

  // Invoices: cancellations are about 1.7% of the lines, one to four lines each.
  const cancelLines = Math.max(1, Math.round(size * 0.017))
  const cancelInvoices = Math.max(1, Math.round(cancelLines / 2.4))
  const saleLines = size - cancelLines
  const saleInvoices = Math.max(1, Math.round(saleLines / 24))
  const saleCounts = activityCounts(rng, saleInvoices, saleLines, 1, saleLines, 1.1)
  const cancelCounts = activityCounts(rng, cancelInvoices, cancelLines, 1, cancelLines, 0.4)
  const invoices = [
    ...Array.from(saleCounts, (lines) => ({ lines, cancel: false, time: tradingTime(rng) })),
    ...Array.from(cancelCounts, (lines) => ({ lines, cancel: true, time: tradingTime(rng) })),
  ].sort((a, b) => a.time - b.time)
  // Guests (no CustomerID) until about a quarter of the sale lines are theirs.
  const guest = new Set<number>()
  let guestLines = 0
  for (const k of shuffleInPlace(rng, [...invoices.keys()])) {
    if (guestLines >= 0.25 * size) break
    if (invoices[k].cancel) continue
    guest.add(k)
    guestLines += invoices[k].lines
  }
  const rows: string[] = []
  invoices.forEach((invoice, k) => {
    const number = `${invoice.cancel ? 'C' : ''}${536365 + k}`
    const date = usDateTime(invoice.time)
    const isGuest = guest.has(k)
    const c = customerSampler.draw(rng)
    const customer = isGuest ? '' : String(customerIds[c])
    const country = isGuest ? (rng() < 0.95 ? 'United Kingdom' : RETAIL_COUNTRY(rng)) : customerCountry[c]
    const kind = { cancel: invoice.cancel, guest: isGuest, abroad: country !== 'United Kingdom' }
    for (let line = 0; line < invoice.lines; line++) {
      const product = products[productSampler.draw(rng)]
      const [code, description, quantity, price, who] = retailLine(rng, kind, line === 0, product, customer)
      rows.push(csvLine([number, code, description, quantity, date, price, who, country]))
    }
  })
  return [
    {
      name: 'online_retail.csv',
      bytes: utf8(
        textOf([
          'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
          ...rows,
        ]),
      ),
    },
  ]
}

// ---------------------------------------------------------------------------------------------------
// Odd files.
// ---------------------------------------------------------------------------------------------------

/**
 * `Book1.csv` as Excel saves "CSV UTF-8" (a byte-order mark, CRLF line ends) with a `sep=,` first line,
 * which Excel reads as the delimiter hint; headers with spaces, US dates (`1/31/2023 14:22`) and a mostly
 * empty last column, so most lines end with a comma. `size` = rows.
 */
export function excelExport(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const size = Math.max(1, options.size ?? 2_000)
  const customers = Math.max(2, Math.round(size / 15))
  const customerSampler = new WeightedSampler(
    Float64Array.from({ length: customers }, () => Math.exp(normal(rng))),
  )
  const productSampler = new WeightedSampler(popularityWeights(rng, Math.max(10, Math.round(size / 8)), 1, 3))
  const rows = Array.from({ length: size }, () => {
    const date = usDateTime(Date.UTC(2023, 0, 1) + randInt(rng, 365 * 24 * 60) * 60_000)
    const note = rng() < 0.05 ? pick(rng, ['gift', 'returned, refunded', '"rush" order']) : ''
    return csvLine([
      `C-${pad(customerSampler.draw(rng) + 1, 5)}`,
      `P${1000 + productSampler.draw(rng)}`,
      between(rng, 1, 5),
      date,
      note,
    ])
  })
  const text =
    '\uFEFF' + textOf(['sep=,', 'Customer ID,Product ID,Quantity,Purchase Date,Notes', ...rows], '\r\n')
  return [{ name: 'Book1.csv', bytes: utf8(text) }]
}

/** `interactions.csv` with its header and no rows. */
export function headerOnly(): ShapeFile[] {
  return [{ name: 'interactions.csv', bytes: utf8(textOf(['user_id,item_id,rating,timestamp'])) }]
}

/**
 * `noise.csv` (`user_id,item_id,timestamp`): users, items and seconds (January 2024) drawn uniformly and
 * independently, so there is nothing to learn; no model should beat random ranking on it beyond chance.
 * `size` = rows (default 500; 50 users and 100 items at that size).
 */
export function noise(options: ShapeOptions = {}): ShapeFile[] {
  const rng = mulberry32(options.seed ?? DEFAULT_SEED)
  const size = Math.max(1, options.size ?? 500)
  const users = Math.max(2, Math.round(size / 10))
  const items = Math.max(2, Math.round(size / 5))
  const start = Date.UTC(2024, 0, 1) / 1000
  const rows = Array.from(
    { length: size },
    () => `${between(rng, 1, users)},${between(rng, 1, items)},${start + randInt(rng, 31 * SECONDS_PER_DAY)}`,
  )
  return [{ name: 'noise.csv', bytes: utf8(textOf(['user_id,item_id,timestamp', ...rows])) }]
}

// ---------------------------------------------------------------------------------------------------
// The catalogue of shapes.
// ---------------------------------------------------------------------------------------------------

export type ShapeName =
  | 'movielens-100k'
  | 'movielens-100k-renamed'
  | 'recbole-ml-100k'
  | 'movielens-1m'
  | 'movielens-latest-small'
  | 'german-ratings'
  | 'score-ratings'
  | 'click-log'
  | 'thelook'
  | 'thelook-pandas'
  | 'retailrocket'
  | 'online-retail'
  | 'excel-export'
  | 'header-only'
  | 'noise'

export interface ShapeSpec {
  /** What real files the shape imitates. */
  imitates: string
  /** What `size` counts. */
  sizeMeans: string
  /** The size of the real release, where there is one. */
  realSize: number | null
  defaultSize: number
  generate: (options?: ShapeOptions) => ShapeFile[]
}

export const SHAPES: Record<ShapeName, ShapeSpec> = {
  'movielens-100k': {
    imitates: 'MovieLens 100K (GroupLens ml-100k.zip)',
    sizeMeans: 'rows of u.data',
    realSize: ML100K.ratings,
    defaultSize: ML100K.ratings,
    generate: movieLens100k,
  },
  'movielens-100k-renamed': {
    imitates: "MovieLens 100K's u.data saved as ratings.tsv",
    sizeMeans: 'rows',
    realSize: ML100K.ratings,
    defaultSize: ML100K.ratings,
    generate: movieLens100kRenamed,
  },
  'recbole-ml-100k': {
    imitates: "RecBole's ml-100k atomic files (.inter, .user, .item)",
    sizeMeans: 'rows of ml-100k.inter',
    realSize: ML100K.ratings,
    defaultSize: ML100K.ratings,
    generate: recBoleMl100k,
  },
  'movielens-1m': {
    imitates: 'MovieLens 1M (GroupLens ml-1m.zip)',
    sizeMeans: 'rows of ratings.dat',
    realSize: ML1M.ratings,
    defaultSize: ML1M.ratings,
    generate: movieLens1m,
  },
  'movielens-latest-small': {
    imitates: 'MovieLens latest-small (GroupLens ml-latest-small.zip)',
    sizeMeans: 'rows of ratings.csv',
    realSize: ML_LATEST.ratings,
    defaultSize: ML_LATEST.ratings,
    generate: movieLensLatestSmall,
  },
  'german-ratings': {
    imitates: 'a German Excel ratings export with semicolons',
    sizeMeans: 'rows of bewertungen.csv',
    realSize: null,
    defaultSize: 20_000,
    generate: germanRatings,
  },
  'score-ratings': {
    imitates: 'a review log with 0-10 scores and dates',
    sizeMeans: 'rows',
    realSize: null,
    defaultSize: 20_000,
    generate: scoreRatings,
  },
  'click-log': {
    imitates: 'an impression log with 0/1 clicks',
    sizeMeans: 'rows',
    realSize: null,
    defaultSize: 50_000,
    generate: clickLog,
  },
  thelook: {
    imitates: 'TheLook e-commerce (BigQuery thelook_ecommerce) exported as CSV',
    sizeMeans: 'users',
    realSize: THELOOK.users,
    defaultSize: 4_000,
    generate: theLook,
  },
  'thelook-pandas': {
    imitates: 'TheLook saved again by pandas in a student project',
    sizeMeans: 'users',
    realSize: THELOOK.users,
    defaultSize: 4_000,
    generate: theLookPandas,
  },
  retailrocket: {
    imitates: 'Retailrocket events.csv (Kaggle)',
    sizeMeans: 'rows',
    realSize: RETAILROCKET.events,
    defaultSize: 300_000,
    generate: retailrocket,
  },
  'online-retail': {
    imitates: 'UCI Online Retail as CSV',
    sizeMeans: 'rows',
    realSize: ONLINE_RETAIL.rows,
    defaultSize: 100_000,
    generate: onlineRetail,
  },
  'excel-export': {
    imitates: 'an Excel "CSV UTF-8" export with a sep=, line',
    sizeMeans: 'rows',
    realSize: null,
    defaultSize: 2_000,
    generate: excelExport,
  },
  'header-only': {
    imitates: 'a CSV with a header and no rows',
    sizeMeans: 'nothing (always no rows)',
    realSize: null,
    defaultSize: 0,
    generate: headerOnly,
  },
  noise: {
    imitates: 'pure noise interactions',
    sizeMeans: 'rows',
    realSize: null,
    defaultSize: 500,
    generate: noise,
  },
}

/** The files of `shape` at `options` (defaults: seed 1, the shape's default size). */
export function shapeFiles(shape: ShapeName, options: ShapeOptions = {}): ShapeFile[] {
  return SHAPES[shape].generate(options)
}
