'use client';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { GroupDetail } from './group-detail.tsx';

export function GroupsView() {
  const trpc = useTRPC();
  const list = useQuery(trpc.groups.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const current = selected ?? list.data?.[0]?.groupId ?? null;
  return (
    <>
      <h1>Consumer groups</h1>
      <section className="panel" aria-labelledby="groups-h">
        <h2 id="groups-h">Groups</h2>
        {list.isPending ? (
          <Loading what="consumer groups" />
        ) : list.isError ? (
          <ErrorState error={list.error} />
        ) : list.data.length === 0 ? (
          <Empty>No consumer groups.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">State</th>
                <th scope="col">Pipeline group</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((g) => (
                <tr key={g.groupId} aria-selected={g.groupId === current}>
                  <td>
                    <button
                      type="button"
                      className="badge"
                      style={{ color: 'inherit' }}
                      aria-pressed={g.groupId === current}
                      onClick={() => setSelected(g.groupId)}
                    >
                      {g.groupId}
                    </button>
                  </td>
                  <td>{g.state}</td>
                  <td>{g.pipeline ? 'yes' : 'no'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {current && <GroupDetail groupId={current} />}
    </>
  );
}
