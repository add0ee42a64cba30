'use client';
// One dead-lettered entry in full: the error with its stack, the envelope, every header, the
// original key and value as the record holds them (JSON when they parse, text, else hex), the
// partly enriched event where the stage got that far, and what was done to the entry.
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import styles from './dlq.module.css';
import { DlqReplayControls } from './dlq-replay-controls.tsx';

type PayloadView =
  | { kind: 'empty' }
  | { kind: 'json'; json?: unknown; bytes: number }
  | { kind: 'text'; text: string; bytes: number }
  | { kind: 'hex'; hex: string; bytes: number; cut: boolean };

function Payload({ label, view }: { label: string; view: PayloadView }) {
  if (view.kind === 'empty') {
    return (
      <p>
        {label}: <span className="muted">none</span>
      </p>
    );
  }
  const body =
    view.kind === 'json'
      ? JSON.stringify(view.json, null, 2)
      : view.kind === 'text'
        ? view.text
        : view.hex.replace(/(..)/g, '$1 ').trim();
  const note =
    view.kind === 'hex' && view.cut ? `, hex of the first ${view.hex.length / 2} bytes` : '';
  return (
    <figure>
      <figcaption>
        {label} ({view.kind === 'json' ? 'JSON' : view.kind}, {view.bytes} bytes{note})
      </figcaption>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus to scroll by keyboard */}
      <pre className={styles.payload} tabIndex={0}>
        {body}
      </pre>
    </figure>
  );
}

function headerText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(headerText).join(' | ');
  if (v && typeof v === 'object' && 'data' in v) return `base64: ${String(v.data)}`;
  return JSON.stringify(v);
}

const opt = (v: ReactNode) => (v === null || v === undefined || v === '' ? '—' : v);
const when = (iso: string | null) => (iso ? time(iso) : '—');

export function DlqEntryDetail({ id, canAct = false }: { id: number; canAct?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.dlq.entry.queryOptions({ id }));
  return (
    <section className="panel" aria-labelledby="dlq-entry-h">
      <h2 id="dlq-entry-h">Entry #{id}</h2>
      {q.isPending ? (
        <Loading what={`entry ${id}`} />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : q.data === null ? (
        <Empty>The index holds no entry #{id}.</Empty>
      ) : (
        <>
          <h3>Error</h3>
          <dl className={styles.details}>
            <dt>Stage</dt>
            <dd>{q.data.stage}</dd>
            <dt>Error class</dt>
            <dd>{q.data.errorClass}</dd>
            <dt>Message</dt>
            <dd>{opt(q.data.errorMessage)}</dd>
            <dt>Reason</dt>
            <dd>{opt(q.data.errorReason)}</dd>
            <dt>Path</dt>
            <dd>{opt(q.data.errorPath)}</dd>
            <dt>Retryable</dt>
            <dd>{q.data.retryable === null ? '—' : q.data.retryable ? 'yes' : 'no'}</dd>
            <dt>Attempts</dt>
            <dd>{opt(q.data.attempts)}</dd>
            <dt>First and last failure</dt>
            <dd>
              {when(q.data.firstFailureAt)} – {when(q.data.lastFailureAt)}
            </dd>
            <dt>Source</dt>
            <dd>
              {opt(q.data.sourceTopic)} partition {opt(q.data.sourcePartition)} offset{' '}
              {opt(q.data.sourceOffset)} ({when(q.data.sourceTimestamp)})
            </dd>
            <dt>Dead-letter record</dt>
            <dd>
              {q.data.topic} partition {q.data.partition} offset {q.data.offset}
            </dd>
            <dt>Worker, version, GeoIP build</dt>
            <dd>
              {opt(q.data.workerId)}, {opt(q.data.appVersion)}, {opt(q.data.geoipBuild)}
            </dd>
            <dt>Status</dt>
            <dd>{q.data.status}</dd>
            {!q.data.envelopeValid && (
              <>
                <dt>Envelope</dt>
                <dd className="error">not valid: {opt(q.data.envelopeProblem)}</dd>
              </>
            )}
          </dl>
          {q.data.errorStack && (
            <figure>
              <figcaption>Stack</figcaption>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus to scroll by keyboard */}
              <pre className={styles.payload} tabIndex={0}>
                {q.data.errorStack}
              </pre>
            </figure>
          )}

          <h3>Headers</h3>
          <table>
            <caption className="sr-only">Every header of the dead-letter record</caption>
            <thead>
              <tr>
                <th scope="col">Header</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(q.data.headers).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td className="wrap">{headerText(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h3>Payload</h3>
          <Payload label="Original value" view={q.data.value} />
          <Payload label="Original key" view={q.data.key} />
          {q.data.partial !== null && q.data.partial !== undefined && (
            <figure>
              <figcaption>Partly enriched event</figcaption>
              {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus to scroll by keyboard */}
              <pre className={styles.payload} tabIndex={0}>
                {JSON.stringify(q.data.partial, null, 2)}
              </pre>
            </figure>
          )}

          {canAct && (
            <DlqReplayControls
              id={id}
              payload={
                q.data.value.kind === 'json'
                  ? JSON.stringify(q.data.value.json, null, 2)
                  : q.data.value.kind === 'text'
                    ? q.data.value.text
                    : null
              }
            />
          )}

          <h3>History</h3>
          {q.data.actions.length === 0 ? (
            <Empty>Nothing has been done to this entry yet.</Empty>
          ) : (
            <table>
              <caption className="sr-only">What was done to the entry, oldest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Status</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Related entry</th>
                </tr>
              </thead>
              <tbody>
                {q.data.actions.map((a) => (
                  <tr key={a.id}>
                    <td>{time(a.at)}</td>
                    <td>{a.actor}</td>
                    <td>{a.action}</td>
                    <td>
                      {opt(a.statusBefore)} → {opt(a.statusAfter)}
                    </td>
                    <td className="wrap">{opt(a.reason)}</td>
                    <td>{a.relatedEntryId ? `#${a.relatedEntryId}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
