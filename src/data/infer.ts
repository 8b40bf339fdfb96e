/**
 * Proposes a mapping for files that are not a known format: which file holds the interactions, users
 * and items; which columns are the ids, the timestamp and the rating; and a kind and tower for every
 * other column. Only a proposal: the person corrects it in the schema mapper.
 *
 * Heuristics, from what real exports look like:
 * - Column names first (`user_id`, `customerId`, `product_id`, `created_at`, `rating`), shapes second.
 * - One-hot groups (`gender_F`, `gender_M`) are folded back into one categorical (or multi-valued) field.
 * - Columns of the interactions file constant per user (or per item) are lifted into the user (item)
 *   table, so they feed that tower once per entity instead of once per interaction.
 * - Float-looking ids (`21148.0`) count as integer ids (cleaning's `float-ids` step rewrites them).
 * - A column unique per row is an id, not a feature: it is ignored and flagged.
 * - Content as well as names: epoch times (plausible range, many values, clustered per user) are the
 *   timestamp, a numeric column of a few rating-like levels (1–5, 0–10, 0.5 steps, 0/1) is the rating.
 * - Columns of the interactions that are not lifted to a tower are NOT model inputs by default: a
 *   column becomes context only when the person says it is known at the moment of recommending. A
 *   rating or an outcome fed to the query would leak the answer.
 * - Absurd keys are not proposed: an id needs many distinct values that repeat, and is not free text,
 *   a time or a rating; a side table needs one row per key.
 */
import { formatDate } from './datetime'
import { type DataResult } from './types'
import { isMissing, parseTimestamp } from './encode.values'
import type { FileRole } from './formats'
import {
  codeCounts,
  dictOf,
  isNumberColumn,
  renameColumns,
  epochSeconds,
  numbersOf,
  presentSorted,
  withoutColumns,
} from './table'
import type { ColumnKind, ColumnProposal, FeatureMapping, SchemaProposal } from './mapping'
import { constantPer, foldOneHotGroups, joinColumns, liftColumns } from './mapping.join'
import type { Column, DictColumn, DictTable, NumberColumn, TableRole, FieldTower } from './types'

const USER_ID =
  /^(user|customer|client|member|account|visitor|person|buyer|reader|viewer)[ _.-]?(id|key|no|number)$|^uid$/i
const ITEM_ID =
  /^(item|product|movie|offer|article|sku|stock|book|track|song|course|video|listing|content|asset|merchant|game|anime|recipe|business)[ _.-]?(id|key|no|number|code)$|^(iid|sku|asin)$/i
const TIME_NAME = /(time|date|created|updated|^ts$|timestamp|_at$|datetime|when)/i
const RATING_NAME = /^(rating|score|label|stars?|weight|clicked|click|target|liked|purchased|response|y)$/i
/**
 * Names of things known at the moment of recommending (an hour, a device code) and of quantities (a
 * count of items, a price): a column so named is never proposed as a rating however few levels it has.
 */
const NOT_RATING_NAME =
  /(hour|day|week|month|year|dow|device|channel|platform|browser|slot|position|page|session|source|country|region|lang|qty|quantity|count|amount|price|num)/i
/** Columns that name an entity for people: shown as its label, never a model input. */
const LABEL_NAME =
  /^(title|titel|titre|t[ií]tulo|name|nombre|nom|.*[ _.-](title|name)|(movie|product|item|book|song|track|display|full|user)name)$/i
const ENTITY_ID_NAME = /^(id|key)$/i
/** Ids of an order, a session or an event: they group interactions, they are not users or items. */
const GROUP_ID_NAME =
  /^(order|invoice|transaction|session|basket|cart|receipt|event|visit|sequence)[ _.-]?(id|no|number|key|num)?$/i
/** Attributes of a visit or a place: never a user or an item, however their values look. */
const ATTRIBUTE_NAME =
  /(^|[ _.-])(ip|address|postal|zip|city|state|country|region|browser|device|os|agent|language)([ _.-]|$)/i
/** Names of amounts: never an id, however their values look. */
const QUANTITY_NAME = /(qty|quantity|price|amount|revenue)|(^|[ _.-])(cost|total|count|sum|sales?)([ _.-]|$)/i
/** Personal details of a user table: identifiers of people, not features that generalise. */
const PERSONAL_NAME =
  /^((first|last|full|given|family|sur)[ _.-]?name|e-?mail([ _.-]?address)?|phone([ _.-]?number)?|street([ _.-]?address)?|address)$/i
/** Dates written the local way (`12/1/2010 8:26`): not read as times, since day and month order differ. */
const LOCAL_DATE = /^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?$/
/** One-hot column names: `prefix_value`, `prefix=value`, `prefix.value`. */
const FLOAT_INTEGER = /^-?\d+\.0+$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?( ?(Z|UTC|[+-]\d{2}:?\d{2}))?$/
const WHITE_SPACE = /\s/

/** Distinct values at or below which a repetitive small-integer column is read as categorical codes. */
const CATEGORICAL_MAX_DISTINCT = 20
/** A column with at least this share of distinct values among its present cells is unique per row. */
const UNIQUE_SHARE = 0.95
/** Mean text length above which a high-cardinality column is free text. */
const TEXT_MIN_LENGTH = 30
/**
 * An id needs more distinct values than this, unless each value has few rows: a column with a handful
 * of values that repeat thousands of times (an order status, a sequence number) is a category. With ten
 * items or fewer every item is in every top 10, so ranking metrics would say nothing anyway.
 */
export const MIN_ID_DISTINCT = 10
/** ... unless the file is this many times longer than its distinct values (tiny files stay allowed). */
const MIN_ROWS_PER_VALUE_FOR_CATEGORY = 20
/** Plausible epoch times, 1995-01-01 to 2036-01-01, in seconds (and the same span in milliseconds). */
const EPOCH_MIN_SECONDS = 788_918_400
const EPOCH_MAX_SECONDS = 2_082_758_400
/**
 * Epoch-looking numbers are times when each user's values span at most this share of the column's
 * whole range (people are active for a while; ids or amounts in that range scatter over all of it).
 */
const PER_USER_SPREAD_SHARE = 0.5
/** ... or when this share of consecutive rows is in time order (logs are written as things happen). */
const IN_ORDER_SHARE = 0.95
/** A name column needs at least this share of distinct values to label entities. */
const LABEL_MIN_DISTINCT_SHARE = 0.2
/** Most distinct levels of a rating scale: 0 to 10 in half steps. */
const RATING_MAX_LEVELS = 21

export interface ColumnProfile {
  rows: number
  missing: number
  distinct: number
  /** Shares among present cells, in [0, 1]. */
  numericShare: number
  integerShare: number
  floatIntegerShare: number
  timestampShare: number
  isoDateShare: number
  multiShare: number
  meanLength: number
  /** Share of present cells with white space inside: titles, names, sentences (ids rarely have any). */
  spaceShare: number
  /** Share of present cells that are numbers in the plausible epoch range (seconds or milliseconds). */
  epochShare: number
  /** Share of present cells that are numbers on a half-step grid (1, 1.5, 2, ...). */
  halfStepShare: number
  /** Smallest and largest numeric cell (NaN when there is none). */
  min: number
  max: number
  /** A few of the most frequent present values, for messages. */
  examples: string[]
}

const isEpoch = (x: number) =>
  (x >= EPOCH_MIN_SECONDS && x <= EPOCH_MAX_SECONDS) ||
  (x >= EPOCH_MIN_SECONDS * 1000 && x <= EPOCH_MAX_SECONDS * 1000)
const isHalfStep = (x: number) => Number.isInteger(x * 2)
/** Examples listed in messages. */
const EXAMPLES = 3

/**
 * Profiles of columns already profiled. Columns are never changed once built (every table operation
 * makes new ones), so a column's profile is computed once however many times inference, the mapping
 * facts and the proposal ask for it — a number column of ten million dates costs seconds to profile.
 */
const PROFILES = new WeakMap<Column, ColumnProfile>()

/** Statistics of a column, computed per distinct value and weighted by its row count (memoised). */
export function profileColumn(column: Column): ColumnProfile {
  let profile = PROFILES.get(column)
  if (!profile) {
    profile = isNumberColumn(column) ? profileNumbers(column) : profileDictionary(column)
    PROFILES.set(column, profile)
  }
  return profile
}

function profileDictionary(column: DictColumn): ColumnProfile {
  const perCode = codeCounts(column)
  const p = {
    numeric: 0,
    integer: 0,
    floatInteger: 0,
    timestamp: 0,
    iso: 0,
    multi: 0,
    length: 0,
    space: 0,
    epoch: 0,
    halfStep: 0,
  }
  let missing = 0
  let distinct = 0
  let min = Infinity
  let max = -Infinity
  const frequent: number[] = []
  column.dictionary.forEach((v, c) => {
    const n = perCode[c]
    if (n === 0) return
    if (isMissing(v)) {
      missing += n
      return
    }
    distinct++
    frequent.push(c)
    const x = Number(v)
    if (Number.isFinite(x)) {
      p.numeric += n
      if (/^-?\d+$/.test(v)) p.integer += n
      if (FLOAT_INTEGER.test(v)) p.floatInteger += n
      // Epoch seconds 1973..2033 or milliseconds in the same span.
      if ((x >= 1e8 && x <= 2e9) || (x >= 1e11 && x <= 2e12)) p.timestamp += n
      if (isEpoch(x)) p.epoch += n
      if (isHalfStep(x)) p.halfStep += n
      min = Math.min(min, x)
      max = Math.max(max, x)
    } else if (ISO_DATE.test(v) && Number.isFinite(parseTimestamp(v))) {
      p.timestamp += n
      p.iso += n
    }
    if (v.includes('|') && v.split('|').length > 1) p.multi += n
    if (WHITE_SPACE.test(v)) p.space += n
    p.length += v.length * n
  })
  const present = Math.max(1, column.codes.length - missing)
  return {
    rows: column.codes.length,
    missing,
    distinct,
    numericShare: p.numeric / present,
    integerShare: p.integer / present,
    floatIntegerShare: p.floatInteger / present,
    timestampShare: p.timestamp / present,
    isoDateShare: p.iso / present,
    multiShare: p.multi / present,
    meanLength: p.length / present,
    spaceShare: p.space / present,
    epochShare: p.epoch / present,
    halfStepShare: p.halfStep / present,
    min: min <= max ? min : NaN,
    max: min <= max ? max : NaN,
    examples: mostFrequent(frequent, perCode, EXAMPLES).map((c) => column.dictionary[c]),
  }
}

/** The `k` codes with the most rows, most first (ties by lower code): one pass, not a sort of them all. */
function mostFrequent(codes: readonly number[], rows: Int32Array, k: number): number[] {
  const best: number[] = []
  for (const c of codes) {
    let pos = best.length
    while (pos > 0 && rows[best[pos - 1]] < rows[c]) pos--
    if (pos >= k) continue
    best.splice(pos, 0, c)
    if (best.length > k) best.pop()
  }
  return best
}

/**
 * The profile of a number column without making its texts: every present cell is a number in shortest
 * form (so never `21148.0`-style) or an ISO date-time in one format; distinct values counted on a
 * sorted copy.
 */
function profileNumbers(column: NumberColumn): ColumnProfile {
  const { values, format } = column
  const sorted = presentSorted(values)
  const present = Math.max(1, sorted.length)
  let distinct = 0
  let integer = 0
  let timestamp = 0
  let epoch = 0
  let halfStep = 0
  let length = 0
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]
    if (i === 0 || x !== sorted[i - 1]) distinct++
    if (format) {
      length += formatDate(x, format).length
      continue
    }
    if (Number.isInteger(x)) integer++
    if ((x >= 1e8 && x <= 2e9) || (x >= 1e11 && x <= 2e12)) timestamp++
    if (isEpoch(x)) epoch++
    if (isHalfStep(x)) halfStep++
    length += String(x).length
  }
  const dates = format ? sorted.length : 0
  const text = (x: number) => (format ? formatDate(x, format) : String(x))
  return {
    rows: values.length,
    missing: values.length - sorted.length,
    distinct,
    numericShare: format ? 0 : sorted.length / present,
    integerShare: integer / present,
    floatIntegerShare: 0,
    timestampShare: (timestamp + dates) / present,
    isoDateShare: dates / present,
    multiShare: 0,
    meanLength: length / present,
    // A formatted date-time such as `2024-03-01 06:15:00` has a space but is not free text.
    spaceShare: 0,
    epochShare: epoch / present,
    halfStepShare: halfStep / present,
    min: sorted.length > 0 && !format ? sorted[0] : NaN,
    max: sorted.length > 0 && !format ? sorted[sorted.length - 1] : NaN,
    examples: Array.from(sorted.subarray(0, EXAMPLES), text),
  }
}

const present = (p: ColumnProfile) => p.rows - p.missing
const short = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1))

/**
 * An id column: integer, float-integer or text values that repeat across rows. Codes that mix digits and
 * letters (`85123A` beside `71053`) count: every cell that is a number is an integer.
 */
function isIdLike(p: ColumnProfile): boolean {
  if (present(p) === 0 || p.distinct < 2) return false
  const integral = p.integerShare + p.floatIntegerShare
  return (
    (p.numericShare < 0.5 || integral >= 0.99 * p.numericShare) &&
    p.isoDateShare < 0.5 &&
    p.meanLength <= TEXT_MIN_LENGTH
  )
}

function isUniquePerRow(p: ColumnProfile): boolean {
  return present(p) >= 20 && p.distinct >= UNIQUE_SHARE * present(p)
}

/**
 * The rating scale a column's values look like ("values 1–5", "0/1 outcome"), or null. A rating is a
 * number on a few levels of a half-step grid within 0..10 (1–5 stars, 0.5-step stars, 0–10 scores) or a
 * 0/1 outcome. Names of things known when recommending (hour, device, ...) and of quantities veto it.
 */
export function ratingScale(name: string, p: ColumnProfile): string | null {
  if (present(p) === 0 || p.numericShare < 0.99 || NOT_RATING_NAME.test(name)) return null
  if (p.distinct === 2 && p.min === 0 && p.max === 1) return '0/1 outcome'
  const scale =
    p.distinct >= 3 &&
    p.distinct <= RATING_MAX_LEVELS &&
    p.halfStepShare >= 0.999 &&
    p.min >= 0 &&
    p.max <= 10 &&
    p.max - p.min >= 2
  return scale ? `values ${short(p.min)}–${short(p.max)}` : null
}

/** Why a column cannot be an entity id, in a few words, or null when it can. */
export function idObjection(p: ColumnProfile): string | null {
  const n = present(p)
  if (n === 0) return 'it is empty'
  if (p.distinct < 2) return 'it has a single value'
  if (p.isoDateShare >= 0.5) return 'it holds dates'
  if (p.numericShare >= 0.5 && p.integerShare + p.floatIntegerShare < 0.99 * p.numericShare)
    return 'it holds fractional numbers'
  if (p.min < 0) return 'it has negative numbers: a quantity, not an id'
  if (p.multiShare >= 0.2) return 'it holds lists of values (a|b)'
  if (p.spaceShare >= 0.5 || p.meanLength > TEXT_MIN_LENGTH)
    return `it looks like free text (titles or names such as "${p.examples[0] ?? ''}")`
  if (p.distinct <= MIN_ID_DISTINCT && n >= MIN_ROWS_PER_VALUE_FOR_CATEGORY * p.distinct)
    return `it has only ${p.distinct} distinct values (${p.examples.join(', ')}${p.distinct > EXAMPLES ? ', …' : ''}): a category, not an id`
  return null
}

/** Kind of a feature column from its profile, with the reason. */
export function proposeKind(name: string, p: ColumnProfile): { kind: ColumnKind; reason: string } {
  if (present(p) === 0) return { kind: 'ignore', reason: 'empty in every row' }
  if (p.distinct === 1) return { kind: 'ignore', reason: 'the same value in every row' }
  if (p.isoDateShare >= 0.9 || (TIME_NAME.test(name) && p.timestampShare >= 0.9))
    return { kind: 'timestamp', reason: 'dates or epoch times' }
  if (p.numericShare >= 0.95) {
    if (isUniquePerRow(p) && p.integerShare + p.floatIntegerShare >= 0.99)
      return { kind: 'ignore', reason: 'a different integer in every row: an id' }
    // A few integers that repeat a lot are codes (levels, bands); otherwise integers are quantities.
    const codes = p.distinct <= CATEGORICAL_MAX_DISTINCT && p.distinct * 5 <= present(p)
    if (p.integerShare + p.floatIntegerShare >= 0.99 && codes)
      return { kind: 'categorical', reason: `${p.distinct} integer codes` }
    return { kind: 'numeric', reason: 'numbers' }
  }
  if (p.multiShare >= 0.2) return { kind: 'multi', reason: 'values separated by |' }
  if (p.meanLength > TEXT_MIN_LENGTH && p.distinct > present(p) / 2)
    return { kind: 'text', reason: 'free text' }
  if (isUniquePerRow(p)) return { kind: 'ignore', reason: 'a different value in every row: an id' }
  return { kind: 'categorical', reason: `${p.distinct} distinct values` }
}

/** Epoch-looking numbers that behave like times: clustered per user, or written in time order. */
function isEpochTime(table: DictTable, column: string, userId: string, p: ColumnProfile): boolean {
  if (p.numericShare < 0.99 || p.epochShare < 0.99) return false
  if (p.distinct < Math.max(MIN_ID_DISTINCT, 0.01 * present(p))) return false
  const values = numbersOf(table.coded[column], Number, 'number')
  let inOrder = 0
  let pairs = 0
  for (let r = 1; r < values.length; r++)
    if (!Number.isNaN(values[r]) && !Number.isNaN(values[r - 1])) {
      pairs++
      if (values[r] >= values[r - 1]) inOrder++
    }
  if (pairs > 0 && inOrder >= IN_ORDER_SHARE * pairs) return true
  const users = dictOf(table, userId)
  const lo = new Float64Array(users.dictionary.length).fill(Infinity)
  const hi = new Float64Array(users.dictionary.length).fill(-Infinity)
  const rows = new Int32Array(users.dictionary.length)
  for (let r = 0; r < values.length; r++) {
    const x = values[r]
    if (Number.isNaN(x)) continue
    const u = users.codes[r]
    rows[u]++
    if (x < lo[u]) lo[u] = x
    if (x > hi[u]) hi[u] = x
  }
  // A user with one row has no spread to speak of, whatever the column holds: only users with two or more.
  const spreads: number[] = []
  for (let u = 0; u < lo.length; u++) if (rows[u] >= 2) spreads.push(hi[u] - lo[u])
  if (spreads.length === 0 || !(p.max > p.min)) return false
  spreads.sort((a, b) => a - b)
  return spreads[spreads.length >> 1] <= PER_USER_SPREAD_SHARE * (p.max - p.min)
}

/** Why a column of a file was not taken as an id, for the message when no key pair is found. */
function whyNotId(name: string, p: ColumnProfile): string | null {
  const rating = ratingScale(name, p)
  if (rating) return `"${name}" looks like a rating (${rating})`
  if (p.epochShare >= 0.99 || p.isoDateShare >= 0.5) return `"${name}" holds times`
  const objection = idObjection(p)
  if (objection?.startsWith('it looks like free text')) return `"${name}": ${objection}`
  if (isUniquePerRow(p)) return `"${name}" is different in every row`
  if (GROUP_ID_NAME.test(name))
    return `"${name}" names an order, a session or an event, not a user or an item`
  if (QUANTITY_NAME.test(name)) return `"${name}" is an amount`
  return objection ? `"${name}": ${objection}` : null
}

type KeyPair = { ok: true; userId: string; itemId: string } | { ok: false; reason: string }

/**
 * The user and item id columns of a would-be interactions file: by name first, else the first columns
 * (in file order) that can be ids — values that repeat, enough of them, not free text, times or ratings.
 */
function findKeys(table: DictTable, profiles: Map<string, ColumnProfile>): KeyPair {
  const named = (pattern: RegExp, taken?: string) =>
    table.columns.find((c) => c !== taken && pattern.test(c)) ?? null
  const canBeId = (c: string) => {
    const p = profiles.get(c)!
    return (
      isIdLike(p) &&
      !QUANTITY_NAME.test(c) &&
      !GROUP_ID_NAME.test(c) &&
      !ATTRIBUTE_NAME.test(c) &&
      !isUniquePerRow(p) &&
      idObjection(p) === null &&
      ratingScale(c, p) === null &&
      p.epochShare < 0.99
    )
  }
  const userId = named(USER_ID) ?? table.columns.find(canBeId) ?? null
  const itemId =
    named(ITEM_ID, userId ?? undefined) ?? table.columns.find((c) => c !== userId && canBeId(c)) ?? null
  if (userId && itemId) return { ok: true, userId, itemId }
  const missing = userId ? 'an item id' : 'a user id and an item id'
  const reasons = table.columns
    .filter((c) => c !== userId)
    .map((c) => whyNotId(c, profiles.get(c)!))
    .filter((r): r is string => r !== null)
  // A key that is different in every row and named like one: this file lists entities, not events.
  const entityKey = table.columns.find(
    (c) => isUniquePerRow(profiles.get(c)!) && /(^|_)id$|^id|key$/i.test(c),
  )
  const what = `${table.name} ${entityKey}`
  const entities = /user|customer|member|people|person/i.test(what)
    ? 'users'
    : /item|product|movie|book|offer|article/i.test(what)
      ? 'items'
      : null
  const hint = userId
    ? `${entityKey ? ` It has one row per "${entityKey}".` : ''} If the items are in another file (order items, events), drop that file too.`
    : entityKey && entities
      ? ` It looks like a table of ${entities} (one row per "${entityKey}"): drop it together with a file of interactions.`
      : ' Drop a file of interactions (one row per user and item event) with it.'
  return {
    ok: false,
    reason:
      `${table.name} has no column that can be ${missing}` +
      (reasons.length > 0 ? `: ${reasons.slice(0, 4).join('; ')}.` : '.') +
      hint,
  }
}

/** Whether `column` has one row per present value (the key of a side table). */
function isKey(p: ColumnProfile): boolean {
  return present(p) > 0 && p.distinct === present(p)
}

/** A display-name column of an entity table: named like a title or name, text, and mostly distinct. */
export function labelColumn(table: DictTable, key: string): string | undefined {
  return table.columns.find((c) => {
    if (c === key || !LABEL_NAME.test(c)) return false
    const p = profileColumn(table.coded[c])
    // Names may repeat (remakes, common first names), but not so much that they say little.
    return p.numericShare < 0.5 && p.distinct >= LABEL_MIN_DISTINCT_SHARE * present(p) && present(p) > 0
  })
}

const countText = (n: number) => n.toLocaleString('en-US')

/**
 * Proposes roles, mapping and column kinds for parsed files. A problem (not an exception) when no file
 * can be the interactions: fewer than two columns, or no pair of columns that can be a user and an item
 * id (the message says what each column looks like instead).
 */
export function inferSchema(files: DictTable[]): DataResult<SchemaProposal> {
  if (files.length === 0) return { ok: false, reason: 'No file was given.' }
  const notes: string[] = []
  const prepared = files.map((f) => {
    const { table, folded } = foldOneHotGroups(f)
    for (const g of folded)
      notes.push(
        `Folded ${g.from.length} one-hot columns of ${f.name} (${g.from.slice(0, 3).join(', ')}, ...) into "${g.column}".`,
      )
    return table
  })
  const profiles = new Map(
    prepared.map((t) => [t, new Map(t.columns.map((c) => [c, profileColumn(t.coded[c])]))]),
  )

  // Interactions: a file with a valid user/item pair, preferring id names, then the longest.
  const candidates = prepared.filter((t) => t.columns.length >= 2)
  if (candidates.length === 0) {
    const f = prepared[0]
    return {
      ok: false,
      reason: `${f.name} has a single column; an interactions file needs at least a user id and an item id column. If it has more, pick its delimiter.`,
      file: f.name,
    }
  }
  const keysOf = new Map(candidates.map((t) => [t, findKeys(t, profiles.get(t)!)]))
  const score = (t: DictTable) =>
    (keysOf.get(t)!.ok ? 10 : 0) +
    (t.columns.some((c) => USER_ID.test(c)) ? 2 : 0) +
    (t.columns.some((c) => ITEM_ID.test(c)) ? 2 : 0)
  const interactionsFile = [...candidates].sort((a, b) => score(b) - score(a) || b.rowCount - a.rowCount)[0]
  const keys = keysOf.get(interactionsFile)!
  if (!keys.ok) return { ok: false, reason: keys.reason, file: interactionsFile.name }
  const { userId, itemId } = keys
  const iProfiles = profiles.get(interactionsFile)!
  const taken = new Set([userId, itemId])
  const isFree = (c: string) => !taken.has(c)

  const timestampByName = interactionsFile.columns.find(
    (c) => isFree(c) && proposeKind(c, iProfiles.get(c)!).kind === 'timestamp',
  )
  const timestampByContent = timestampByName
    ? undefined
    : interactionsFile.columns.find(
        (c) => isFree(c) && isEpochTime(interactionsFile, c, userId, iProfiles.get(c)!),
      )
  const timestamp = timestampByName ?? timestampByContent
  if (timestamp) taken.add(timestamp)
  else {
    const local = interactionsFile.columns.find(
      (c) => isFree(c) && TIME_NAME.test(c) && iProfiles.get(c)!.examples.some((v) => LOCAL_DATE.test(v)),
    )
    if (local)
      notes.push(
        `Column "${local}" holds dates written the local way (${iProfiles.get(local)!.examples[0]}), which can mean day/month or month/day; they are not read as times, so the split is random. Write them as ISO dates (2010-12-01 08:26) to split by time.`,
      )
  }
  if (timestampByContent) {
    const p = iProfiles.get(timestampByContent)!
    const day = (x: number) => new Date(epochSeconds(x) * 1000).toISOString().slice(0, 10)
    notes.push(
      `Column "${timestampByContent}" holds epoch ${p.max > 1e11 ? 'milliseconds' : 'seconds'} (${day(p.min)} to ${day(p.max)}): proposed as the interaction time.`,
    )
  }
  const ratingByName = interactionsFile.columns.find(
    (c) => isFree(c) && RATING_NAME.test(c) && iProfiles.get(c)!.numericShare >= 0.95,
  )
  const varies = (c: string) =>
    !constantPer(interactionsFile.coded[userId], interactionsFile.coded[c]) &&
    !constantPer(interactionsFile.coded[itemId], interactionsFile.coded[c])
  const ratingByContent = ratingByName
    ? undefined
    : interactionsFile.columns.find(
        (c) => isFree(c) && ratingScale(c, iProfiles.get(c)!) !== null && varies(c),
      )
  const rating = ratingByName ?? ratingByContent
  if (rating) taken.add(rating)
  if (ratingByContent)
    notes.push(
      `Column "${ratingByContent}" looks like a rating (${ratingScale(ratingByContent, iProfiles.get(ratingByContent)!)}): proposed as the rating, which is never a model input.`,
    )
  for (const id of [userId, itemId])
    if (iProfiles.get(id)!.floatIntegerShare > 0)
      notes.push(
        `Column "${id}" has float-looking ids such as 21148.0; the float-ids cleaning step reads them as integers.`,
      )

  // Entity tables: another file holding the id column by name, or an `id` column in a file named after
  // the entity, whose key is unique (a file with repeated keys is a log, not a table of entities).
  const roles: FileRole[] = [{ file: interactionsFile.name, role: 'interactions' }]
  const entity = (id: string, role: 'users' | 'items', fileName: RegExp): DictTable | undefined => {
    for (const t of prepared) {
      if (t === interactionsFile || roles.some((r) => r.file === t.name)) continue
      const key = t.columns.includes(id)
        ? id
        : fileName.test(t.name)
          ? t.columns.find((c) => ENTITY_ID_NAME.test(c))
          : undefined
      if (!key) continue
      const p = profiles.get(t)!.get(key)!
      if (!isKey(p)) {
        roles.push({
          file: t.name,
          role: 'unused',
          note: `not a ${role === 'users' ? 'user' : 'item'} table: "${key}" repeats (${countText(present(p))} rows, ${countText(p.distinct)} distinct); a side table needs one row per ${role === 'users' ? 'user' : 'item'}`,
        })
        continue
      }
      if (key === id) {
        roles.push({ file: t.name, role })
        return t
      }
      roles.push({ file: t.name, role, note: `"${key}" read as ${id}` })
      return renameColumns(t, { [key]: id })
    }
    return undefined
  }
  let users = entity(userId, 'users', /user|customer|client|member|account|people|person/i)
  let items = entity(
    itemId,
    'items',
    /item|product|movie|offer|article|book|catalog|track|song|course|video/i,
  )
  for (const t of prepared) {
    if (roles.some((r) => r.file === t.name)) continue
    const shared = [userId, itemId].find((c) => t.columns.includes(c))
    roles.push({
      file: t.name,
      role: 'unused',
      note: shared
        ? `another log with "${shared}" on many rows, not one row per ${shared === userId ? 'user' : 'item'}; the interactions come from ${interactionsFile.name}`
        : 'no shared id column found',
    })
  }

  // Interaction columns constant per user (item) move to the user (item) table.
  const rest = interactionsFile.columns.filter(isFree)
  const perUser: string[] = []
  const perItem: string[] = []
  for (const c of rest) {
    const kind = proposeKind(c, iProfiles.get(c)!).kind
    if (kind === 'ignore' || kind === 'text' || kind === 'timestamp') continue
    if (constantPer(interactionsFile.coded[userId], interactionsFile.coded[c])) perUser.push(c)
    else if (constantPer(interactionsFile.coded[itemId], interactionsFile.coded[c])) perItem.push(c)
  }
  if (perUser.length) {
    const lifted = liftColumns(interactionsFile, userId, perUser, `${interactionsFile.name} (per user)`)
    users = users ? joinColumns(users, lifted, userId) : lifted
    notes.push(`Columns constant per user moved to the user tower: ${perUser.join(', ')}.`)
  }
  if (perItem.length) {
    const lifted = liftColumns(interactionsFile, itemId, perItem, `${interactionsFile.name} (per item)`)
    items = items ? joinColumns(items, lifted, itemId) : lifted
    notes.push(`Columns constant per item moved to the item tower: ${perItem.join(', ')}.`)
  }
  const interactions = withoutColumns(interactionsFile, [...perUser, ...perItem])
  const itemLabel = items && labelColumn(items, itemId)
  const userLabel = users && labelColumn(users, userId)

  const columns: ColumnProposal[] = []
  const features: FeatureMapping[] = []
  const propose = (table: DictTable | undefined, role: TableRole, skip: Set<string>) => {
    if (!table) return
    const tower: FieldTower = role === 'users' ? 'user' : role === 'items' ? 'item' : 'context'
    for (const c of table.columns) {
      if (skip.has(c)) continue
      const profile = role === 'interactions' ? iProfiles.get(c)! : profileColumn(table.coded[c])
      if (c === itemLabel && role === 'items') {
        columns.push({
          file: table.name,
          column: c,
          kind: 'ignore',
          tower: null,
          reason: "the item's name: shown, not an input",
        })
        continue
      }
      if (c === userLabel && role === 'users') {
        columns.push({
          file: table.name,
          column: c,
          kind: 'ignore',
          tower: null,
          reason: "the user's name: shown, not an input",
        })
        continue
      }
      if (role !== 'interactions' && PERSONAL_NAME.test(c)) {
        columns.push({
          file: table.name,
          column: c,
          kind: 'ignore',
          tower: null,
          reason: 'a personal detail: identifies, does not generalise',
        })
        continue
      }
      const { kind, reason } = proposeKind(c, profile)
      const isFeature = kind === 'categorical' || kind === 'numeric' || kind === 'multi'
      if (role === 'interactions' && isFeature) {
        // Not an input unless the person says it is known when recommending (see the module comment).
        const scale = ratingScale(c, profile)
        columns.push({
          file: table.name,
          column: c,
          kind,
          tower: null,
          reason: scale
            ? `looks like a rating (${scale}): never an input`
            : 'known when recommending? a rating is not',
        })
        continue
      }
      columns.push({ file: table.name, column: c, kind, tower: isFeature ? tower : null, reason })
      if (isFeature)
        features.push({
          table: role,
          column: c,
          kind,
          tower,
          ...(kind === 'multi' ? { separator: '|' } : {}),
        })
    }
  }
  for (const [c, reason] of [
    [userId, 'user id'],
    [itemId, 'item id'],
  ])
    columns.push({ file: interactions.name, column: c, kind: 'id', tower: null, reason })
  if (timestamp)
    columns.push({
      file: interactions.name,
      column: timestamp,
      kind: 'timestamp',
      tower: null,
      reason: timestampByContent ? 'epoch times (found by their values)' : 'interaction time',
    })
  if (rating)
    columns.push({
      file: interactions.name,
      column: rating,
      kind: 'numeric',
      tower: null,
      reason: ratingByContent ? `rating (${ratingScale(rating, iProfiles.get(rating)!)})` : 'rating or label',
    })
  propose(interactions, 'interactions', taken)
  propose(users, 'users', new Set([userId]))
  propose(items, 'items', new Set([itemId]))

  return {
    ok: true,
    data: {
      roles,
      tables: { interactions, users, items },
      mapping: {
        userId,
        itemId,
        timestamp,
        rating,
        ...(itemLabel ? { itemLabel } : {}),
        ...(userLabel ? { userLabel } : {}),
        features,
      },
      columns,
      notes,
    },
  }
}
