'use client';
// A draft run over recent events (from PostgreSQL) or events pasted in, beside the rules in
// force: in totals per store, and per event where each sends it.
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

/** Pasted events may repeat an event_id or have none: each row gets a key of its own. */
function rowsOf<T extends { event_id: string | null }>(events: readonly T[]) {
  return events.map((e, n) => Object.assign({}, e, { rowKey: `${e.event_id ?? ''}#${n}` }));
}

export function RoutingPreview({ draft, enabled }: { draft: string; enabled: boolean }) {
  const trpc = useTRPC();
  const [pasted, setPasted] = useState('');
  const [asked, setAsked] = useState<{ draft: string; events?: string } | null>(null);
  const preview = useQuery({
    ...trpc.routing.preview.queryOptions(
      asked ? { ...asked, limit: 100 } : { draft: '', limit: 1 },
    ),
    enabled: asked !== null,
  });
  return (
    <div>
      <h3>Preview</h3>
      <label>
        Events to preview (NDJSON, optional; without them, the 100 most recent events stored in
        PostgreSQL)
        <textarea
          name="events"
          rows={4}
          spellCheck={false}
          maxLength={4000}
          value={pasted}
          onChange={(e) => setPasted(e.currentTarget.value)}
        />
      </label>
      <button
        type="button"
        disabled={!enabled}
        onClick={() => setAsked({ draft, ...(pasted.trim() ? { events: pasted } : {}) })}
      >
        Preview the draft
      </button>
      {asked !== null &&
        (preview.isPending ? (
          <Loading what="the preview" />
        ) : preview.isError ? (
          <ErrorState error={preview.error} />
        ) : (
          <>
            <table aria-label="Preview totals">
              <caption>
                {preview.data.totals.events} {preview.data.sample} events,{' '}
                {preview.data.totals.changed} routed differently than by version{' '}
                {preview.data.inForce ?? 'none'}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Store</th>
                  <th scope="col" className="num">
                    Rules in force
                  </th>
                  <th scope="col" className="num">
                    Draft
                  </th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(preview.data.totals.byDestination).map(([d, n]) => (
                  <tr key={d} data-store={d}>
                    <td>{d}</td>
                    <td className="num">{n.inForce}</td>
                    <td className="num">{n.draft}</td>
                  </tr>
                ))}
                <tr data-store="nowhere">
                  <td>nowhere</td>
                  <td className="num">{preview.data.totals.nowhere.inForce}</td>
                  <td className="num">{preview.data.totals.nowhere.draft}</td>
                </tr>
              </tbody>
            </table>
            <table aria-label="Preview per event">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Type</th>
                  <th scope="col">Rules in force</th>
                  <th scope="col">Draft</th>
                </tr>
              </thead>
              <tbody>
                {rowsOf(preview.data.events).map((e) => (
                  <tr key={e.rowKey} className={e.changed ? 'changed' : undefined}>
                    <td>{e.event_id ?? '—'}</td>
                    <td>{e.type ?? '—'}</td>
                    <td>{e.inForce.join(', ') || 'nowhere'}</td>
                    <td>
                      {e.draft.join(', ') || 'nowhere'}
                      {e.changed && <strong> (changed)</strong>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ))}
    </div>
  );
}
