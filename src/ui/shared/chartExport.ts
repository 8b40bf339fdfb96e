/**
 * Saving charts: PNG from an SVG or a canvas, CSV from rows, downloaded through an `<a download>`.
 * Everything stays in the page (blob: URLs only); nothing is uploaded.
 */
import { COLORS } from './theme'

/** One CSV line per row; cells with a comma, quote or newline are quoted (RFC 4180), numbers as is. */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined): string => {
    if (v === null || v === undefined) return ''
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''
    return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
  }
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** A file name of lowercase words joined by dashes, e.g. `attention-user-layer1-head2`. */
export function fileSlug(...parts: (string | number)[]): string {
  return parts
    .map((p) =>
      String(p)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, ''),
    )
    .filter((p) => p.length > 0)
    .join('-')
}

/** Starts a download of `blob` as `fileName`. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has started by the next task; the URL is not needed after that.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function downloadCsv(
  rows: readonly (readonly (string | number | null | undefined)[])[],
  fileName: string,
) {
  downloadBlob(new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' }), fileName)
}

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('The browser could not encode the PNG.'))),
      'image/png',
    ),
  )
}

/** A canvas as a PNG, on a white background (transparent pixels would be black in some viewers). */
export async function canvasToPng(source: HTMLCanvasElement): Promise<Blob> {
  const canvas = document.createElement('canvas')
  canvas.width = source.width
  canvas.height = source.height
  const ctx = canvas.getContext('2d')!
  ctx.fillStyle = COLORS.surface
  ctx.fillRect(0, 0, canvas.width, canvas.height)
  ctx.drawImage(source, 0, 0)
  return canvasBlob(canvas)
}

/**
 * An SVG element as a PNG at `scale` times its size, on white. Styles set by CSS classes are not
 * carried over, so the SVGs we export set their colours and fonts as attributes; a font family is
 * added to the root here for charts that inherit it (recharts).
 */
export async function svgToPng(svg: SVGSVGElement, scale = 2): Promise<Blob> {
  const box = svg.getBoundingClientRect()
  const viewBox = svg.viewBox.baseVal
  const width = Math.ceil(viewBox && viewBox.width > 0 ? viewBox.width : box.width)
  const height = Math.ceil(viewBox && viewBox.height > 0 ? viewBox.height : box.height)
  const clone = svg.cloneNode(true) as SVGSVGElement
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg')
  clone.setAttribute('width', String(width))
  clone.setAttribute('height', String(height))
  if (!clone.getAttribute('viewBox')) clone.setAttribute('viewBox', `0 0 ${width} ${height}`)
  clone.setAttribute('font-family', getComputedStyle(svg).fontFamily || 'sans-serif')
  const text = new XMLSerializer().serializeToString(clone)
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml;charset=utf-8' }))
  try {
    const image = new Image()
    image.width = width
    image.height = height
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve()
      image.onerror = () => reject(new Error('The chart could not be drawn as an image.'))
      image.src = url
    })
    const canvas = document.createElement('canvas')
    canvas.width = width * scale
    canvas.height = height * scale
    const ctx = canvas.getContext('2d')!
    ctx.fillStyle = COLORS.surface
    ctx.fillRect(0, 0, canvas.width, canvas.height)
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height)
    return await canvasBlob(canvas)
  } finally {
    URL.revokeObjectURL(url)
  }
}

/** Records as CSV rows: a header of `columns`, then one row per record (missing values empty). */
export function recordsToRows<T extends object>(
  records: readonly T[],
  columns: readonly (keyof T & string)[],
): (string | number | null)[][] {
  return [
    [...columns],
    ...records.map((r) =>
      columns.map((c) => {
        const v = r[c]
        return typeof v === 'number' || typeof v === 'string' ? v : null
      }),
    ),
  ]
}
