'use client';
import type { TimeToDrain } from '@sluice/core';
import { useQuery } from '@tanstack/react-query';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { clock, duration, num } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

function drainText(d: TimeToDrain): string {
  switch (d.kind) {
    case 'caught-up':
      return 'caught up';
    case 'keeping-up':
      return `keeping up (about ${duration(d.seconds)} of work queued)`;
    case 'draining':
      return `about ${duration(d.seconds)}`;
    case 'not-draining':
      if (d.why === 'stopped') return 'not draining (nothing consumed lately)';
      if (d.why === 'falling-behind') return 'not draining (producers are faster)';
      return 'not draining (consumers only keep pace with producers)';
    case 'unknown':
      return d.reason === 'offsets-went-back'
        ? 'unknown (offsets went back lately)'
        : 'unknown (not enough lag samples)';
  }
}

export function GroupDetail({ groupId }: { groupId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.groups.detail.queryOptions({ groupId }));
  return (
    <section className="panel" aria-labelledby="detail-h">
      <h2 id="detail-h">{groupId}</h2>
      {q.isPending ? (
        <Loading what={groupId} />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : (
        <>
          <p>
            State <strong>{q.data.state}</strong> · live offset lag (Kafka){' '}
            <strong>{num(q.data.totalOffsetLag)}</strong> · time to drain{' '}
            <strong>{drainText(q.data.drain)}</strong>
          </p>
          <h3>Lag trend (last hour, from lag samples)</h3>
          {q.data.trend.length === 0 ? (
            <Empty>No data yet: the lag monitor has written no samples for this group.</Empty>
          ) : (
            <figure
              aria-label={`Offset lag of ${groupId} over the last hour`}
              style={{ margin: 0 }}
            >
              <ResponsiveContainer width="100%" height={220}>
                <LineChart data={q.data.trend}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis
                    dataKey="t"
                    type="number"
                    domain={['dataMin', 'dataMax']}
                    tickFormatter={clock}
                  />
                  <YAxis />
                  <Tooltip labelFormatter={(v) => clock(Number(v))} />
                  {/* A null point is a gap: no sample, or lag unknown for some partition. */}
                  <Line
                    dataKey="offsetLag"
                    name="offset lag"
                    connectNulls={false}
                    dot={false}
                    isAnimationActive={false}
                  />
                </LineChart>
              </ResponsiveContainer>
            </figure>
          )}
          <h3>Partitions</h3>
          {q.data.partitions.length === 0 ? (
            <Empty>This group has no committed offsets and no assigned partitions.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Topic</th>
                  <th scope="col" className="num">
                    Partition
                  </th>
                  <th scope="col" className="num">
                    Committed
                  </th>
                  <th scope="col" className="num">
                    End
                  </th>
                  <th scope="col" className="num">
                    Offset lag
                  </th>
                  <th scope="col" className="num">
                    Time lag
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {q.data.partitions.map((p) => (
                  <tr key={`${p.topic}/${p.partition}`}>
                    <td>{p.topic}</td>
                    <td className="num">{p.partition}</td>
                    <td className="num">
                      {p.noCommit ? (
                        <span
                          className="badge"
                          title="The group has committed nothing on this partition: its lag counts from the log start offset"
                        >
                          no commit
                        </span>
                      ) : (
                        num(p.committedOffset)
                      )}
                    </td>
                    <td className="num">{num(p.endOffset)}</td>
                    <td className="num">
                      {num(p.offsetLag)}
                      {p.noCommit && p.offsetLag === null ? (
                        <span className="muted">
                          {' '}
                          (log start unknown until the lag monitor samples it)
                        </span>
                      ) : null}
                    </td>
                    <td className="num">
                      {duration(p.timeLagS)}
                      {p.timeLagEstimated ? ' (extrapolated)' : ''}
                    </td>
                    <td>
                      <span className={p.status ? `status-${p.status}` : 'muted'}>
                        {p.status ?? 'no samples'}
                      </span>
                      {p.reason && <span className="muted"> {p.reason}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h3>Members</h3>
          {q.data.members.length === 0 ? (
            <Empty>No active members.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Client</th>
                  <th scope="col">Host</th>
                  <th scope="col">Assigned partitions</th>
                </tr>
              </thead>
              <tbody>
                {q.data.members.map((m) => (
                  <tr key={m.memberId}>
                    <td>{m.clientId}</td>
                    <td>{m.host}</td>
                    <td>
                      {m.assignment.length === 0
                        ? 'none'
                        : m.assignment.map((a) => `${a.topic}/${a.partition}`).join(', ')}
                    </td>
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
