'use client';
// The event trace: an event_id (in the URL, ?event=…) → its raw and enriched records, its dead
// letters, the windows of its event time and the stores that hold it, with how each record was
// looked for and how many Kafka records that read.
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

interface Rec {
  topic: string;
  partition: number;
  offset: number;
  timestamp: string | null;
  value?: unknown;
}

function RecordPanel({ title, rec, how }: { title: string; rec: Rec | null; how: string }) {
  return (
    <section className="panel" aria-label={title}>
      <h2>{title}</h2>
      {rec ? (
        <>
          <p>
            <Link href={`/topics/${encodeURIComponent(rec.topic)}`}>{rec.topic}</Link> partition{' '}
            {rec.partition}, offset {rec.offset}, Kafka time {rec.timestamp ?? 'none'}
          </p>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus to scroll by keyboard */}
          <pre tabIndex={0}>{JSON.stringify(rec.value, null, 2)}</pre>
        </>
      ) : (
        <p>Not found.</p>
      )}
      <p className="muted">Looked for: {how}</p>
    </section>
  );
}

export function TraceView() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const router = useRouter();
  const path = usePathname();
  const eventId = params.get('event') ?? '';
  const around = params.get('around') ?? '';
  const [draft, setDraft] = useState(eventId);
  const [aroundDraft, setAroundDraft] = useState(around);
  const [formError, setFormError] = useState<string | null>(null);
  const trace = useQuery({
    ...trpc.trace.event.queryOptions({ eventId, ...(around ? { around } : {}) }),
    enabled: eventId !== '',
    retry: false,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const id = draft.trim();
    if (!id) return setFormError('Give an event ID.');
    let at = '';
    if (aroundDraft.trim()) {
      const ms = Date.parse(aroundDraft.trim());
      if (Number.isNaN(ms))
        return setFormError('Around: a date and time, e.g. 2026-11-30T07:00:00Z.');
      at = new Date(ms).toISOString();
    }
    setFormError(null);
    router.push(
      `${path}?event=${encodeURIComponent(id)}${at ? `&around=${encodeURIComponent(at)}` : ''}`,
    );
  };
  const t = trace.data;
  const unchecked = new Set(t?.unchecked ?? []);
  const store = (name: string, v: boolean | null) =>
    unchecked.has(name)
      ? 'not checked from the console (sluice trace checks it)'
      : v
        ? 'yes'
        : 'no';
  return (
    <>
      <h1>Event trace</h1>
      <form onSubmit={submit} aria-label="Trace an event">
        <label>
          Event ID
          <input
            name="event"
            value={draft}
            maxLength={200}
            onChange={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <label>
          Around (optional: the event's time, when no store holds it; searches ±5 minutes)
          <input
            name="around"
            placeholder="2026-11-30T07:00:00Z"
            value={aroundDraft}
            onChange={(e) => setAroundDraft(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Trace</button>
      </form>
      {formError && (
        <p role="alert" className="error">
          {formError}
        </p>
      )}
      {eventId === '' ? null : trace.isPending ? (
        <Loading what="the trace" />
      ) : trace.isError ? (
        <ErrorState error={trace.error} />
      ) : t ? (
        <>
          <section className="panel" aria-labelledby="stores-h">
            <h2 id="stores-h">Stores holding {t.event_id}</h2>
            <table>
              <tbody>
                <tr>
                  <th scope="row">TimescaleDB</th>
                  <td data-store="timescaledb">{t.stores.timescaledb ? 'yes' : 'no'}</td>
                </tr>
                <tr>
                  <th scope="row">Elasticsearch</th>
                  <td data-store="elasticsearch">
                    {store('elasticsearch', t.stores.elasticsearch)}
                  </td>
                </tr>
                <tr>
                  <th scope="row">Redis</th>
                  <td data-store="redis">
                    {unchecked.has('redis')
                      ? store('redis', null)
                      : t.stores.redis
                        ? `${t.stores.redis.applied ? 'counted' : 'not counted'} (offset fence ${t.stores.redis.fence ?? 'none'}; ${t.stores.redis.minuteKeys.length} keys of its minute). ${t.stores.redis.note}`
                        : 'unknown (no enriched record found)'}
                  </td>
                </tr>
                <tr>
                  <th scope="row">S3 archive</th>
                  <td data-store="s3">
                    {unchecked.has('s3') ? store('s3', null) : (t.stores.s3 ?? 'no object found')}
                  </td>
                </tr>
              </tbody>
            </table>
            <p className="muted">
              Read {t.search.records_read} Kafka records in {t.elapsedMs} ms.
            </p>
          </section>
          <RecordPanel title="Raw record" rec={t.raw} how={t.search.raw} />
          <RecordPanel title="Enriched record" rec={t.enriched} how={t.search.enriched} />
          <section className="panel" aria-labelledby="dlq-h">
            <h2 id="dlq-h">Dead letters</h2>
            {t.dlq.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {t.dlq.map((d) => (
                  <li key={d.id}>
                    <Link href={`/dlq?entry=${d.id}`}>#{d.id}</Link> {d.stage} {d.errorClass}:{' '}
                    {d.errorMessage} ({d.status}, {d.failedAt})
                    {d.source
                      ? ` from ${d.source.topic}[${d.source.partition}]@${d.source.offset}`
                      : ''}
                    {(d.replays ?? []).length > 0 && (
                      <ul>
                        {(d.replays ?? []).map((r) => (
                          <li key={r.jobId}>
                            Replay job {r.jobId}: {r.state}
                            {r.sentAt ? ` at ${r.sentAt}` : ''}
                            {r.newEntryId ? ` (failed again as #${r.newEntryId})` : ''}
                          </li>
                        ))}
                      </ul>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="panel" aria-labelledby="windows-h">
            <h2 id="windows-h">Windows of its event time</h2>
            {t.windows.length === 0 ? (
              <p>None (no enriched record: the aggregation never saw it).</p>
            ) : (
              <ul>
                {t.windows.map((w) => (
                  <li key={w.size}>
                    {w.size}: {w.start} to {w.end}
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      ) : null}
    </>
  );
}
