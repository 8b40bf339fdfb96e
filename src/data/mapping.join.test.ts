import { describe, expect, it } from 'vitest'
import { constantPer, foldOneHotGroups, liftToTowers } from './mapping.join'
import { columnValues, dictColumn, dictTableFromRows } from './table'
import { smallLog } from './testing'

describe('mapping.join', () => {
  const interactions = smallLog()

  it('lifts interaction columns sent to a tower into that entity table', () => {
    const { tables, mapping } = liftToTowers(
      { interactions },
      {
        userId: 'uid',
        itemId: 'iid',
        features: [
          { table: 'interactions', column: 'segment', kind: 'categorical', tower: 'user' },
          { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
        ],
      },
    )
    expect(tables.users?.columns).toEqual(['uid', 'segment'])
    expect(tables.users?.rowCount).toBe(2)
    expect(mapping.features.map((f) => f.table)).toEqual(['users', 'interactions'])
  })

  it('foldOneHotGroups makes a multi field when several flags are set', () => {
    const t = dictTableFromRows(
      'm',
      ['id', 'genre_a', 'genre_b'],
      [
        ['1', '1', '1'],
        ['2', '0', '1'],
      ],
    )
    const { table, folded } = foldOneHotGroups(t)
    expect(folded).toEqual([{ column: 'genre', from: ['genre_a', 'genre_b'], kind: 'multi' }])
    expect(columnValues(table, 'genre')).toEqual(['a|b', 'b'])
  })

  it('constantPer needs repeated entities as evidence', () => {
    expect(constantPer(dictColumn(['u1', 'u1', 'u2', 'u2']), dictColumn(['a', 'a', 'b', 'b']))).toBe(true)
    expect(constantPer(dictColumn(['u1', 'u1', 'u2', 'u2']), dictColumn(['a', 'b', 'b', 'b']))).toBe(false)
    expect(constantPer(dictColumn(['u1', 'u2']), dictColumn(['a', 'b']))).toBe(false)
  })
})
