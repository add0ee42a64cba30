'use client';
import { useQuery } from '@tanstack/react-query';
import { clock, duration, num, time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { EventsPerMinute } from './_overview/events-per-minute.tsx';
import { HistoryPanels } from './_overview/history-panels.tsx';
import { LatencyPanel } from './_overview/latency-panel.tsx';
import { SinkHealthPanel } from './_overview/sink-health-panel.tsx';

const rate = (r: number | null) => (r === null ? 'measuring…' : `${num(r)} /s`);
/** A total over the counting stages: none running is no number, not a measurement pending. */
const counted = (r: number | null) => (r === null ? 'no stage counting' : `${num(r)} /s`);

export function OverviewView() {
  const trpc = useTRPC();
  const q = useQuery(trpc.overview.summary.queryOptions());
  // Each stage's state from the control channel (running, paused, stopped) and what its group
  // is doing (rebalancing, empty, dead), beside its rates.
  const controls = useQuery({ ...trpc.stages.list.queryOptions(), refetchInterval: 5000 });
  const stateOf = (stage: string) => {
    if (!controls.data) return controls.isError ? 'unknown' : '…';
    const c = controls.data.find((x) => x.stage === stage)?.condition;
    return c ? `${c.text}${c.since ? ` since ${time(c.since)}` : ''}` : '';
  };
  return (
    <>
      <h1>Overview</h1>
      {q.isPending ? (
        <Loading what="overview" />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : (
        <>
          <section className="panel" aria-labelledby="throughput-h">
            <h2 id="throughput-h">Records per second by stage, now</h2>
            <div className="grid">
              {q.data.kafka.ok ? (
                q.data.kafka.stages.map((s) => (
                  <div key={s.stage}>
                    <div className="muted">{s.label}</div>
                    <div className="metric">{s.missing ? 'topic missing' : rate(s.perSecond)}</div>
                  </div>
                ))
              ) : (
                <p role="alert" className="error">
                  Kafka unreachable: {q.data.kafka.error}
                </p>
              )}
              {q.data.stages.ok && (
                <>
                  <div>
                    <div className="muted">To the DLQ, all stages</div>
                    <div className="metric">{counted(q.data.stages.dlqPerSecond)}</div>
                  </div>
                  <div>
                    <div className="muted">Late (aggregation)</div>
                    <div className="metric">{counted(q.data.stages.latePerSecond)}</div>
                  </div>
                </>
              )}
            </div>
            {q.data.stages.ok ? (
              <table>
                <caption className="muted" style={{ textAlign: 'left', paddingBottom: '0.5rem' }}>
                  Records counted by each stage&apos;s workers over the {q.data.stages.windowS} s up
                  to {q.data.stages.until ? clock(Date.parse(q.data.stages.until)) : '—'} UTC
                  (ingest: growth of the topic&apos;s end offsets).
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Stage</th>
                    <th scope="col" className="num">
                      In
                    </th>
                    <th scope="col" className="num">
                      Out
                    </th>
                    <th scope="col" className="num">
                      To DLQ
                    </th>
                    <th scope="col" className="num">
                      Late
                    </th>
                    <th
                      scope="col"
                      className="num"
                      title="Same event_id again within the horizon: dropped"
                    >
                      Duplicates
                    </th>
                    <th scope="col">State</th>
                    <th scope="col">Consumer group</th>
                  </tr>
                </thead>
                <tbody>
                  {q.data.stages.stages.map((s) => (
                    <tr key={s.stage}>
                      <th scope="row">{s.label}</th>
                      {s.reporting ? (
                        (['in', 'out', 'dlq', 'late', 'duplicate'] as const).map((m) => (
                          <td key={m} className="num">
                            {m in s.perSecond ? rate(s.perSecond[m] ?? null) : ''}
                          </td>
                        ))
                      ) : (
                        <td colSpan={5} className="muted">
                          no counts: no worker of this stage running
                        </td>
                      )}
                      <td>{stateOf(s.stage)}</td>
                      <td>{s.group}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p role="alert" className="error">
                Stage counters unavailable: {q.data.stages.error}
              </p>
            )}
          </section>
          <div className="grid-2">
            <LatencyPanel />
            <section className="panel" aria-labelledby="late-h">
              <h2 id="late-h">Late events, last hour</h2>
              {q.data.lateLastHour ? (
                <p>
                  <span className="metric">{num(q.data.lateLastHour.accepted)}</span> accepted,{' '}
                  <span className="metric">{num(q.data.lateLastHour.dropped)}</span> dropped
                </p>
              ) : (
                <Empty>No data yet: no 1-minute windows in the last hour.</Empty>
              )}
            </section>
          </div>
          <SinkHealthPanel />
          <EventsPerMinute />
          <HistoryPanels />
          <section className="panel" aria-labelledby="lag-h">
            <h2 id="lag-h">Lag per consumer group</h2>
            {q.data.lag.length === 0 ? (
              <Empty>No data yet: the lag monitor has written no samples.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Group</th>
                    <th scope="col" className="num">
                      Offset lag
                    </th>
                    <th scope="col" className="num">
                      Max time lag
                    </th>
                    <th scope="col">Status</th>
                    <th scope="col">Sampled</th>
                  </tr>
                </thead>
                <tbody>
                  {q.data.lag.map((g) => (
                    <tr key={g.groupId}>
                      <td>{g.groupId}</td>
                      <td className="num">
                        {num(g.offsetLag)}
                        {g.noCommitPartitions > 0 && (
                          <>
                            {' '}
                            <span
                              className="badge"
                              title="Partitions the group has committed nothing on: their lag counts from the log start offset"
                            >
                              {g.noCommitPartitions === g.partitions
                                ? 'no commit'
                                : `no commit on ${g.noCommitPartitions} of ${g.partitions}`}
                            </span>
                          </>
                        )}
                      </td>
                      <td className="num">{duration(g.maxTimeLagS)}</td>
                      <td>
                        <span className={`status-${g.status}`}>{g.status}</span>
                        {g.reason && (
                          <span className="muted">
                            {' '}
                            {g.reason} ({g.reasonPartition}
                            {g.partitions > 1
                              ? `; ${g.statusPartitions} of ${g.partitions} partitions`
                              : ''}
                            )
                          </span>
                        )}
                      </td>
                      <td>{time(g.sampledAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <p className="muted">
            Updated {time(q.data.at)}; rates and sinks refresh every 5 s, Redis charts every 15 s,
            lag history every 30 s.
          </p>
        </>
      )}
    </>
  );
}
