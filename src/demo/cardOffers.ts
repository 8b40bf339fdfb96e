/**
 * Deterministic synthetic "card offers" data drawn from a planted preference model.
 *
 * Users (cardholders): user_id, age_band, income_band, card_tier, region, tenure_years.
 * Offers: offer_id, category, reward_type, min_spend, channel, merchant, banner_style.
 * Interactions (offer activations): user_id, offer_id, timestamp (epoch seconds), device.
 *
 * The planted utility of offer i for user u on device c is
 *
 *   utility = 1.6 * AGE_CATEGORY[age_band(u)][category(i)]
 *           + 1.2 * TIER_REWARD[card_tier(u)][reward_type(i)]
 *           - 0.7 * |income_level(u) - spend_level(min_spend(i))|
 *           + 1.0 * DEVICE_CHANNEL[c][channel(i)]
 *           + popularity(i)                      (per-offer, normal with sd 0.6)
 *           + 1.5 * [category(i) = category(the user's previous activation)]
 *
 * and each activation draws an offer with probability softmax(utility) over the offers the user has
 * not activated yet. The affinity tables are normal(0, 1) draws from the seed.
 *
 * The last term is the part a mean cannot express: a cardholder who just activated a travel offer
 * wants another travel offer next, whatever travel means to their age band. It is a gate on ORDER —
 * of the user's past offers only the newest one matters for it — so a model that averages its history
 * tokens sees the user's past categories blurred together, while one that attends with positions can
 * look at the newest. In the default demo it lifts the share of activations in the previous one's
 * category from 0.197 (the same world without it) to 0.481; `cardOffers.test.ts` checks the lift.
 * `MOMENTUM_WEIGHT = 0` gives the additive world of before (used by that test).
 *
 * Informative fields: age_band, income_band, card_tier (user); device (context);
 * category, reward_type, min_spend, channel (item), plus the ids through popularity.
 * Pure noise: region and tenure_years (user), merchant and banner_style (item): they are drawn
 * independently of everything else and never enter the utility.
 */
import type { ColumnMapping } from '../data/mapping'
import type { DatasetTables, Table } from '../data/types'
import { deriveSeed, mulberry32, normal, pickWeighted, randInt, type Rng } from '../data/random'
import { whole, type Sliced } from '../data/slices'

export interface DemoSize {
  users: number
  items: number
  /** Target number of interactions; the drawn total is within a few percent of it. */
  interactions: number
}

export const DEFAULT_DEMO_SIZE: DemoSize = { users: 5000, items: 500, interactions: 100_000 }
export const DEFAULT_DEMO_SEED = 7

export const AGE_BANDS = ['18-24', '25-34', '35-44', '45-54', '55-64', '65+']
export const INCOME_BANDS = ['low', 'lower-middle', 'upper-middle', 'high']
export const CARD_TIERS = ['classic', 'gold', 'platinum', 'black']
export const REGIONS = ['north', 'south', 'east', 'west', 'central', 'coast', 'highlands', 'islands']
export const CATEGORIES = [
  'travel',
  'dining',
  'groceries',
  'fuel',
  'electronics',
  'fashion',
  'entertainment',
  'health',
  'home',
  'gifts',
]
export const REWARD_TYPES = ['cashback', 'points', 'miles', 'discount']
export const CHANNELS = ['app', 'email', 'web', 'branch']
export const BANNER_STYLES = ['photo', 'illustration', 'minimal']
export const DEVICES = ['mobile', 'desktop', 'tablet']
/** Minimum spend per income level's sweet spot, in currency units. */
const SPEND_LEVELS = [25, 75, 200, 500]
const MERCHANT_COUNT = 60

/** Field names the planted utility reads, and those it ignores, for tests and documentation. */
export const PLANTED_FIELDS = {
  informative: [
    'age_band',
    'income_band',
    'card_tier',
    'device',
    'category',
    'reward_type',
    'min_spend',
    'channel',
  ],
  noise: ['region', 'tenure_years', 'merchant', 'banner_style'],
}

/** Weight of the category-momentum term (see the top of the file). */
export const MOMENTUM_WEIGHT = 1.5

const START_SECONDS = Date.UTC(2026, 0, 1) / 1000
const WINDOW_SECONDS = 180 * 24 * 3600

export const DEMO_MAPPING: ColumnMapping = {
  userId: 'user_id',
  itemId: 'offer_id',
  timestamp: 'timestamp',
  features: [
    { table: 'users', column: 'age_band', kind: 'categorical', tower: 'user' },
    { table: 'users', column: 'income_band', kind: 'categorical', tower: 'user' },
    { table: 'users', column: 'card_tier', kind: 'categorical', tower: 'user' },
    { table: 'users', column: 'region', kind: 'categorical', tower: 'user' },
    { table: 'users', column: 'tenure_years', kind: 'numeric', tower: 'user' },
    { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
    { table: 'items', column: 'category', kind: 'categorical', tower: 'item' },
    { table: 'items', column: 'reward_type', kind: 'categorical', tower: 'item' },
    { table: 'items', column: 'min_spend', kind: 'numeric', tower: 'item' },
    { table: 'items', column: 'channel', kind: 'categorical', tower: 'item' },
    { table: 'items', column: 'merchant', kind: 'categorical', tower: 'item' },
    { table: 'items', column: 'banner_style', kind: 'categorical', tower: 'item' },
  ],
}

interface DemoUser {
  age: number
  income: number
  tier: number
  region: number
  tenureYears: number
  preferredDevice: number
}
interface DemoOffer {
  category: number
  reward: number
  spendLevel: number
  minSpend: number
  channel: number
  merchant: number
  banner: number
  popularity: number
}

/** The generated world: its tables plus the planted utility, usable as an evaluation-only oracle. */
/**
 * The utility the demo's interactions are drawn from, without the interactions: all the oracle needs
 * (`plantedUtility` makes it in milliseconds; drawing the interactions takes 0.7–0.9 s at the default
 * size and ~6 s at 1,000,000 interactions in Node).
 */
export interface PlantedUtility {
  seed: number
  size: DemoSize
  /**
   * Writes the planted utility of every offer for user `userIndex` on `device`, after an activation of
   * category `previousCategory` (an index into CATEGORIES; -1 for a first activation), into `out`
   * (length = items). User and offer indices follow the rows of the users and offers tables.
   */
  utilities(userIndex: number, device: number, previousCategory: number, out: Float32Array): void
  /** Category index of each offer (by offer index). */
  offerCategory: Int8Array
}

export interface DemoWorld extends PlantedUtility {
  tables: DatasetTables
  /**
   * Category index of the activation before each interaction row (same user, generation order), -1
   * for a user's first: what the momentum term read when the row was drawn.
   */
  previousCategory: Int8Array
}

function table(name: string, columns: string[], rows: string[][]): Table {
  const data: Record<string, string[]> = {}
  columns.forEach((c, j) => (data[c] = rows.map((row) => row[j])))
  return { name, columns, data, rowCount: rows.length }
}

function id(prefix: string, i: number, width: number): string {
  return prefix + String(i + 1).padStart(width, '0')
}

/** The demo's user id of user index `i` (the users table's row), and its offer id of offer index `i`. */
export const demoUserId = (i: number): string => id('U', i, 5)
export const demoOfferId = (i: number): string => id('O', i, 4)

function affinity(rng: Rng, rows: number, cols: number): Float64Array[] {
  return Array.from({ length: rows }, () => Float64Array.from({ length: cols }, () => normal(rng)))
}

/** The planted utility of the demo of this seed and size: what `generateCardOffers` draws from. */
export function plantedUtility(
  seed: number = DEFAULT_DEMO_SEED,
  size: DemoSize = DEFAULT_DEMO_SIZE,
  momentum: number = MOMENTUM_WEIGHT,
): PlantedUtility {
  const { utilities, offerCategory } = drawWorld(seed, size, momentum)
  return { seed, size, utilities, offerCategory }
}

/** Users, offers and their utility: the draws before the interactions, from their own seeds. */
function drawWorld(seed: number, size: DemoSize, momentum: number) {
  const worldRng = mulberry32(deriveSeed(seed, 'world'))
  const ageCategory = affinity(worldRng, AGE_BANDS.length, CATEGORIES.length)
  const tierReward = affinity(worldRng, CARD_TIERS.length, REWARD_TYPES.length)
  const deviceChannel = affinity(worldRng, DEVICES.length, CHANNELS.length)

  const userRng = mulberry32(deriveSeed(seed, 'users'))
  const users: DemoUser[] = Array.from({ length: size.users }, () => {
    const income = randInt(userRng, INCOME_BANDS.length)
    // Richer cardholders hold higher tiers more often; tier still varies within an income band.
    const tier = Math.min(CARD_TIERS.length - 1, Math.max(0, income + randInt(userRng, 3) - 1))
    return {
      age: randInt(userRng, AGE_BANDS.length),
      income,
      tier,
      region: randInt(userRng, REGIONS.length),
      tenureYears: randInt(userRng, 31),
      preferredDevice: pickWeighted(userRng, [0.6, 0.3, 0.1]),
    }
  })

  const offerRng = mulberry32(deriveSeed(seed, 'offers'))
  const offers: DemoOffer[] = Array.from({ length: size.items }, () => {
    const spendLevel = randInt(offerRng, SPEND_LEVELS.length)
    return {
      category: randInt(offerRng, CATEGORIES.length),
      reward: randInt(offerRng, REWARD_TYPES.length),
      spendLevel,
      // Jitter within the level so min_spend is a real numeric column.
      minSpend: Math.round(SPEND_LEVELS[spendLevel] * (0.8 + 0.4 * offerRng())),
      channel: randInt(offerRng, CHANNELS.length),
      merchant: randInt(offerRng, MERCHANT_COUNT),
      banner: randInt(offerRng, BANNER_STYLES.length),
      popularity: 0.6 * normal(offerRng),
    }
  })

  const utilities = (
    userIndex: number,
    device: number,
    previousCategory: number,
    out: Float32Array,
  ): void => {
    const u = users[userIndex]
    const ageRow = ageCategory[u.age]
    const tierRow = tierReward[u.tier]
    const deviceRow = deviceChannel[device]
    for (let i = 0; i < offers.length; i++) {
      const o = offers[i]
      out[i] =
        1.6 * ageRow[o.category] +
        1.2 * tierRow[o.reward] -
        0.7 * Math.abs(u.income - o.spendLevel) +
        1.0 * deviceRow[o.channel] +
        o.popularity +
        (o.category === previousCategory ? momentum : 0)
    }
  }
  const offerCategory = Int8Array.from(offers, (o) => o.category)
  return { users, offers, utilities, offerCategory }
}

/**
 * One user's draw weights, softmax(utility) over the offers not taken yet, kept per (device, previous
 * category) while the user's draws go on. Each weight is `exp(utility - max)`, the max over the
 * offers not taken: a table is worked out again only when that max has changed (its offer was taken),
 * and a taken offer's weight is set to 0 in every table. So each draw gets the very weights, and the
 * very total (summed in offer order), that working them out afresh gives: the same offers are drawn.
 * The weights are worked out for 58% of the draws at the default size, 42% at 1,000,000 interactions
 * (a table serves 2.5 and 8.6 draws on average), so the draws took 1.08–1.51 → 0.68–0.94 s at the
 * default size and 8.9 → 5.6–6.1 s at 1,000,000 (Node 20, one thread, alternated, 2026-12-02).
 */
class DrawTables {
  private readonly utility: Float32Array[]
  private readonly table: Float64Array[]
  private readonly max: Float64Array
  /** Keys of the tables made for the current user. */
  private readonly made: number[] = []

  constructor(keys: number, offers: number) {
    this.utility = Array.from({ length: keys }, () => new Float32Array(offers))
    this.table = Array.from({ length: keys }, () => new Float64Array(offers))
    this.max = new Float64Array(keys).fill(NaN)
  }

  startUser(): void {
    for (const key of this.made) this.max[key] = NaN
    this.made.length = 0
  }

  /** The weights for `key` (`utilities` fills its utility on the user's first use of it) and their sum. */
  weights(
    key: number,
    taken: Uint8Array,
    utilities: (out: Float32Array) => void,
  ): { weights: Float64Array; total: number } {
    const util = this.utility[key]
    const weights = this.table[key]
    if (Number.isNaN(this.max[key])) {
      utilities(util)
      this.made.push(key)
    }
    let max = -Infinity
    for (let i = 0; i < util.length; i++) if (!taken[i] && util[i] > max) max = util[i]
    if (max !== this.max[key]) {
      for (let i = 0; i < util.length; i++) weights[i] = taken[i] ? 0 : Math.exp(util[i] - max)
      this.max[key] = max
    }
    let total = 0
    for (let i = 0; i < weights.length; i++) total += weights[i]
    return { weights, total }
  }

  /** Offer `item` is taken: its weight is 0 in every table of the user. */
  take(item: number): void {
    for (const key of this.made) this.table[key][item] = 0
  }
}

/** How far the interactions' draws have got: read between slices to show progress. */
export interface DemoProgress {
  /** Interactions drawn so far. */
  interactions: number
  /** All drawn (the total is within a few percent of the size asked for, so it cannot tell). */
  drawn: boolean
}

/**
 * Draws per slice, weighted by the offers each draw weighs (a draw's cost): 4,000,000, about 40 ms in
 * Node on the machines measured here, so a 1,000,000-interaction demo (3 s of draws at 300 offers) has
 * ~75 places to stop in, and one at 5,000 offers still yields every few users.
 */
export const DEMO_SLICE_WORK = 4_000_000

/** The demo world, drawn whole. */
export function generateCardOffers(
  seed: number = DEFAULT_DEMO_SEED,
  size: DemoSize = DEFAULT_DEMO_SIZE,
  momentum: number = MOMENTUM_WEIGHT,
): DemoWorld {
  return whole(cardOffersInSlices(seed, size, momentum))
}

/**
 * The demo world in slices (see `data/slices.ts`), yielding between users once `sliceWork` draw-offers
 * are done; `progress` counts the interactions drawn so far. The same world whatever the slicing: the
 * slices only decide where a caller may look up.
 */
export function* cardOffersInSlices(
  seed: number = DEFAULT_DEMO_SEED,
  size: DemoSize = DEFAULT_DEMO_SIZE,
  momentum: number = MOMENTUM_WEIGHT,
  progress: DemoProgress = { interactions: 0, drawn: false },
  sliceWork = DEMO_SLICE_WORK,
): Sliced<DemoWorld> {
  const { users, offers, utilities, offerCategory } = drawWorld(seed, size, momentum)

  // Interactions per user: 3 plus a geometric-like tail, scaled so the total is close to the target.
  const eventRng = mulberry32(deriveSeed(seed, 'events'))
  const meanExtra = Math.max(0, size.interactions / size.users - 3)
  const rows: string[][] = []
  const previous: number[] = []
  const draws = new DrawTables(DEVICES.length * (CATEGORIES.length + 1), offers.length)
  let work = 0
  for (let u = 0; u < size.users; u++) {
    const count = Math.min(offers.length, 3 + Math.floor(-Math.log(1 - eventRng()) * meanExtra))
    const times = Array.from(
      { length: count },
      () => START_SECONDS + Math.floor(eventRng() * WINDOW_SECONDS),
    ).sort((a, b) => a - b)
    const taken = new Uint8Array(offers.length)
    draws.startUser()
    let previousCategory = -1
    for (let k = 0; k < count; k++) {
      const device = eventRng() < 0.75 ? users[u].preferredDevice : randInt(eventRng, DEVICES.length)
      const { weights, total } = draws.weights(
        device * (CATEGORIES.length + 1) + previousCategory + 1,
        taken,
        (out) => utilities(u, device, previousCategory, out),
      )
      const item = pickWeighted(eventRng, weights, total)
      taken[item] = 1
      draws.take(item)
      rows.push([demoUserId(u), demoOfferId(item), String(times[k]), DEVICES[device]])
      previous.push(previousCategory)
      previousCategory = offers[item].category
    }
    work += count * offers.length
    if (work >= sliceWork) {
      progress.interactions = rows.length
      work = 0
      yield
    }
  }
  progress.interactions = rows.length
  progress.drawn = true

  const userRows = users.map((u, i) => [
    id('U', i, 5),
    AGE_BANDS[u.age],
    INCOME_BANDS[u.income],
    CARD_TIERS[u.tier],
    REGIONS[u.region],
    String(u.tenureYears),
  ])
  const offerRows = offers.map((o, i) => [
    id('O', i, 4),
    CATEGORIES[o.category],
    REWARD_TYPES[o.reward],
    String(o.minSpend),
    CHANNELS[o.channel],
    id('M', o.merchant, 3),
    BANNER_STYLES[o.banner],
  ])

  return {
    seed,
    size,
    tables: {
      users: table(
        'users.csv',
        ['user_id', 'age_band', 'income_band', 'card_tier', 'region', 'tenure_years'],
        userRows,
      ),
      items: table(
        'offers.csv',
        ['offer_id', 'category', 'reward_type', 'min_spend', 'channel', 'merchant', 'banner_style'],
        offerRows,
      ),
      interactions: table('interactions.csv', ['user_id', 'offer_id', 'timestamp', 'device'], rows),
    },
    utilities,
    offerCategory,
    previousCategory: Int8Array.from(previous),
  }
}
