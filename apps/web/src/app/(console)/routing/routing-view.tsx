'use client';
// Routing rules as numbered versions: which is in force and which each storage writer runs, an
// editor checked as you type (errors naming the key, warnings, the change against the rules in
// force), a preview of the draft over recent events or events pasted in, and publish and
// rollback for admins.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { time } from '~/components/format.ts';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { RoutingPreview } from './routing-preview.tsx';

/** The editor's text once it has not changed for this long is checked. */
const CHECK_DELAY_MS = 300;
const MAX_CHECKED = 4_000;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

export function RoutingView({ canPublish }: { canPublish: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({ ...trpc.routing.list.queryOptions(), refetchInterval: 5000 });
  const inForce = list.data?.inForce?.version ?? null;
  const [draft, setDraft] = useState<string | null>(null);
  const [loadVersion, setLoadVersion] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  // The editor starts from the version in force, or from a version the user picks.
  const source = loadVersion ?? inForce;
  const loaded = useQuery({
    ...trpc.routing.get.queryOptions({ version: source ?? 1 }),
    enabled: source !== null && (draft === null || loadVersion !== null),
  });
  useEffect(() => {
    if (loaded.data && (draft === null || loadVersion !== null)) {
      setDraft(loaded.data.config);
      setLoadVersion(null);
    }
  }, [loaded.data, draft, loadVersion]);
  useEffect(() => {
    if (draft === null && list.data && list.data.inForce === null)
      setDraft('{\n  "rules": [],\n  "unmatched": []\n}');
  }, [draft, list.data]);

  const text = draft ?? '';
  const checkedText = useDebounced(text, CHECK_DELAY_MS);
  const check = useQuery({
    ...trpc.routing.check.queryOptions({ draft: checkedText }),
    enabled: checkedText !== '' && checkedText.length <= MAX_CHECKED,
  });

  const invalidate = () =>
    queryClient.invalidateQueries({ queryKey: trpc.routing.list.queryKey() });
  const publish = useMutation(
    trpc.routing.publish.mutationOptions({
      onSuccess: (r) => {
        setMessage(`Published version ${r.after} (was ${r.before ?? 'none'}).`);
        setNote('');
        void invalidate();
      },
    }),
  );
  const rollback = useMutation(
    trpc.routing.rollback.mutationOptions({
      onSuccess: (r) => {
        setMessage(`Rolled back to version ${r.after} (was ${r.before ?? 'none'}).`);
        void invalidate();
      },
    }),
  );
  const valid = check.data?.ok === true && checkedText === text;
  // A draft too long to check here is checked by the server when it is published.
  const publishable = valid || text.length > MAX_CHECKED;

  return (
    <>
      <h1>Routing</h1>
      <section className="panel" aria-labelledby="versions-h">
        <h2 id="versions-h">Versions</h2>
        <p className="muted">
          The storage writers read the version in force every two seconds and switch to it between
          batches.
        </p>
        {list.isPending ? (
          <Loading what="routing versions" />
        ) : list.isError ? (
          <ErrorState error={list.error} />
        ) : (
          <>
            <p data-testid="in-force">
              {list.data.inForce
                ? `Version ${list.data.inForce.version} in force since ${time(list.data.inForce.at)} (${list.data.inForce.action} by ${list.data.inForce.by}).`
                : 'No version published yet: the writers use their file or the built-in table.'}
            </p>
            <table>
              <caption className="muted">Writers and the version each runs</caption>
              <thead>
                <tr>
                  <th scope="col">Storage writer</th>
                  <th scope="col">Version it runs</th>
                  <th scope="col">Reported</th>
                </tr>
              </thead>
              <tbody>
                {list.data.writers === null ? (
                  <tr>
                    <td colSpan={3}>Unknown: {list.data.writersError}</td>
                  </tr>
                ) : list.data.writers.length === 0 ? (
                  <tr>
                    <td colSpan={3}>No storage writer is reporting.</td>
                  </tr>
                ) : (
                  list.data.writers.map((w) => (
                    <tr key={w.workerId} data-writer={w.workerId}>
                      <td>{w.workerId}</td>
                      <td>
                        {w.routingVersion ?? 'none yet'}
                        {w.routingVersion !== null &&
                          w.routingVersion !== inForce &&
                          ' (switching)'}
                      </td>
                      <td>{w.updatedAt ? time(w.updatedAt) : '—'}</td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
            <table>
              <caption className="muted">Every version, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Saved</th>
                  <th scope="col">By</th>
                  <th scope="col">Note</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.data.versions.map((v) => (
                  <tr key={v.version} data-version={v.version}>
                    <td>
                      {v.version}
                      {v.version === inForce && <strong> (in force)</strong>}
                    </td>
                    <td>{time(v.createdAt)}</td>
                    <td>
                      {v.createdBy} <span className="muted">({v.source})</span>
                    </td>
                    <td className="wrap">{v.note ?? '—'}</td>
                    <td>
                      <button type="button" onClick={() => setLoadVersion(v.version)}>
                        Load version {v.version} as a draft
                      </button>
                      {canPublish && v.version !== inForce && (
                        <button
                          type="button"
                          disabled={rollback.isPending}
                          onClick={() => {
                            setMessage(null);
                            if (window.confirm(`Put version ${v.version} back in force?`))
                              rollback.mutate({ version: v.version });
                          }}
                        >
                          Roll back to {v.version}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
        {rollback.isError && <ErrorState error={rollback.error} />}
      </section>

      <section className="panel" aria-labelledby="editor-h">
        <h2 id="editor-h">Editor</h2>
        <label>
          Routing rules (JSON)
          <textarea
            name="draft"
            rows={18}
            spellCheck={false}
            value={text}
            onChange={(e) => {
              setDraft(e.currentTarget.value);
              setMessage(null);
            }}
          />
        </label>
        <div aria-live="polite" data-testid="check">
          {text.length > MAX_CHECKED ? (
            <p className="muted">
              Too long to check as you type; publishing checks it, or use{' '}
              <code>sluice routing validate FILE</code>.
            </p>
          ) : check.isError ? (
            <ErrorState error={check.error} />
          ) : check.data && !check.data.ok ? (
            <ul role="alert" className="error" aria-label="Errors">
              {check.data.errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          ) : check.data?.ok ? (
            <>
              <p>Valid.</p>
              {check.data.warnings.length > 0 && (
                <ul aria-label="Warnings">
                  {check.data.warnings.map((w) => (
                    <li key={`${w.path}:${w.message}`}>
                      warning: {w.path}: {w.message}
                    </li>
                  ))}
                </ul>
              )}
              <p className="muted">
                Against version {check.data.inForce ?? 'none (the built-in table)'}:
              </p>
              <pre data-testid="diff">{check.data.diff.join('\n')}</pre>
            </>
          ) : null}
        </div>
        <RoutingPreview draft={text} enabled={valid} />
        {canPublish && (
          <div>
            <label>
              Note (why; shown in the versions and the audit log)
              <input
                name="note"
                value={note}
                maxLength={500}
                onChange={(e) => setNote(e.currentTarget.value)}
              />
            </label>
            <button
              type="button"
              disabled={!publishable || publish.isPending}
              onClick={() => {
                setMessage(null);
                if (window.confirm('Publish this draft? Every storage writer switches to it.'))
                  publish.mutate({ draft: text, ...(note.trim() ? { note: note.trim() } : {}) });
              }}
            >
              Publish
            </button>
          </div>
        )}
        {publish.isError && <ErrorState error={publish.error} />}
        {message && <p role="status">{message}</p>}
      </section>
    </>
  );
}
