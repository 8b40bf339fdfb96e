import { describe, expect, it } from 'vitest'
import type { AttentionSnapshot, TowerAttention } from '../model/results'
import {
  axisLabels,
  cellColour,
  cellSize,
  colourAt,
  formatDrop,
  heatmapCsvRows,
  historyItemsOf,
  importanceOf,
  labelWidth,
  legendTicks,
  luminance,
  matrixMax,
  matrixMin,
  MAX_CELL_PX,
  meanOfHeads,
  MIN_CELL_PX,
  pickMatrix,
  replaySteps,
  tokenAxisLabels,
  tokenNames,
  textColourOn,
  truncateLabel,
} from './heatmap'
import { HEATMAP_STOPS } from './theme'

const tower = (tokens: string[], layers: number[][][]): TowerAttention => ({
  tokens,
  pooling: tokens.map(() => 1 / tokens.length),
  layers,
})

describe('colour scale', () => {
  it('runs from the first stop at 0 to the last at 1, clamped, NaN as 0', () => {
    expect(colourAt(0)).toBe(HEATMAP_STOPS[0])
    expect(colourAt(1)).toBe(HEATMAP_STOPS[HEATMAP_STOPS.length - 1])
    expect(colourAt(-3)).toBe(HEATMAP_STOPS[0])
    expect(colourAt(7)).toBe(HEATMAP_STOPS[HEATMAP_STOPS.length - 1])
    expect(colourAt(Number.NaN)).toBe(HEATMAP_STOPS[0])
    expect(colourAt(0.5, ['#000000', '#ffffff'])).toBe('#808080')
  })

  it('gets darker as the value grows, relative to the maximum', () => {
    const values = [0, 0.1, 0.25, 0.5, 0.75, 1]
    const lum = values.map((v) => luminance(cellColour(v, 1)))
    for (let i = 1; i < lum.length; i++) expect(lum[i]).toBeLessThan(lum[i - 1])
    expect(cellColour(0.2, 0.4)).toBe(colourAt(0.5))
    expect(cellColour(0.3, 0)).toBe(colourAt(0))
  })

  it('picks black text on light cells and white on dark ones', () => {
    expect(textColourOn(HEATMAP_STOPS[0])).toBe('#000000')
    expect(textColourOn(HEATMAP_STOPS[HEATMAP_STOPS.length - 1])).toBe('#ffffff')
  })

  it('ticks the legend at 0, half and the maximum', () => {
    expect(legendTicks(0.6)).toEqual([0, 0.3, 0.6])
    expect(legendTicks(0)).toEqual([0])
    expect(legendTicks(0.3, 0.1)).toEqual([0.1, 0.2, 0.3])
  })

  it('can start the scale at the smallest value for contrast between nearly equal weights', () => {
    expect(cellColour(0.1, 0.3, 0.1)).toBe(colourAt(0))
    expect(cellColour(0.2, 0.3, 0.1)).toBe(colourAt(0.5))
    expect(matrixMin([0.4, Number.NaN, 0.2])).toBe(0.2)
    expect(matrixMin([])).toBe(0)
  })
})

describe('labels', () => {
  it('keeps short names and shortens long ones keeping both ends', () => {
    expect(truncateLabel('age_band', 18)).toBe('age_band')
    const long = 'customer_lifetime_value_bucket_2023'
    const short = truncateLabel(long, 18)
    expect(Array.from(short)).toHaveLength(18)
    expect(short.startsWith('customer_l')).toBe(true)
    expect(short.endsWith('2023')).toBe(true)
    expect(short).toContain('…')
    expect(truncateLabel('abcdef', 1)).toBe('…')
  })

  it('counts characters, not UTF-16 units', () => {
    expect(truncateLabel('😀😀😀😀😀', 5)).toBe('😀😀😀😀😀')
    expect(Array.from(truncateLabel('😀'.repeat(30), 10))).toHaveLength(10)
  })

  it('keeps shortened labels distinct', () => {
    const names = [
      'monthly_spend_bucket_grocery_2023',
      'monthly_spend_bucket_grocery_2023x'.slice(0, 33) + 'y',
    ]
    const labels = axisLabels([names[0], names[0] + '_', names[1]], 12)
    expect(new Set(labels).size).toBe(3)
  })

  it('sizes cells between the bounds and label room by the longest label', () => {
    expect(cellSize(5)).toBe(MAX_CELL_PX)
    expect(cellSize(30)).toBeGreaterThanOrEqual(MIN_CELL_PX)
    expect(cellSize(30) * 30).toBeLessThanOrEqual(600)
    expect(cellSize(500)).toBe(MIN_CELL_PX)
    expect(labelWidth(['ab', 'abcdefgh'])).toBeGreaterThan(labelWidth(['ab']))
  })
})

describe('matrices', () => {
  it('takes the maximum of finite values and averages heads', () => {
    expect(matrixMax([0.1, Number.NaN, 0.7, 0.2])).toBe(0.7)
    expect(matrixMax([])).toBe(0)
    expect(
      meanOfHeads([
        [1, 0],
        [0, 1],
      ]),
    ).toEqual([0.5, 0.5])
    expect(meanOfHeads([])).toEqual([])
  })

  it('picks a layer and head, or the mean of the heads; null without layers', () => {
    const t = tower(
      ['a', 'b'],
      [
        [
          [1, 0, 0, 1],
          [0, 1, 1, 0],
        ],
      ],
    )
    expect(pickMatrix(t, 0, 1)).toEqual([0, 1, 1, 0])
    expect(pickMatrix(t, 0, 'mean')).toEqual([0.5, 0.5, 0.5, 0.5])
    expect(pickMatrix(t, 1, 0)).toBeNull()
    expect(pickMatrix(tower(['a'], []), 0, 0)).toBeNull()
  })
})

describe('replay steps', () => {
  const snap = (epoch: number): AttentionSnapshot => ({
    epoch,
    user: tower(['u'], [[[epoch]]]),
    item: tower(['i'], [[[epoch]]]),
  })

  it('has one step per snapshot and the final summary last', () => {
    const final = { user: tower(['u'], [[[9]]]), item: tower(['i'], [[[9]]]) }
    const steps = replaySteps([snap(1), snap(2)], final, 2)
    expect(steps.map((s) => s.label)).toEqual([
      'epoch 1 of 2',
      'epoch 2 of 2',
      'final model (weights of epoch 2)',
    ])
    expect(steps[2].user.layers[0][0]).toEqual([9])
    expect(replaySteps([snap(1)], null, null)).toHaveLength(1)
    expect(replaySteps([], null, null)).toEqual([])
  })
})

describe('csv rows and importance', () => {
  const importance = importanceOf(
    [
      { field: 'a', tower: 'user', attentionWeight: 0.6, ndcgWithout: 0.1, drop: 0.05 },
      { field: 'a', tower: 'item', attentionWeight: 0.2, ndcgWithout: 0.2, drop: -0.01 },
    ],
    'user',
  )

  it('keys importance by field within one tower', () => {
    expect(importance.get('a')?.drop).toBe(0.05)
    expect(importance.size).toBe(1)
  })

  it('writes one row per query field with its attention, pooling weight and drop', () => {
    const rows = heatmapCsvRows(['a', 'b'], [0.9, 0.1, 0.3, 0.7], [0.6, 0.4], importance)
    expect(rows[0]).toEqual(['field', 'attention_to:a', 'attention_to:b', 'pooling_weight', 'drop_ndcg@10'])
    expect(rows[1]).toEqual(['a', 0.9, 0.1, 0.6, 0.05])
    expect(rows[2]).toEqual(['b', 0.3, 0.7, 0.4, ''])
  })

  it('writes pooling and drop only when there is no self-attention', () => {
    const rows = heatmapCsvRows(['a'], null, [1], importance)
    expect(rows).toEqual([
      ['field', 'pooling_weight', 'drop_ndcg@10'],
      ['a', 1, 0.05],
    ])
  })

  it("names the item of each history token in a chosen user's export", () => {
    const tokens = ['user_id', 'history_1', 'history_2']
    const items = historyItemsOf(tokens, [{ id: '1', label: 'Toy Story (1995)' }])
    const rows = heatmapCsvRows(tokens, null, [0.5, 0.3, 0.2], importance, items)
    expect(rows[0]).toEqual([
      'field',
      'pooling_weight',
      'drop_ndcg@10',
      'history_item_id',
      'history_item_label',
    ])
    expect(rows[1]).toEqual(['user_id', 0.5, '', '', ''])
    expect(rows[2]).toEqual(['history_1', 0.3, '', '1', 'Toy Story (1995)'])
    // The user had one history item: the second slot is padding, with no item.
    expect(rows[3]).toEqual(['history_2', 0.2, '', '', ''])
    // Without history items (the mean over users) the columns are left out.
    expect(heatmapCsvRows(tokens, null, [0.5, 0.3, 0.2], importance, [null, null, null])[0]).toHaveLength(3)
  })

  it('formats drops with a sign', () => {
    expect(formatDrop(0.01234)).toBe('+0.0123')
    expect(formatDrop(-0.004)).toBe('−0.0040')
    expect(formatDrop(0)).toBe('0.0000')
    expect(formatDrop(Number.NaN)).toBe('—')
  })
})

describe('history token names', () => {
  const history = [
    { id: '318', label: 'Shawshank Redemption, The (1994)' },
    { id: '1', label: '' },
    { id: 'u9', label: 'u9' },
  ]

  it('puts history_k next to the k-th most recent item, whatever order the tokens come in', () => {
    const tokens = ['history_3', 'user_id', 'history_1', 'history_2', 'history_4', 'history_10x']
    const items = historyItemsOf(tokens, history)
    expect(items.map((i) => i?.id ?? null)).toEqual(['u9', null, '318', '1', null, null])
  })

  it('shows the item label, or its id when the label is empty or only repeats the id', () => {
    const tokens = ['user_id', 'history_1', 'history_2', 'history_3']
    expect(tokenNames(tokens, historyItemsOf(tokens, history))).toEqual([
      'user_id',
      'history_1 · Shawshank Redemption, The (1994)',
      'history_2 · 1',
      'history_3 · u9',
    ])
    expect(tokenNames(tokens, [])).toEqual(tokens)
  })

  it('shortens a long item name on the axis but keeps the token and the name apart', () => {
    const tokens = ['a_very_long_field_name_2024', 'history_1', 'history_2']
    expect(tokenAxisLabels(tokens, historyItemsOf(tokens, history))).toEqual([
      'a_very_long…e_2024',
      'history_1 · Shawshank Re… (1994)',
      'history_2 · 1',
    ])
  })
})
