import { describe, expect, it } from 'vitest'
import type { ItemRef, UserHit, UserView } from '../../model/explore.types'
import { toCsv } from '../shared/chartExport'
import {
  hasLabel,
  itemOptionText,
  nameOf,
  nameWithId,
  recommendationCsvRows,
  searchLabel,
  searchPlaceholder,
} from './explorerRows'

const item = (id: string, label: string, detail = ''): ItemRef => ({ item: 0, id, label, detail })
const hit = (user: number, id: string, label = ''): UserHit => ({ user, id, label, interactions: 3 })

describe('names of users and items', () => {
  it('reads the label when there is one and keeps the id beside it', () => {
    const toyStory = item('1', 'Toy Story (1995)', 'Animation')
    expect(nameOf(toyStory)).toBe('Toy Story (1995)')
    expect(nameWithId(toyStory)).toBe('Toy Story (1995) (id 1)')
    expect(itemOptionText(toyStory)).toBe('Toy Story (1995) (id 1)')
  })

  it('falls back on the id for an empty, blank or id-repeating label', () => {
    for (const label of ['', '   ', 'o0042']) {
      const offer = item('o0042', label, 'food · Acme')
      expect(hasLabel(offer)).toBe(false)
      expect(nameOf(offer)).toBe('o0042')
      expect(nameWithId(offer)).toBe('o0042')
      // Without a label a picker shows what it showed before labels existed: id and description.
      expect(itemOptionText(offer)).toBe('o0042 · food · Acme')
    }
    expect(itemOptionText(item('o7', ''))).toBe('o7')
    expect(nameOf(item('7', '  Heat (1995) '))).toBe('Heat (1995)')
  })
})

describe('the user search box', () => {
  it("takes its example from this dataset's users, however their ids look", () => {
    expect(searchPlaceholder([hit(0, 'cust-7f3a'), hit(1, 'cust-90b2')])).toBe('e.g. cust-7f3a')
    expect(searchPlaceholder([hit(0, '943')])).toBe('e.g. 943')
    expect(searchPlaceholder([])).toBe('')
    expect(searchLabel(false)).toBe('Search users by id')
  })

  it('offers a name and its id when users have names', () => {
    const hits = [hit(0, '1', ''), hit(1, '2', 'Ada Lovelace'), hit(2, '3', 'Alan Turing')]
    expect(searchPlaceholder(hits)).toBe('e.g. Ada Lovelace or 2')
    expect(searchLabel(true)).toBe('Search users by id or name')
  })
})

describe('recommendationCsvRows', () => {
  it('writes the user and every item with id, label and description', () => {
    const view = {
      userId: '42',
      userLabel: 'Ada Lovelace',
      recommendations: [
        { ...item('318', 'Shawshank Redemption, The (1994)', 'Drama'), score: 3.5, heldOut: true },
        { ...item('o9', '', 'food'), score: 1.25, heldOut: false },
      ],
    } as UserView
    const rows = recommendationCsvRows(view)
    expect(rows).toEqual([
      ['user_id', 'user_label', 'rank', 'item_id', 'item_label', 'item_detail', 'score', 'held_out'],
      ['42', 'Ada Lovelace', 1, '318', 'Shawshank Redemption, The (1994)', 'Drama', 3.5, 1],
      ['42', 'Ada Lovelace', 2, 'o9', '', 'food', 1.25, 0],
    ])
    // A title with a comma stays one cell.
    expect(toCsv(rows).split('\r\n')[1]).toBe(
      '42,Ada Lovelace,1,318,"Shawshank Redemption, The (1994)",Drama,3.5,1',
    )
  })
})
