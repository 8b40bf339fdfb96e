import { useCallback, useLayoutEffect, useMemo, useRef, type Dispatch } from 'react'
import type { CleaningOptions } from '../../data/clean'
import type { FileRole } from '../../data/formats'
import type { IngestParseOverrides, ToWorker } from '../../worker/protocol'
import type { TrainerClient } from '../training/trainerClient'
import { draftToMapping, type DatasetAction, type DatasetState, type MappingDraft } from './datasetState'

export interface IngestActions {
  /** Sends dropped files to the worker to parse and map. */
  upload: (files: File[], overrides?: IngestParseOverrides) => void
  cancel: () => void
  /** Re-proposes the mapping with the file roles the person chose. */
  setRoles: (roles: FileRole[]) => void
  setDraft: (draft: MappingDraft) => void
  setCleaning: (cleaning: CleaningOptions) => void
  /** Cleans and encodes with the current draft (or `draft`, which becomes the draft) and cleaning options. */
  apply: (draft?: MappingDraft) => void
}

/**
 * Ingestion requests over the trainer's worker client. Each request gets a fresh id, recorded in the dataset
 * reducer before it is sent, so replies to older requests are ignored.
 */
export function useIngestActions(
  state: DatasetState,
  dispatch: Dispatch<DatasetAction>,
  client: Pick<TrainerClient, 'post'>,
): IngestActions {
  const send = useCallback((message: ToWorker) => client.post(message), [client])
  const nextId = useRef(0)
  // Latest state for callbacks that must not change identity on every render.
  const stateRef = useRef(state)
  useLayoutEffect(() => {
    stateRef.current = state
  })

  const request = useCallback(
    (kind: 'parse' | 'map' | 'apply', files?: { name: string; size: number }[]) => {
      const requestId = Math.max(nextId.current, stateRef.current.requestId) + 1
      nextId.current = requestId
      dispatch({ type: 'request', requestId, kind, files })
      return requestId
    },
    [dispatch],
  )

  const upload = useCallback(
    (files: File[], overrides: IngestParseOverrides = {}) => {
      if (files.length === 0) return
      const ingestId = request(
        'parse',
        files.map((f) => ({ name: f.name, size: f.size })),
      )
      send({ type: 'ingest-files', ingestId, files, overrides })
    },
    [request, send],
  )
  const cancel = useCallback(() => {
    const { pending, requestId } = stateRef.current
    if (pending?.kind !== 'parse') return
    send({ type: 'ingest-cancel', ingestId: requestId })
    dispatch({ type: 'cancel' })
  }, [dispatch, send])
  const setRoles = useCallback(
    (roles: FileRole[]) => {
      const proposal = stateRef.current.proposal
      if (!proposal) return
      const ingestId = request('map')
      send({ type: 'ingest-roles', ingestId, sessionId: proposal.sessionId, roles })
    },
    [request, send],
  )
  const setDraft = useCallback((draft: MappingDraft) => dispatch({ type: 'draft', draft }), [dispatch])
  const setCleaning = useCallback(
    (cleaning: CleaningOptions) => dispatch({ type: 'cleaning', cleaning }),
    [dispatch],
  )
  const apply = useCallback(
    (edited?: MappingDraft) => {
      if (edited) dispatch({ type: 'draft', draft: edited })
      const { proposal, cleaning } = stateRef.current
      const draft = edited ?? stateRef.current.draft
      if (!proposal || !draft) return
      const ingestId = request('apply')
      send({
        type: 'ingest-apply',
        ingestId,
        sessionId: proposal.sessionId,
        mapping: draftToMapping(draft),
        cleaning,
      })
    },
    [dispatch, request, send],
  )

  return useMemo(
    () => ({ upload, cancel, setRoles, setDraft, setCleaning, apply }),
    [upload, cancel, setRoles, setDraft, setCleaning, apply],
  )
}
