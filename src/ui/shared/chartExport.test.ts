import { describe, expect, it } from 'vitest'
import { fileSlug, recordsToRows, toCsv } from './chartExport'

describe('toCsv', () => {
  it('joins cells with commas and quotes only what needs quoting', () => {
    expect(
      toCsv([
        ['a', 'b'],
        [1, 2.5],
      ]),
    ).toBe('a,b\r\n1,2.5\r\n')
    expect(toCsv([['x,y', 'say "hi"', 'two\nlines']])).toBe('"x,y","say ""hi""","two\nlines"\r\n')
  })

  it('writes empty cells for missing and non-finite numbers', () => {
    expect(toCsv([[null, undefined, Number.NaN, Infinity, 0]])).toBe(',,,,0\r\n')
  })
})

describe('fileSlug', () => {
  it('makes lowercase dash-joined names', () => {
    expect(fileSlug('attention', 'user', 'epoch 2 of 3', 'layer1')).toBe('attention-user-epoch-2-of-3-layer1')
    expect(fileSlug('Embedding map', '', '(x)')).toBe('embedding-map-x')
  })
})

describe('recordsToRows', () => {
  it('writes a header and one row per record, missing values as null', () => {
    const rows = recordsToRows(
      [
        { epoch: 1, model: 0.5, popularity: null },
        { epoch: 2, model: 0.6, popularity: 0.3 },
      ],
      ['epoch', 'model', 'popularity'],
    )
    expect(rows).toEqual([
      ['epoch', 'model', 'popularity'],
      [1, 0.5, null],
      [2, 0.6, 0.3],
    ])
    expect(toCsv(rows)).toBe('epoch,model,popularity\r\n1,0.5,\r\n2,0.6,0.3\r\n')
  })
})
