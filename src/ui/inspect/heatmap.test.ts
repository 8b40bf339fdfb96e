import { describe, expect, it } from 'vitest'
import type { ItemView, UserView } from '../../model/explore.types'
import type { AttentionSnapshot, TowerAttention } from '../../model/results'
import {
  axisLabels,
  cellAfterKey,
  cellAt,
  cellColour,
  cellSize,
  chosenSourceText,
  chosenView,
  colourAt,
  formatDrop,
  heatmapCsvRows,
  heatmapLayout,
  heatmapSelection,
  historyItemsOf,
  importanceOf,
  labelWidth,
  legendTicks,
  legendTickY,
  LEGEND_MAX_PX,
  luminance,
  matrixMax,
  matrixMin,
  MAX_CELL_PX,
  meanOfHeads,
  meanSourceText,
  MIN_CELL_PX,
  pickMatrix,
  replaySteps,
  scaleBounds,
  stepChoiceAt,
  stepIndexOf,
  tokenAxisLabels,
  tokenNames,
  textColourOn,
  truncateLabel,
} from './heatmap'
import { HEATMAP_STOPS } from '../shared/theme'

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

describe('which matrix is shown', () => {
  // Layer 0 has two heads, layer 1 one; values tell the layer and head apart.
  const layers = [
    [
      [0.1, 0.9, 0.2, 0.8],
      [0.3, 0.7, 0.4, 0.6],
    ],
    [[0.5, 0.5, 0.6, 0.4]],
  ]
  const step = {
    label: 'epoch 2 of 3',
    user: tower(['user', 'age'], layers),
    item: tower(['item', 'genre'], []),
  }
  const userView = {
    userId: 'u7',
    userLabel: 'Ada',
    tokens: ['user', 'history_1'],
    pooling: [0.4, 0.6],
    attention: [[[1, 0, 0, 1]]],
    historyTokens: [{ item: 3, id: 'm3', label: 'Heat (1995)', detail: '' }],
  } as UserView
  const itemView: ItemView = {
    item: { item: 3, id: 'm3', label: 'Heat (1995)', detail: '' },
    tokens: ['item'],
    pooling: [1],
    attention: [],
  }

  it('follows the newest step until the slider is moved, and back when it reaches the end', () => {
    expect(stepIndexOf(null, 4)).toBe(3)
    expect(stepIndexOf(1, 4)).toBe(1)
    // A choice from a longer replay (a run with more epochs) lands on the last step.
    expect(stepIndexOf(7, 4)).toBe(3)
    expect(stepChoiceAt(1, 4)).toBe(1)
    expect(stepChoiceAt(3, 4)).toBeNull()
  })

  it("builds the chosen user's view with its history items, and the chosen item's without", () => {
    const user = chosenView('user', userView, itemView)!
    expect(user.name).toBe('user Ada (id u7)')
    expect(user.layers).toBe(userView.attention)
    expect(user.items.map((i) => i?.id ?? null)).toEqual([null, 'm3'])
    const item = chosenView('item', userView, itemView)!
    expect(item.name).toBe('item Heat (1995) (id m3)')
    expect(item.items).toEqual([])
    expect(chosenView('user', null, itemView)).toBeNull()
    expect(chosenView('item', userView, null)).toBeNull()
    expect(chosenSourceText('user', userView, null)).toBe('The chosen user (Ada (id u7))')
    expect(chosenSourceText('user', null, null)).toBe('The chosen user (pick one under Recommendations)')
    expect(chosenSourceText('item', null, itemView)).toBe('The chosen item (Heat (1995) (id m3))')
    expect(meanSourceText('item')).toBe('Mean over catalogue items')
  })

  it('picks the layer and head asked for from the replay step of the chosen tower', () => {
    const pick = heatmapSelection({
      tower: 'user',
      source: 'mean',
      step,
      chosen: null,
      layerChoice: 0,
      headChoice: 1,
    })
    expect(pick.matrix).toEqual([0.3, 0.7, 0.4, 0.6])
    expect([pick.layerCount, pick.headCount]).toEqual([2, 2])
    expect(pick.sourceLabel).toBe('epoch 2 of 3')
    expect(pick.what).toBe('user tower, mean over validation users')
    expect(pick.fileParts).toEqual(['attention', 'user', 'epoch 2 of 3', 'layer1', 'head2'])
    const mean = heatmapSelection({
      tower: 'user',
      source: 'mean',
      step,
      chosen: null,
      layerChoice: 0,
      headChoice: 'mean',
    })
    expect(mean.matrix![0]).toBeCloseTo(0.2, 6)
    expect(mean.fileParts.slice(-1)).toEqual(['mean-heads'])
  })

  it('clamps a layer or head the view lacks to the last layer and the first head', () => {
    const pick = heatmapSelection({
      tower: 'user',
      source: 'mean',
      step,
      chosen: null,
      layerChoice: 5,
      headChoice: 1,
    })
    expect([pick.layer, pick.head]).toEqual([1, 0])
    expect(pick.matrix).toEqual([0.5, 0.5, 0.6, 0.4])
  })

  it('shows no matrix without self-attention layers and nothing before the first epoch', () => {
    const item = heatmapSelection({
      tower: 'item',
      source: 'mean',
      step,
      chosen: null,
      layerChoice: 0,
      headChoice: 0,
    })
    expect(item.view?.tokens).toEqual(['item', 'genre'])
    expect(item.matrix).toBeNull()
    expect(item.fileParts).toEqual(['attention', 'item', 'epoch 2 of 3'])
    const none = heatmapSelection({
      tower: 'user',
      source: 'mean',
      step: null,
      chosen: null,
      layerChoice: 0,
      headChoice: 0,
    })
    expect([none.view, none.matrix, none.names, none.layerCount]).toEqual([null, null, [], 0])
  })

  it('reads the chosen query instead of the step, naming its history tokens', () => {
    const chosen = chosenView('user', userView, null)
    const pick = heatmapSelection({
      tower: 'user',
      source: 'chosen',
      step,
      chosen,
      layerChoice: 0,
      headChoice: 0,
    })
    expect(pick.matrix).toEqual([1, 0, 0, 1])
    expect(pick.names).toEqual(['user', 'history_1 · Heat (1995)'])
    expect(pick.sourceLabel).toBe('user Ada (id u7)')
    expect(pick.what).toBe('user tower, user Ada (id u7)')
    // A mean over many users has no particular history items.
    expect(
      heatmapSelection({ tower: 'user', source: 'mean', step, chosen, layerChoice: 0, headChoice: 0 }).items,
    ).toEqual([])
  })
})

describe('heatmap geometry', () => {
  it('starts the colour scale at 0 or at the smallest value', () => {
    expect(scaleBounds([0.2, 0.5, 0.3], 'zero')).toEqual({ min: 0, max: 0.5 })
    expect(scaleBounds([0.2, 0.5, 0.3], 'min')).toEqual({ min: 0.2, max: 0.5 })
  })

  it('places the legend ticks from the bottom (min) to the top (max)', () => {
    expect(legendTickY(0.2, 0.2, 0.6, 100)).toBe(100)
    expect(legendTickY(0.4, 0.2, 0.6, 100)).toBeCloseTo(50, 9)
    expect(legendTickY(0.6, 0.2, 0.6, 100)).toBe(0)
    // A flat matrix has one tick, at the bottom.
    expect(legendTickY(0.3, 0.3, 0.3, 100)).toBe(100)
  })

  it('leaves room for labels and caps the legend height', () => {
    const few = heatmapLayout(['a', 'b'])
    expect(few.left).toBe(labelWidth(['a', 'b']) + 6)
    expect(few.side).toBe(2 * MAX_CELL_PX)
    expect(few.legendHeight).toBe(few.side)
    // Two fields still leave room for the caption under the matrix.
    expect(few.width).toBeGreaterThanOrEqual(250)
    const many = heatmapLayout(Array.from({ length: 30 }, (_, k) => `f${k}`))
    expect(many.legendHeight).toBe(LEGEND_MAX_PX)
    expect(many.height).toBe(many.top + many.side + 44)
  })

  it('finds the cell under a point and nothing outside the matrix', () => {
    const layout = heatmapLayout(['a', 'b', 'c'])
    const { left, top, cell } = layout
    expect(cellAt(layout, 3, left + 0.5, top + 0.5)).toEqual({ i: 0, j: 0 })
    // x runs along columns (j), y along rows (i).
    expect(cellAt(layout, 3, left + 2.5 * cell, top + 1.5 * cell)).toEqual({ i: 1, j: 2 })
    expect(cellAt(layout, 3, left - 1, top + 1)).toBeNull()
    expect(cellAt(layout, 3, left + 1, top + 3 * cell)).toBeNull()
  })

  it('moves the active cell with the arrow keys, inside the matrix', () => {
    expect(cellAfterKey(null, 'ArrowRight', 3)).toEqual({ i: 0, j: 1 })
    expect(cellAfterKey({ i: 1, j: 1 }, 'ArrowUp', 3)).toEqual({ i: 0, j: 1 })
    expect(cellAfterKey({ i: 2, j: 2 }, 'ArrowDown', 3)).toEqual({ i: 2, j: 2 })
    expect(cellAfterKey({ i: 0, j: 0 }, 'ArrowLeft', 3)).toEqual({ i: 0, j: 0 })
    expect(cellAfterKey({ i: 1, j: 1 }, 'Enter', 3)).toBeNull()
  })
})
