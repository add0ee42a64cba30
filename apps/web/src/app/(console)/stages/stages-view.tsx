'use client';
// Each stage's state from the control channel, who set it, when and why, and its group's
// members and what Kafka says the group is doing (rebalancing, empty, dead; since when this
// console saw it so); pause and resume for operators, stop for admins, each with an optional
// reason. The DLQ indexer is listed and controlled like the stages.
import type { GroupPhase, StageName, StageState } from '@sluice/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { time } from '~/components/format.ts';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { ResetPanel } from './reset-panel.tsx';

const STATE_TEXT: Record<StageState, string> = {
  running: 'running',
  paused: 'paused (members stay, fetching stopped)',
  stopped: 'stopped (no members in the group)',
};

const PHASE_TEXT: Record<GroupPhase, string> = {
  stable: 'stable',
  rebalancing: 'rebalancing',
  empty: 'empty (no member)',
  dead: 'dead (no member, no offsets)',
  unknown: 'unknown',
};

type GroupView =
  | { ok: true; kafkaState: string; phase: GroupPhase; since: string | null }
  | { ok: false; error: string };

/** The group's phase, and since when where this console saw it change. */
function groupText(g: GroupView): string {
  if (!g.ok) return `unknown (${g.error})`;
  return `${PHASE_TEXT[g.phase]}${g.since ? ` since ${time(g.since)}` : ''}`;
}

export function StagesView({ canPause, canStop }: { canPause: boolean; canStop: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery({ ...trpc.stages.list.queryOptions(), refetchInterval: 5000 });
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const set = useMutation(
    trpc.stages.set.mutationOptions({
      onSuccess: (r) => {
        setMessage(`${r.group}: ${r.state} by ${r.by}.`);
        setReason('');
        void queryClient.invalidateQueries({ queryKey: trpc.stages.list.queryKey() });
      },
    }),
  );
  const change = (stage: StageName, state: StageState) => {
    setMessage(null);
    set.mutate({ stage, state, ...(reason.trim() ? { reason: reason.trim() } : {}) });
  };
  return (
    <>
      <h1>Stages</h1>
      <section className="panel" aria-labelledby="stages-h">
        <h2 id="stages-h">State of each stage</h2>
        <p className="muted">
          Workers apply a change between batches, within a second or two; a worker that starts later
          reads it before it joins its group.
        </p>
        {canPause && (
          <label>
            Reason (optional, shown with the state)
            <input
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.currentTarget.value)}
              name="reason"
            />
          </label>
        )}
        {list.isPending ? (
          <Loading what="stages" />
        ) : list.isError ? (
          <ErrorState error={list.error} />
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Stage</th>
                <th scope="col">State</th>
                <th scope="col">Since</th>
                <th scope="col">Set by</th>
                <th scope="col">Reason</th>
                <th scope="col">Group</th>
                <th scope="col" className="num">
                  Members
                </th>
                {canPause && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.stage} data-stage={s.stage}>
                  <td>
                    {s.label}
                    <div className="muted">{s.group}</div>
                  </td>
                  <td className={`state-${s.state}`}>{STATE_TEXT[s.state]}</td>
                  <td>{s.at ? time(s.at) : 'never changed'}</td>
                  <td>{s.by ?? '—'}</td>
                  <td className="wrap">{s.reason ?? '—'}</td>
                  <td className={`phase-${s.kafka.ok ? s.kafka.phase : 'unknown'}`}>
                    {groupText(s.kafka)}
                  </td>
                  <td className="num">{s.members.ok ? s.members.count : 'unknown'}</td>
                  {canPause && (
                    <td>
                      {s.state === 'running' && (
                        <button
                          type="button"
                          disabled={set.isPending}
                          onClick={() => change(s.stage, 'paused')}
                        >
                          Pause
                        </button>
                      )}
                      {s.state !== 'running' && (
                        <button
                          type="button"
                          disabled={set.isPending}
                          onClick={() => change(s.stage, 'running')}
                        >
                          Resume
                        </button>
                      )}
                      {canStop && s.state !== 'stopped' && (
                        <button
                          type="button"
                          disabled={set.isPending}
                          onClick={() => {
                            if (
                              window.confirm(
                                `Stop ${s.label}? Its workers leave ${s.group} and stay idle until resumed.`,
                              )
                            )
                              change(s.stage, 'stopped');
                          }}
                        >
                          Stop
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {set.isError && <ErrorState error={set.error} />}
        {message && <p role="status">{message}</p>}
      </section>
      {canStop && list.data && <ResetPanel stages={list.data} />}
    </>
  );
}
