'use client';
// One topic: its partitions (leader, replicas, in-sync replicas, offsets) and, for operators, the
// message browser: one partition's records newest first, from the end, before or from an
// offset, or from a time; each with key, timestamp, headers and value (JSON pretty-printed, else
// text, else hex). At most 200 records a page, read_committed.
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

type Mode = 'latest' | 'before' | 'from' | 'time';
interface PageQuery {
  partition: number;
  mode: Mode;
  offset?: number;
  time?: string;
  limit: number;
}

type ValueView =
  | { kind: 'empty' }
  | { kind: 'json'; json?: unknown; bytes: number }
  | { kind: 'text'; text: string; bytes: number }
  | { kind: 'hex'; hex: string; bytes: number; cut: boolean };

function valueText(v: ValueView): string {
  if (v.kind === 'empty') return '(empty)';
  if (v.kind === 'json') return JSON.stringify(v.json, null, 2);
  if (v.kind === 'text') return v.text;
  return v.hex + (v.cut ? '…' : '');
}

export function TopicView({ topic, canBrowse }: { topic: string; canBrowse: boolean }) {
  const trpc = useTRPC();
  const info = useQuery(trpc.topics.describe.queryOptions({ topic }));
  return (
    <>
      <h1>Topic {topic}</h1>
      <section className="panel" aria-labelledby="partitions-h">
        <h2 id="partitions-h">Partitions</h2>
        {info.isPending ? (
          <Loading what="partitions" />
        ) : info.isError ? (
          <ErrorState error={info.error} />
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col" className="num">
                  Partition
                </th>
                <th scope="col" className="num">
                  Leader
                </th>
                <th scope="col">Replicas</th>
                <th scope="col">In sync</th>
                <th scope="col" className="num">
                  Log start
                </th>
                <th scope="col" className="num">
                  Log end
                </th>
              </tr>
            </thead>
            <tbody>
              {info.data.partitionDetails.map((p) => (
                <tr key={p.partition}>
                  <td className="num">{p.partition}</td>
                  <td className="num">{p.leader}</td>
                  <td>{p.replicas.join(', ')}</td>
                  <td>
                    {p.isr.join(', ')}
                    {p.isr.length < p.replicas.length ? ' (under-replicated)' : ''}
                  </td>
                  <td className="num">{num(p.low)}</td>
                  <td className="num">{num(p.high)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {canBrowse ? (
        info.data && <MessageBrowser topic={topic} partitions={info.data.partitionDetails.length} />
      ) : (
        <p className="muted">Browsing messages needs the operator role.</p>
      )}
    </>
  );
}

function MessageBrowser({ topic, partitions }: { topic: string; partitions: number }) {
  const trpc = useTRPC();
  const [form, setForm] = useState({
    partition: '0',
    mode: 'latest' as Mode,
    offset: '',
    time: '',
    limit: '50',
  });
  const [query, setQuery] = useState<PageQuery | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const page = useQuery({
    ...trpc.topics.messages.queryOptions({
      topic,
      ...(query ?? { partition: 0, mode: 'latest', limit: 50 }),
    }),
    enabled: query !== null,
    retry: false,
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const partition = Number(form.partition);
    const limit = Number(form.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200)
      return setFormError('Records per page: 1 to 200.');
    const q: PageQuery = { partition, mode: form.mode, limit };
    if (form.mode === 'before' || form.mode === 'from') {
      const offset = Number(form.offset);
      if (form.offset.trim() === '' || !Number.isInteger(offset) || offset < 0)
        return setFormError('Offset: a whole number, 0 or more.');
      q.offset = offset;
    }
    if (form.mode === 'time') {
      const ms = Date.parse(form.time);
      if (Number.isNaN(ms)) return setFormError('Time: a date and time.');
      q.time = new Date(ms).toISOString();
    }
    setFormError(null);
    setQuery(q);
  };

  return (
    <section className="panel" aria-labelledby="browser-h">
      <h2 id="browser-h">Messages</h2>
      <form onSubmit={submit} aria-label="Read messages">
        <label>
          Partition
          <select
            name="partition"
            value={form.partition}
            onChange={(e) => setForm({ ...form, partition: e.currentTarget.value })}
          >
            {Array.from({ length: partitions }, (_, i) => String(i)).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Start
          <select
            name="mode"
            value={form.mode}
            onChange={(e) => setForm({ ...form, mode: e.currentTarget.value as Mode })}
          >
            <option value="latest">newest records</option>
            <option value="before">before an offset</option>
            <option value="from">from an offset</option>
            <option value="time">from a time</option>
          </select>
        </label>
        {(form.mode === 'before' || form.mode === 'from') && (
          <label>
            Offset
            <input
              name="offset"
              inputMode="numeric"
              value={form.offset}
              onChange={(e) => setForm({ ...form, offset: e.currentTarget.value })}
            />
          </label>
        )}
        {form.mode === 'time' && (
          <label>
            Time (UTC unless an offset is given)
            <input
              name="time"
              placeholder="2026-11-30T07:00:00Z"
              value={form.time}
              onChange={(e) => setForm({ ...form, time: e.currentTarget.value })}
            />
          </label>
        )}
        <label>
          Records per page
          <input
            name="limit"
            inputMode="numeric"
            value={form.limit}
            onChange={(e) => setForm({ ...form, limit: e.currentTarget.value })}
          />
        </label>
        <button type="submit">Read</button>
      </form>
      {formError && (
        <p role="alert" className="error">
          {formError}
        </p>
      )}
      {query === null ? null : page.isPending ? (
        <Loading what="messages" />
      ) : page.isError ? (
        <ErrorState error={page.error} />
      ) : (
        <>
          <p className="muted">
            Partition {page.data.partition}: offsets {num(page.data.from)} to{' '}
            {num(page.data.until - 1)} read (log start {num(page.data.low)}, last stable{' '}
            {num(page.data.lastStable)}
            {page.data.high > page.data.lastStable
              ? `; offsets from ${num(page.data.lastStable)} are in an open transaction and not shown`
              : ''}
            ). Every record shown is committed (read_committed); offsets missing in between are
            transaction markers or aborted records.
            {page.data.partial ? ' The read ran out of time: this page is partial.' : ''}
          </p>
          <div>
            <button
              type="button"
              disabled={page.data.from <= page.data.low}
              onClick={() => setQuery({ ...query, mode: 'before', offset: page.data.from })}
            >
              Older
            </button>{' '}
            <button
              type="button"
              disabled={page.data.until >= page.data.lastStable}
              onClick={() => setQuery({ ...query, mode: 'from', offset: page.data.until })}
            >
              Newer
            </button>
          </div>
          {page.data.records.length === 0 ? (
            <Empty>No records in this range.</Empty>
          ) : (
            <ol className="records" aria-label="Records, newest first">
              {page.data.records.map((r) => (
                <li key={r.offset} data-offset={r.offset}>
                  <details>
                    <summary>
                      Offset {r.offset} · {r.timestamp ?? 'no timestamp'} · key{' '}
                      {r.key ? r.key.text.slice(0, 60) : '(none)'} · {r.value.kind}
                    </summary>
                    {r.headers.length > 0 && (
                      <table>
                        <caption>Headers</caption>
                        <tbody>
                          {r.headers.map((h, i) => (
                            // biome-ignore lint/suspicious/noArrayIndexKey: a header name may repeat
                            <tr key={i}>
                              <th scope="row">{h.name}</th>
                              <td className="wrap">
                                {h.value
                                  ? `${h.value.text}${h.value.kind === 'hex' ? ' (hex)' : ''}`
                                  : ''}
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                    {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box must take focus to scroll by keyboard */}
                    <pre tabIndex={0} data-value-of={r.offset}>
                      {valueText(r.value as ValueView)}
                    </pre>
                  </details>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
