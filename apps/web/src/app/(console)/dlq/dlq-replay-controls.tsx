'use client';
// Replay and discard for one entry, shown to operators (the server checks the role again): the
// payload can be edited as JSON in a code editor (CodeMirror, loaded only when editing starts)
// and checked against the event schema, with the error beside the field and marked on it; a dry
// run shows exactly what would be sent or why it is skipped; a replay records a job
// that the dlq-indexer worker sends, and its outcome is followed here until it is known.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useId, useState } from 'react';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import styles from './dlq.module.css';
import type { SchemaError } from './json-editor.tsx';

// Its own chunk, fetched when an operator starts editing: the inbox does not carry CodeMirror.
const JsonEditor = dynamic(() => import('./json-editor.tsx').then((m) => m.JsonEditor), {
  ssr: false,
  loading: () => <Loading what="the JSON editor" />,
});

type Target = 'source' | 'enrichment' | 'storage';

interface PlanItem {
  entryId: number;
  action: 'send' | 'skip';
  eventId: string | null;
  topic?: string;
  payload?: string | null;
  reason?: string;
  detail?: string;
}

function PlanTable({ plan }: { plan: readonly PlanItem[] }) {
  return (
    <table>
      <caption>Dry run: what would be sent, and what is skipped and why</caption>
      <thead>
        <tr>
          <th scope="col">Entry</th>
          <th scope="col">Would</th>
          <th scope="col">To or why</th>
          <th scope="col">Payload</th>
        </tr>
      </thead>
      <tbody>
        {plan.map((p) => (
          <tr key={p.entryId}>
            <td>#{p.entryId}</td>
            <td>{p.action === 'send' ? 'send' : `skip (${p.reason})`}</td>
            <td className="wrap">{p.action === 'send' ? p.topic : p.detail}</td>
            <td className="wrap">
              {p.payload ? <code className={styles.inline}>{p.payload}</code> : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A recorded job, followed until every entry has its outcome. */
function JobOutcome({ jobId }: { jobId: number }) {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.dlq.job.queryOptions({ id: jobId }),
    refetchInterval: (query) => {
      const counts = query.state.data?.job.counts ?? {};
      const open = (counts.pending ?? 0) + (counts.sending ?? 0) + (counts.sent ?? 0);
      return open > 0 || query.state.data?.job.status === 'planned' ? 2000 : false;
    },
  });
  if (q.isError) return <ErrorState error={q.error} />;
  const job = q.data?.job;
  return (
    <div role="status" aria-live="polite">
      <p>
        Job {jobId}: {job ? job.status : 'recorded'}
        {job
          ? `, ${Object.entries(job.counts)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ')}`
          : ''}
        . <a href={`/dlq/jobs?job=${jobId}`}>Open the job</a>
      </p>
      <ul>
        {q.data?.rows.map((r) => (
          <li key={r.entryId}>
            Entry #{r.entryId}: <strong>{r.state}</strong>
            {r.skipReason ? ` (${r.skipReason}: ${r.skipDetail})` : ''}
            {r.newEntryId ? (
              <>
                {' '}
                → new entry <a href={`/dlq?entry=${r.newEntryId}`}>#{r.newEntryId}</a>
              </>
            ) : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function DlqReplayControls({ id, payload }: { id: number; payload: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const ids = useId();
  const [target, setTarget] = useState<Target>('source');
  const [rate, setRate] = useState('');
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(payload ?? '{}');
  const [fieldError, setFieldError] = useState<SchemaError | null>(null);
  const [reason, setReason] = useState('');
  const [jobId, setJobId] = useState<number | null>(null);

  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.dlq.entry.queryKey({ id }) });
  const replay = useMutation(
    trpc.dlq.replay.mutationOptions({
      onSuccess: (r) => {
        if (!r.dryRun) setJobId(r.jobId);
        void refresh();
      },
    }),
  );
  const discard = useMutation(trpc.dlq.discard.mutationOptions({ onSuccess: () => refresh() }));

  /** The edited event, checked against the schema by the server; null when it is not valid. */
  const editedEvent = async (): Promise<unknown | null> => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      setFieldError({ field: null, message: `not JSON: ${(err as Error).message}` });
      return null;
    }
    const v = await queryClient.fetchQuery(
      trpc.dlq.validateEvent.queryOptions({ event: value }, { staleTime: 0 }),
    );
    if (!v.ok) {
      setFieldError({ field: v.field, message: v.message });
      return null;
    }
    setFieldError(null);
    return value;
  };

  const run = async (dryRun: boolean) => {
    let edit: { kind: 'replace'; value: unknown } | undefined;
    if (editing) {
      const value = await editedEvent();
      if (value === null) return;
      edit = { kind: 'replace', value };
    }
    const rateLimit = Number(rate);
    replay.mutate({
      ids: [id],
      target,
      dryRun,
      ...(edit ? { edit } : {}),
      ...(rate.trim() && rateLimit > 0 ? { rateLimit } : {}),
    });
  };

  const plan = replay.data?.dryRun ? (replay.data.plan as PlanItem[]) : null;
  return (
    <section aria-labelledby={`${ids}-h`}>
      <h3 id={`${ids}-h`}>Replay or discard</h3>
      <div className={styles.controls}>
        <label>
          Send to{' '}
          <select value={target} onChange={(e) => setTarget(e.target.value as Target)}>
            <option value="source">the topic it came from</option>
            <option value="enrichment">the enrichment stage</option>
            <option value="storage">the storage stage</option>
          </select>
        </label>
        <label>
          Rate limit (records/s){' '}
          <input
            type="number"
            min="1"
            inputMode="numeric"
            value={rate}
            onChange={(e) => setRate(e.target.value)}
          />
        </label>
        <label>
          <input type="checkbox" checked={editing} onChange={(e) => setEditing(e.target.checked)} />{' '}
          Edit the payload
        </label>
      </div>
      {editing && (
        <div>
          <p id={`${ids}-edit-label`} className={styles.editorLabel}>
            Edited event (JSON)
          </p>
          <JsonEditor
            labelledBy={`${ids}-edit-label`}
            initialValue={text}
            schemaError={fieldError}
            describedBy={fieldError ? `${ids}-edit-error` : undefined}
            onChange={(t) => {
              setText(t);
              setFieldError(null);
            }}
          />
          {fieldError && (
            <p id={`${ids}-edit-error`} className="error" role="alert">
              {fieldError.field ? `${fieldError.field}: ${fieldError.message}` : fieldError.message}
            </p>
          )}
          <button type="button" onClick={() => void editedEvent()}>
            Check the event
          </button>
        </div>
      )}
      <div className={styles.controls}>
        <button type="button" disabled={replay.isPending} onClick={() => void run(true)}>
          Dry run
        </button>
        <button type="button" disabled={replay.isPending} onClick={() => void run(false)}>
          Replay
        </button>
      </div>
      {replay.isError && <ErrorState error={replay.error} />}
      {plan && <PlanTable plan={plan} />}
      {jobId !== null && <JobOutcome jobId={jobId} />}

      <form
        className={styles.controls}
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) discard.mutate({ ids: [id], reason: reason.trim() });
        }}
      >
        <label>
          Reason to discard{' '}
          <input value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="submit" disabled={!reason.trim() || discard.isPending}>
          Discard
        </button>
      </form>
      {discard.isError && <ErrorState error={discard.error} />}
      {discard.data && (
        <p role="status">
          {discard.data.discarded.length > 0
            ? `Entry #${id} discarded.`
            : `Not discarded: ${discard.data.refused.map((r) => r.reason).join('; ')}`}
        </p>
      )}
    </section>
  );
}
