import { useState } from 'react'
import type { SharedData } from '../training/settings'

/**
 * "Copy share link": a link that reproduces this setup — every setting, the seed, the backend choice and
 * the data (the demo, or the person's files by fingerprint only: their contents and names never go into
 * a link). The link is also shown, so it can be copied by hand where the browser refuses the clipboard.
 */
export function ShareLink({ link, data }: { link: string | null; data: SharedData | null }) {
  const [shown, setShown] = useState<{ link: string; copied: boolean } | null>(null)
  const copy = async () => {
    if (!link) return
    let copied = false
    try {
      await navigator.clipboard.writeText(link)
      copied = true
    } catch {
      // No clipboard permission (or no secure context): the box below holds the link.
    }
    setShown({ link, copied })
  }
  return (
    <div className="share-link">
      <button
        type="button"
        data-testid="share-link"
        onClick={() => void copy()}
        disabled={!link}
        title={link ? undefined : 'Apply your files first: the link names them by their fingerprint.'}
      >
        Copy share link
      </button>
      {shown && (
        <>
          <input
            type="text"
            readOnly
            aria-label="Share link"
            data-testid="share-link-text"
            value={shown.link}
            onFocus={(e) => e.target.select()}
          />
          <p className="muted" role="status">
            {shown.copied ? 'Copied. ' : 'The browser did not allow copying: copy the link from the box. '}
            {data?.kind === 'upload'
              ? `It names your data by its fingerprint (${data.fingerprint}) only; whoever opens it drops the same files, and the page checks that they match.`
              : 'Opened elsewhere, it trains the same demo with the same settings and seed.'}
          </p>
        </>
      )}
    </div>
  )
}

/**
 * What a share link made from someone's own files asks for: the same files. Once files are applied, says
 * whether their fingerprint matches the link's.
 */
export function SharedDataNote({ shared, applied }: { shared: SharedData | null; applied: string | null }) {
  if (shared?.kind !== 'upload') return null
  const { fingerprint } = shared
  if (applied === null)
    return (
      <p className="note" data-testid="shared-data-note" data-match="pending">
        This link was shared from a run on someone&rsquo;s own data (fingerprint {fingerprint}); the data is
        not in the link. Drop the same files below: the page checks that they match.
      </p>
    )
  return applied === fingerprint ? (
    <p className="note" data-testid="shared-data-note" data-match="yes">
      The files you applied match the shared link (fingerprint {fingerprint}).
    </p>
  ) : (
    <p className="note warn" data-testid="shared-data-note" data-match="no">
      The files you applied are not the shared link&rsquo;s data (fingerprint {applied} here, {fingerprint} in
      the link): a run on them will not reproduce it.
    </p>
  )
}
