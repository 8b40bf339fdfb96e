/**
 * Pure helpers of the recommendations explorer and the views that show its users and items: what a
 * person reads for a user or an item (its display label when the data has one, else its id), the
 * search box's example, and CSV rows. No React and no DOM, so they are tested in Node.
 */
import type { ItemRef, UserHit, UserView } from '../../model/explore.types'

/** A user or an item as the explorer returns it: `label` is '' when it has none. */
export interface Named {
  id: string
  label: string
}

/** Whether the label says something the id does not (not empty, not the id again). */
export function hasLabel(entity: Named): boolean {
  const label = entity.label.trim()
  return label !== '' && label !== entity.id
}

/** What a person reads first: the label (`Toy Story (1995)`), or the id when there is none. */
export function nameOf(entity: Named): string {
  return hasLabel(entity) ? entity.label.trim() : entity.id
}

/**
 * The name with the id beside it, for places that hold only text (options, captions, accessible names,
 * file names): `Toy Story (1995) (id 1)`, or just `1` when there is no label.
 */
export function nameWithId(entity: Named): string {
  return hasLabel(entity) ? `${entity.label.trim()} (id ${entity.id})` : entity.id
}

/**
 * The search box's example, taken from the users the first (empty) search listed, so it looks like
 * this dataset's ids: a user with a label gives both ways to search (`e.g. Ada Lovelace or 17`);
 * without labels the first id (`e.g. U00001`); nothing before the first answer.
 */
export function searchPlaceholder(examples: readonly UserHit[]): string {
  const named = examples.find(hasLabel)
  if (named) return `e.g. ${named.label.trim()} or ${named.id}`
  return examples.length > 0 ? `e.g. ${examples[0].id}` : ''
}

/** The search box's label: names are searched too when the users have them. */
export function searchLabel(labelled: boolean): string {
  return labelled ? 'Search users by id or name' : 'Search users by id'
}

/** One row per recommendation: the user, the rank, the item's id, label and description, the score. */
export function recommendationCsvRows(view: UserView): (string | number)[][] {
  return [
    ['user_id', 'user_label', 'rank', 'item_id', 'item_label', 'item_detail', 'score', 'held_out'],
    ...view.recommendations.map((r, k) => [
      view.userId,
      view.userLabel,
      k + 1,
      r.id,
      r.label,
      r.detail,
      r.score,
      r.heldOut ? 1 : 0,
    ]),
  ]
}

/** An item in a picker: `Toy Story (1995) (id 1)`, or without a label its id and description. */
export function itemOptionText(item: ItemRef): string {
  if (hasLabel(item)) return nameWithId(item)
  return item.detail ? `${item.id} · ${item.detail}` : item.id
}
