'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';
import { ROLES, UserRow } from './user-row.tsx';

export function UsersView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.users.list.queryOptions());
  const [message, setMessage] = useState<string | null>(null);
  const changed = (m: string) => {
    setMessage(m);
    void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  };
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: (u) => {
        setMessage(`Added ${u.email} as ${u.role}.`);
        void queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
      },
    }),
  );
  return (
    <>
      <h1>Users</h1>
      <section className="panel" aria-labelledby="add-h">
        <h2 id="add-h">Add user</h2>
        <form
          className="inline"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new FormData(e.currentTarget);
            setMessage(null);
            create.mutate({
              email: String(f.get('email')),
              password: String(f.get('password')),
              role: String(f.get('role')) as (typeof ROLES)[number],
            });
          }}
        >
          <label>
            Email
            <input name="email" type="email" required autoComplete="off" />
          </label>
          <label>
            Initial password (12+ characters)
            <input
              name="password"
              type="password"
              minLength={12}
              required
              autoComplete="new-password"
            />
          </label>
          <label>
            Role
            <select name="role" defaultValue="viewer">
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={create.isPending}>
            Add user
          </button>
        </form>
        {create.isError && (
          <p role="alert" className="error">
            Refused: {create.error.message}
          </p>
        )}
      </section>
      {message && <p role="status">{message}</p>}
      <section className="panel" aria-labelledby="users-h">
        <h2 id="users-h">Users</h2>
        {list.isPending ? (
          <Loading what="users" />
        ) : list.isError ? (
          <ErrorState error={list.error} />
        ) : list.data.length === 0 ? (
          <Empty>No users.</Empty>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((u) => (
                // Keyed by state too: a row starts again from the server's values after a change.
                <UserRow key={`${u.id}:${u.role}:${u.disabledAt}`} user={u} onChanged={changed} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
