/**
 * Seeded interaction logs in MovieLens 100K's published shape (u.data, u.item, u.user, u.genre,
 * u.occupation, u.info; see `testingShapes.ts`) whose order carries a planted sequential structure, and
 * the generating truth an evaluation-only oracle needs. For the sequence and attention work of issue 11:
 * a model that reads a user's last ~20 items in order can beat popularity clearly here, and a model that
 * sees the same items as an unordered bag cannot reach the oracle.
 *
 * The shape is MovieLens 100K's at the default size: 943 users, about 1,682 titles (the catalogue is
 * the titles somebody rated, as in the release), 100,000 ratings 1-5 in the published shares, every user
 * with at least 20 ratings and a few with hundreds (a filtered log-normal, capped at 737), long-tailed
 * title popularity, 1-4 genres per title, epoch seconds from Sep 1997 to Apr 1998. Each user's ratings
 * come in sessions: a first burst holding about 60% of them, then a few more bursts days apart (at least
 * an hour between sessions); within a session 30% of events share the second of the one before, the
 * others follow 1-900 s later, so many events tie on the timestamp. u.data's rows are shuffled, except
 * that events tied on (user, second) keep their generated order: a stable sort by (user, timestamp, line)
 * gives back every user's exact sequence. Read the files that way (the page's split breaks ties by row).
 *
 * The process. User u's k-th event, at time t, after items h_0 .. h_{k-1}, draws item j with probability
 *
 *   p(j) = π · F(j) + (1 − π) · B(j)      when a follow-up is pending (F below), else B(j),
 *
 * over the titles u has not rated yet (nobody rates a title twice), where
 *
 * - F, the follow-ups (π = FOLLOW_UP_SHARE = 0.5): titles come in franchises (about a quarter of the
 *   catalogue: chains of 2-5 titles sharing their genres, each later title named as a sequel). Each of
 *   the last FOLLOW_UP_WINDOW = 3 items whose next franchise title u has not rated proposes that title,
 *   weighted 1, 1/2, 1/4 by recency; F is those weights normalised. The sequence alone predicts these.
 * - B, the genre-then-title choice: a genre g is drawn with probability proportional to
 *     (1 − ω) · taste_u(t)[g] + ω · momentum[g]
 *   over the genres with titles u has not rated, then a title of g in proportion to its popularity w_j
 *   among those; so B(j) = Σ_{g ∈ genres(j)} P(g) · w_j / Σ_{i ∈ g, not rated} w_i.
 *   - taste_u(t) drifts linearly from u's start taste to their end taste as t goes from u's first to last
 *     timestamp. Each taste is a distribution over the 19 genres: the genre's share of titles to the
 *     power 0.7, times a log-normal spread (sd 0.8), times 4 for a favourite genre (tilted by gender and
 *     age as in the 100K shape); the end taste keeps the favourite with probability 1/2.
 *   - momentum (ω = MOMENTUM_WEIGHT = 0.7, only when the session already has events before this one) is
 *     the genres of the session's earlier items, each item's weight 0.7^(its distance back) spread evenly
 *     over its genres, normalised: within a session a person keeps to the genres just watched.
 *   - w_j is a log-normal popularity (sd 1.9, the top 2% levelled), as in the 100K shape.
 *
 * Ratings play no part in the order: a title quality (higher for popular titles) plus a user bias plus
 * 0.3 when the title is in the user's current favourite genre, plus noise, cut at quantiles into the
 * published shares of 1..5.
 *
 * What an order-free model sees: the items a user has (their taste, on average over time) and their
 * popularity. What it cannot: which items were last (follow-ups), which genres the current session is
 * about (momentum) and the latest taste (drift). `sequenceOracle` computes p(j) exactly from the truth,
 * with its latent tastes, for evaluation only. With `followUps` and `momentum` off it keeps only the
 * order-free part B without momentum (taste at that time, true popularity): it shows the oracle's lead
 * comes from the order, not from its latents. (It is not the best order-free scorer: counts also see how
 * often a title arrives as a follow-up, so plain popularity does about as well.)
 *
 * Measured at the default size and seed under temporal leave-last-out (943 test users, earlier items
 * excluded, ± sd/√n): Recall@10 oracle 0.305 ± 0.015, learned item-to-item transitions over the last 3
 * items 0.241 ± 0.014, item co-occurrence 0.110 ± 0.010, most popular 0.096 ± 0.010 (on the real file,
 * issue 11 reports SASRec 0.216-0.220 and most popular 0.085).
 *
 * Pure: returns `{ name, bytes }` files and the truth, touches nothing. `bench/writeSequences.ts` writes
 * the files to a folder.
 */
import { ML100K_GENRES } from './formats'
import { deriveSeed, mulberry32, normal, randInt, shuffleInPlace, type Rng } from './random'
import {
  ML100K,
  ML100K_GENRE_WEIGHTS,
  ML100K_RATING_SHARES,
  WeightedSampler,
  activityCounts,
  favouriteGenres,
  feasibleUsers,
  logNormalPopularity,
  ml100kUser,
  movieCatalogue,
  movieLens100kFiles,
  scaledCount,
  type Ml100kWorld,
  type Movie,
  type ShapeFile,
} from './testingShapes'

export interface SequenceOptions {
  /** Same seed and size, same files and truth. */
  seed?: number
  /** Ratings (rows of u.data); users grow with it, titles with its 0.3 power, as in the 100K shape. */
  size?: number
}

/** Share of an event's probability that goes to the pending follow-ups, when there are any. */
export const FOLLOW_UP_SHARE = 0.5
/** How many of the latest items propose their follow-up, and the weight lost per step back. */
export const FOLLOW_UP_WINDOW = 3
const FOLLOW_UP_DECAY = 0.5
/** Weight of the session's genres against the user's taste in the genre choice. */
export const MOMENTUM_WEIGHT = 0.7
/** Weight lost per step back by an earlier item of the session in the momentum. */
const MOMENTUM_DECAY = 0.7

const DEFAULT_SEED = 1
const SECONDS_PER_DAY = 86_400
const GENRES = ML100K_GENRES.length
/** Titles drawn per catalogue title wanted: the ones nobody rates are left out of u.item afterwards. */
const CATALOGUE_OVERSHOOT = 1.055
/** Share of titles in a franchise (heads and sequels), and the chance a franchise goes on after each title. */
const FRANCHISE_SHARE = 0.25
const FRANCHISE_CONTINUE = 0.4
const FRANCHISE_MAX = 5
/** The genre-share power, log-normal spread and favourite factor of a taste. */
const TASTE_POWER = 0.7
const TASTE_SPREAD = 0.8
const FAVOURITE_FACTOR = 4
/** Weight of `unknown` in tastes: the one `unknown` title is rated a few times, as in u.data. */
const UNKNOWN_GENRE_WEIGHT = 2
/** Session timing (seconds unless named). */
const SESSIONS = {
  meanExtra: 2.5,
  firstShare: 0.6,
  tieShare: 0.3,
  meanStep: 25,
  maxStep: 900,
  minGap: 3600,
  meanGapDays: 12,
}

/** The process behind a log, in generation space: every drawn title, rated or not. */
export interface SequenceProcess {
  /** Titles drawn; the catalogue is the rated ones. */
  titles: number
  /** Catalogue index of each drawn title, -1 for one nobody rated; and back. */
  catalogueOf: Int32Array
  drawnOf: Int32Array
  /** Genres of each drawn title (indices into ML100K_GENRES, ascending). */
  genres: number[][]
  /** Popularity weight w_j of each drawn title. */
  popularity: Float64Array
  /** Next title of each drawn title's franchise, -1 for none. */
  followUp: Int32Array
  /** Per user, `GENRES` shares summing to 1: the taste at their first and at their last timestamp. */
  tasteStart: Float64Array
  tasteEnd: Float64Array
}

/** Everything the files were generated from. Indices are 0-based; ids in the files are index + 1. */
export interface SequenceTruth {
  users: number
  /** Titles in u.item. */
  items: number
  /** User u's events, in generated order, are `[userStart[u], userStart[u + 1])`. */
  userStart: Int32Array
  /** Per event: catalogue item, epoch seconds, session number within its user (0 = first), rating 1-5. */
  eventItem: Int32Array
  eventTime: Float64Array
  eventSession: Int32Array
  eventRating: Int8Array
  /** Per event: its line in u.data, 0-based. */
  eventLine: Int32Array
  /** Per catalogue item: the next title of its franchise in the catalogue, -1 for none. */
  followUp: Int32Array
  /** Per catalogue item: its genres (indices into ML100K_GENRES). */
  itemGenres: number[][]
  process: SequenceProcess
}

export interface SequenceWorld {
  files: ShapeFile[]
  truth: SequenceTruth
}

/** Which parts of the process the oracle uses (both by default). */
export interface OracleParts {
  followUps?: boolean
  momentum?: boolean
}

export interface SequenceOracle {
  /**
   * p(user's event at `position` is item i) for every catalogue item, given the user's events before
   * `position` (generated order) and the event's time and session: exact under the process. Items the
   * user already has get 0. The sum is below 1 by the share of titles nobody rated (left out of the
   * catalogue). Evaluation only: it reads latent tastes no model can see.
   */
  nextItemProbabilities(user: number, position: number): Float64Array
}

// ---------------------------------------------------------------------------------------------------
// One user's state as the process walks their events: what they have, the genres still open to them,
// and the session's momentum. The generator and the oracle both step through it, so they agree.
// ---------------------------------------------------------------------------------------------------

class UserWalk {
  /** `had[i] === this.mark` when drawn title i is rated already. */
  private readonly had: Int32Array
  private mark = 0
  /** Per genre: popularity mass and count of the titles not rated yet. */
  readonly mass = new Float64Array(GENRES)
  readonly open = new Int32Array(GENRES)
  /** Drawn titles of the events so far, and the session of each. */
  readonly history: number[] = []
  private readonly sessions: number[] = []

  constructor(
    private readonly process: SequenceProcess,
    private readonly genreMass: Float64Array,
    private readonly genreCount: Int32Array,
  ) {
    this.had = new Int32Array(process.titles)
  }

  reset(): void {
    this.mark++
    this.mass.set(this.genreMass)
    this.open.set(this.genreCount)
    this.history.length = 0
    this.sessions.length = 0
  }

  has(title: number): boolean {
    return this.had[title] === this.mark
  }

  add(title: number, session: number): void {
    this.had[title] = this.mark
    for (const g of this.process.genres[title]) {
      this.mass[g] -= this.process.popularity[title]
      this.open[g]--
    }
    this.history.push(title)
    this.sessions.push(session)
  }

  /**
   * The pending follow-ups of the next event: drawn titles and their weights summing to 1, or empty.
   * Franchises are chains, so the latest items propose distinct titles.
   */
  followUps(): { titles: number[]; weights: number[] } {
    const titles: number[] = []
    const weights: number[] = []
    let weight = 1
    for (let back = 1; back <= FOLLOW_UP_WINDOW && back <= this.history.length; back++) {
      const next = this.process.followUp[this.history[this.history.length - back]]
      if (next >= 0 && !this.has(next)) {
        titles.push(next)
        weights.push(weight)
      }
      weight *= FOLLOW_UP_DECAY
    }
    const total = weights.reduce((a, b) => a + b, 0)
    return { titles, weights: weights.map((w) => w / total) }
  }

  /**
   * P(g) of the genre step for an event in `session` whose taste is `taste` (GENRES shares): the taste
   * mixed with the session's momentum, over the genres with titles left, normalised.
   */
  genreShares(taste: ArrayLike<number>, session: number, momentum: boolean): Float64Array {
    const shares = new Float64Array(GENRES)
    let inSession = 0
    if (momentum) {
      let weight = 1
      for (let k = this.history.length - 1; k >= 0 && this.sessions[k] === session; k--) {
        const genres = this.process.genres[this.history[k]]
        for (const g of genres) shares[g] += weight / genres.length
        inSession += weight
        weight *= MOMENTUM_DECAY
      }
    }
    const omega = inSession > 0 ? MOMENTUM_WEIGHT : 0
    let total = 0
    for (let g = 0; g < GENRES; g++) {
      const share = this.open[g] > 0 ? (1 - omega) * taste[g] + (omega * shares[g]) / (inSession || 1) : 0
      shares[g] = share
      total += share
    }
    for (let g = 0; g < GENRES; g++) shares[g] /= total
    return shares
  }
}

/** The taste of `user` at `time`: start and end tastes mixed by the time's place in the user's span. */
function tasteAt(
  process: SequenceProcess,
  user: number,
  from: number,
  to: number,
  time: number,
): Float64Array {
  const lambda = to > from ? (time - from) / (to - from) : 0
  const taste = new Float64Array(GENRES)
  for (let g = 0; g < GENRES; g++)
    taste[g] =
      (1 - lambda) * process.tasteStart[user * GENRES + g] + lambda * process.tasteEnd[user * GENRES + g]
  return taste
}

function genreTotals(process: SequenceProcess): { mass: Float64Array; count: Int32Array } {
  const mass = new Float64Array(GENRES)
  const count = new Int32Array(GENRES)
  for (let j = 0; j < process.titles; j++)
    for (const g of process.genres[j]) {
      mass[g] += process.popularity[j]
      count[g]++
    }
  return { mass, count }
}

// ---------------------------------------------------------------------------------------------------
// Drawing the world.
// ---------------------------------------------------------------------------------------------------

function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng()) * mean
}

/**
 * Epoch seconds and session numbers of one user's `count` events: a first session holding about
 * `SESSIONS.firstShare` of them, the others spread over a few later sessions at least an hour apart,
 * placed at a random start inside MovieLens 100K's span (gaps between sessions shrunk to fit if needed).
 */
function sessionTimes(rng: Rng, count: number): { time: number[]; session: number[] } {
  const sessions = Math.min(count, 1 + Math.floor(exponential(rng, SESSIONS.meanExtra + 0.5)))
  const sizes = new Array<number>(sessions).fill(1)
  let left = count - sessions
  const first = sessions === 1 ? left : Math.min(left, Math.round(left * SESSIONS.firstShare * (0.5 + rng())))
  sizes[0] += first
  left -= first
  while (left-- > 0) sizes[1 + randInt(rng, sessions - 1)]++
  const within: number[] = []
  const session: number[] = []
  const lengths = sizes.map((size, s) => {
    let t = 0
    for (let k = 0; k < size; k++) {
      if (k > 0 && rng() >= SESSIONS.tieShare)
        t += Math.min(SESSIONS.maxStep, 1 + Math.floor(exponential(rng, SESSIONS.meanStep)))
      within.push(t)
      session.push(s)
    }
    return t
  })
  const extraGaps = sizes.slice(1).map(() => exponential(rng, SESSIONS.meanGapDays * SECONDS_PER_DAY))
  const span = ML100K.end - ML100K.start
  const fixed = lengths.reduce((a, b) => a + b, 0) + (sessions - 1) * SESSIONS.minGap
  const extra = extraGaps.reduce((a, b) => a + b, 0)
  const scale = fixed + extra > span ? Math.max(0, (span - fixed) / extra) : 1
  const start = ML100K.start + rng() * Math.max(0, span - fixed - extra * scale)
  const sessionStart: number[] = []
  let t = start
  sizes.forEach((_, s) => {
    if (s > 0) t += lengths[s - 1] + SESSIONS.minGap + extraGaps[s - 1] * scale
    sessionStart.push(Math.floor(t))
  })
  return { time: within.map((w, k) => sessionStart[session[k]] + w), session }
}

/** A taste: genre shares to the power 0.7, a log-normal spread, the favourite times 4; sums to 1. */
function drawTaste(rng: Rng, favourite: number, out: Float64Array, offset: number): void {
  let total = 0
  for (let g = 0; g < GENRES; g++) {
    const weight = Math.max(UNKNOWN_GENRE_WEIGHT, ML100K_GENRE_WEIGHTS[g])
    const share =
      Math.pow(weight, TASTE_POWER) *
      Math.exp(TASTE_SPREAD * normal(rng)) *
      (g === favourite ? FAVOURITE_FACTOR : 1)
    out[offset + g] = share
    total += share
  }
  for (let g = 0; g < GENRES; g++) out[offset + g] /= total
}

/** `Shadow, The` → `Shadow 2, The`: the sequel's number goes before a trailing article. */
function sequelTitle(base: string, number: number): string {
  const article = base.match(/, (The|A|An|Le|La|Les|El|Das|Der|Die)$/)
  return article ? `${base.slice(0, -article[0].length)} ${number}${article[0]}` : `${base} ${number}`
}

/**
 * Chains titles into franchises (about `FRANCHISE_SHARE` of them, `unknown` never): each later title
 * takes its head's genres, a year one to three after the one before (at most 1998) and a sequel's name.
 * Returns each title's next title, -1 for none.
 */
function franchises(rng: Rng, movies: Movie[], unknown: number): Int32Array {
  const followUp = new Int32Array(movies.length).fill(-1)
  const order = shuffleInPlace(
    rng,
    [...Array(movies.length).keys()].filter((i) => i !== unknown),
  )
  const wanted = Math.round(movies.length * FRANCHISE_SHARE)
  let used = 0
  while (used + 2 <= Math.min(wanted, order.length)) {
    let length = 2
    while (length < FRANCHISE_MAX && rng() < FRANCHISE_CONTINUE) length++
    const chain = order.slice(used, used + length)
    used += chain.length
    const head = movies[chain[0]]
    const base = head.title.replace(/ \(\d{4}\)$/, '')
    let year = head.year
    chain.forEach((title, k) => {
      if (k === 0) return
      year = Math.min(1998, year + 1 + randInt(rng, 3))
      movies[title] = { title: `${sequelTitle(base, k + 1)} (${year})`, year, genres: [...head.genres] }
      followUp[chain[k - 1]] = title
    })
  }
  return followUp
}

/** Picks a drawn title of genre `g` that the walk has not had, in proportion to popularity. */
function drawInGenre(
  rng: Rng,
  walk: UserWalk,
  g: number,
  sampler: WeightedSampler,
  members: readonly number[],
  popularity: Float64Array,
): number {
  for (let attempt = 0; attempt < 32; attempt++) {
    const title = members[sampler.draw(rng)]
    if (!walk.has(title)) return title
  }
  // A heavy user has had most of the genre's popular titles: draw among the rest directly.
  let r = rng() * walk.mass[g]
  let last = -1
  for (const title of members) {
    if (walk.has(title)) continue
    last = title
    r -= popularity[title]
    if (r < 0) return title
  }
  return last
}

/** Draws the log and its files. Same seed and size, same bytes and truth. */
export function sequentialMovieLens(options: SequenceOptions = {}): SequenceWorld {
  const seed = options.seed ?? DEFAULT_SEED
  const rng = mulberry32(deriveSeed(seed, 'sequential-movielens'))
  const ratings = Math.max(200, Math.round(options.size ?? ML100K.ratings))
  const wantedItems = scaledCount(ML100K.items, ratings, ML100K.ratings, 0.3, 40)
  const titles = Math.round(wantedItems * CATALOGUE_OVERSHOOT)
  const maxPerUser = Math.min(ML100K.maxPerUser, Math.floor(wantedItems / 2))
  const users = feasibleUsers((ML100K.users * ratings) / ML100K.ratings, ratings, 20, maxPerUser)
  const counts = activityCounts(rng, users, ratings, 20, maxPerUser, 1.1, true)
  const people = Array.from({ length: users }, () => ml100kUser(rng))

  const movies = movieCatalogue(rng, titles, {
    genres: ML100K_GENRES,
    genreWeights: ML100K_GENRE_WEIGHTS,
    yearFrom: 1922,
    yearTo: 1998,
    recentFrom: 1993,
    recentShare: 0.6,
    foreignShare: 0.04,
  })
  const unknown = randInt(rng, titles)
  movies[unknown] = { title: 'unknown', year: 0, genres: [0] }
  const followUp = franchises(rng, movies, unknown)
  const popularity = logNormalPopularity(rng, titles, 1.9, 0.02, 1)
  const favouriteStart = favouriteGenres(rng, ML100K_GENRES, ML100K_GENRE_WEIGHTS, people)
  const favouriteEnd = favouriteGenres(rng, ML100K_GENRES, ML100K_GENRE_WEIGHTS, people)
  const tasteStart = new Float64Array(users * GENRES)
  const tasteEnd = new Float64Array(users * GENRES)
  for (let u = 0; u < users; u++) {
    if (rng() < 0.5) favouriteEnd[u] = favouriteStart[u]
    drawTaste(rng, favouriteStart[u], tasteStart, u * GENRES)
    drawTaste(rng, favouriteEnd[u], tasteEnd, u * GENRES)
  }
  const process: SequenceProcess = {
    titles,
    catalogueOf: new Int32Array(titles),
    drawnOf: new Int32Array(0),
    genres: movies.map((m) => m.genres),
    popularity,
    followUp,
    tasteStart,
    tasteEnd,
  }

  // Per genre: its titles and a popularity sampler over them.
  const members = Array.from({ length: GENRES }, () => [] as number[])
  for (let j = 0; j < titles; j++) for (const g of process.genres[j]) members[g].push(j)
  const samplers = members.map((m) => new WeightedSampler(m.map((j) => popularity[j])))
  const totals = genreTotals(process)
  const walk = new UserWalk(process, totals.mass, totals.count)

  const userStart = new Int32Array(users + 1)
  const eventTitle = new Int32Array(ratings)
  const eventTime = new Float64Array(ratings)
  const eventSession = new Int32Array(ratings)
  const eventFavourite = new Uint8Array(ratings)
  let e = 0
  for (let u = 0; u < users; u++) {
    userStart[u] = e
    walk.reset()
    const { time, session } = sessionTimes(rng, counts[u])
    const from = time[0]
    const to = time[time.length - 1]
    for (let k = 0; k < counts[u]; k++) {
      const pending = walk.followUps()
      let title: number
      if (pending.titles.length > 0 && rng() < FOLLOW_UP_SHARE)
        title = pending.titles[pickIndex(rng, pending.weights)]
      else {
        const taste = tasteAt(process, u, from, to, time[k])
        const g = pickIndex(rng, walk.genreShares(taste, session[k], true))
        title = drawInGenre(rng, walk, g, samplers[g], members[g], popularity)
      }
      const favourite = time[k] - from <= (to - from) / 2 ? favouriteStart[u] : favouriteEnd[u]
      eventFavourite[e] = process.genres[title].includes(favourite) ? 1 : 0
      walk.add(title, session[k])
      eventTitle[e] = title
      eventTime[e] = time[k]
      eventSession[e] = session[k]
      e++
    }
  }
  userStart[users] = e

  // The catalogue: the titles somebody rated, in drawn order.
  const rated = new Uint8Array(titles)
  for (const j of eventTitle) rated[j] = 1
  let items = 0
  for (let j = 0; j < titles; j++) process.catalogueOf[j] = rated[j] ? items++ : -1
  process.drawnOf = new Int32Array(items)
  for (let j = 0; j < titles; j++) if (rated[j]) process.drawnOf[process.catalogueOf[j]] = j
  const eventItem = Int32Array.from(eventTitle, (j) => process.catalogueOf[j])
  const eventRating = ratingsOf(rng, eventTitle, userStart, popularity, eventFavourite)
  const eventLine = fileLines(rng, userStart, eventTime)
  const truth: SequenceTruth = {
    users,
    items,
    userStart,
    eventItem,
    eventTime,
    eventSession,
    eventRating,
    eventLine,
    followUp: Int32Array.from(process.drawnOf, (j) =>
      followUp[j] >= 0 ? process.catalogueOf[followUp[j]] : -1,
    ),
    itemGenres: Array.from(process.drawnOf, (j) => process.genres[j]),
    process,
  }

  const rowOrder = new Array<number>(ratings)
  eventLine.forEach((line, event) => (rowOrder[line] = event))
  const eventUser = new Int32Array(ratings)
  for (let u = 0; u < users; u++) eventUser.fill(u, userStart[u], userStart[u + 1])
  const world: Ml100kWorld = {
    users: people,
    movies: Array.from(process.drawnOf, (j) => movies[j]),
    unknownItem: process.catalogueOf[unknown],
    ratings: {
      user: eventUser,
      item: eventItem,
      rating: Float64Array.from(eventRating),
      time: eventTime,
    },
    rowOrder,
  }
  return { files: movieLens100kFiles(world, mulberry32(deriveSeed(seed, 'u.item'))), truth }
}

/** Index drawn in proportion to `weights`. */
function pickIndex(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0
  for (let i = 0; i < weights.length; i++) total += weights[i]
  let r = rng() * total
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]
    if (r < 0) return i
  }
  return weights.length - 1
}

/**
 * Ratings 1-5 in MovieLens 100K's shares: a title quality (0.15 × its log popularity above the mean,
 * plus noise), a user bias, 0.3 for the user's favourite genre, noise, cut at the latent's quantiles.
 */
function ratingsOf(
  rng: Rng,
  eventTitle: Int32Array,
  userStart: Int32Array,
  popularity: Float64Array,
  favourite: Uint8Array,
): Int8Array {
  const logs = Array.from(popularity, Math.log)
  const meanLog = logs.reduce((a, b) => a + b, 0) / logs.length
  const quality = Float64Array.from(logs, (l) => 0.5 * normal(rng) + 0.15 * (l - meanLog))
  const latent = new Float64Array(eventTitle.length)
  for (let u = 0; u + 1 < userStart.length; u++) {
    const bias = 0.35 * normal(rng)
    for (let e = userStart[u]; e < userStart[u + 1]; e++)
      latent[e] = quality[eventTitle[e]] + bias + 0.3 * favourite[e] + 0.8 * normal(rng)
  }
  const sorted = Float64Array.from(latent).sort()
  const thresholds: number[] = []
  let cumulative = 0
  for (const share of ML100K_RATING_SHARES.slice(0, -1)) {
    cumulative += share
    thresholds.push(sorted[Math.min(sorted.length - 1, Math.round(cumulative * sorted.length))])
  }
  return Int8Array.from(latent, (v) => {
    let level = 0
    while (level < thresholds.length && v >= thresholds[level]) level++
    return level + 1
  })
}

/**
 * The u.data line of each event: rows shuffled as in the release, then, within each run of one user's
 * events on the same second, the run's lines handed out in generated order, so a stable sort by
 * (user, time, line) restores every sequence.
 */
function fileLines(rng: Rng, userStart: Int32Array, time: Float64Array): Int32Array {
  const n = time.length
  const line = shuffleInPlace(
    rng,
    Int32Array.from({ length: n }, (_, i) => i),
  )
  for (let u = 0; u + 1 < userStart.length; u++) {
    let from = userStart[u]
    for (let e = from + 1; e <= userStart[u + 1]; e++) {
      if (e < userStart[u + 1] && time[e] === time[from]) continue
      if (e - from > 1) line.subarray(from, e).sort()
      from = e
    }
  }
  return line
}

// ---------------------------------------------------------------------------------------------------
// The oracle.
// ---------------------------------------------------------------------------------------------------

/**
 * The process's own next-item probabilities (see the top of the file), replayed from the truth. With
 * `parts.followUps` or `parts.momentum` off, that part is left out (B alone, or the taste alone): with
 * both off it scores by taste at the event's time and popularity, with no use of order.
 */
export function sequenceOracle(truth: SequenceTruth, parts: OracleParts = {}): SequenceOracle {
  const useFollowUps = parts.followUps ?? true
  const useMomentum = parts.momentum ?? true
  const process = truth.process
  const totals = genreTotals(process)
  const walk = new UserWalk(process, totals.mass, totals.count)
  return {
    nextItemProbabilities(user, position) {
      const first = truth.userStart[user]
      const last = truth.userStart[user + 1] - 1
      if (position < 0 || first + position > last)
        throw new Error(`sequenceOracle: user ${user} has no event ${position}`)
      walk.reset()
      for (let e = first; e < first + position; e++)
        walk.add(process.drawnOf[truth.eventItem[e]], truth.eventSession[e])
      const event = first + position
      const taste = tasteAt(
        process,
        user,
        truth.eventTime[first],
        truth.eventTime[last],
        truth.eventTime[event],
      )
      const shares = walk.genreShares(taste, truth.eventSession[event], useMomentum)
      const pending = useFollowUps ? walk.followUps() : { titles: [], weights: [] }
      const base = pending.titles.length > 0 ? 1 - FOLLOW_UP_SHARE : 1
      const out = new Float64Array(truth.items)
      for (let i = 0; i < truth.items; i++) {
        const j = process.drawnOf[i]
        if (walk.has(j)) continue
        let p = 0
        for (const g of process.genres[j])
          if (shares[g] > 0) p += (shares[g] * process.popularity[j]) / walk.mass[g]
        out[i] = base * p
      }
      pending.titles.forEach((j, k) => {
        const i = process.catalogueOf[j]
        if (i >= 0) out[i] += FOLLOW_UP_SHARE * pending.weights[k]
      })
      return out
    },
  }
}
