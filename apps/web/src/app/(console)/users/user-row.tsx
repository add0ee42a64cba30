'use client';
// One user in the admin's Users table, with the changes an admin may make: the role, disable or
// enable (ending their sessions at once), and a new password. The server refuses what would
// leave no enabled admin; its message is shown as it is. The buttons are named by what they do
// (the row says whom): a cell that named the email would read as the user's email cell.
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { time } from '~/components/format.ts';
import { useTRPC } from '~/trpc/react.tsx';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
type Role = (typeof ROLES)[number];

export interface UserRowData {
  id: string;
  email: string;
  role: string;
  disabledAt: string | null;
  createdAt: string;
}

export function UserRow({
  user,
  onChanged,
}: {
  user: UserRowData;
  onChanged: (m: string) => void;
}) {
  const trpc = useTRPC();
  const [role, setRole] = useState(user.role);
  const [resetting, setResetting] = useState(false);
  const done = (m: string) => ({ onSuccess: () => onChanged(m) });
  const setRoleM = useMutation(
    trpc.users.setRole.mutationOptions(done(`${user.email} is now ${role}.`)),
  );
  const setDisabled = useMutation(
    trpc.users.setDisabled.mutationOptions(
      done(user.disabledAt ? `${user.email} may sign in again.` : `${user.email} is disabled.`),
    ),
  );
  const reset = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => {
        setResetting(false);
        onChanged(`New password set for ${user.email}; their sessions ended.`);
      },
    }),
  );
  const error = setRoleM.error ?? setDisabled.error ?? reset.error;
  const pending = setRoleM.isPending || setDisabled.isPending || reset.isPending;
  return (
    <>
      <tr>
        <td>{user.email}</td>
        <td>
          <form
            className="inline"
            onSubmit={(e) => {
              e.preventDefault();
              setRoleM.mutate({ email: user.email, role: role as Role });
            }}
          >
            <select
              aria-label={`Role of ${user.email}`}
              value={role}
              onChange={(e) => setRole(e.target.value)}
            >
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button type="submit" disabled={pending || role === user.role}>
              Change role
            </button>
          </form>
        </td>
        <td>{user.disabledAt ? `disabled ${time(user.disabledAt)}` : 'enabled'}</td>
        <td>{time(user.createdAt)}</td>
        <td>
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              const disable = !user.disabledAt;
              if (
                disable &&
                !window.confirm(`Disable ${user.email}? Their open sessions end at once.`)
              ) {
                return;
              }
              setDisabled.mutate({ email: user.email, disabled: disable });
            }}
          >
            {user.disabledAt ? 'Enable' : 'Disable'}
          </button>{' '}
          <button type="button" aria-expanded={resetting} onClick={() => setResetting(!resetting)}>
            Reset password
          </button>
        </td>
      </tr>
      {resetting && (
        <tr>
          <td colSpan={5}>
            <form
              className="inline"
              onSubmit={(e) => {
                e.preventDefault();
                const f = new FormData(e.currentTarget);
                reset.mutate({ email: user.email, password: String(f.get('password')) });
              }}
            >
              <label>
                New password for {user.email} (12+ characters)
                <input
                  name="password"
                  type="password"
                  minLength={12}
                  maxLength={128}
                  required
                  autoComplete="new-password"
                />
              </label>
              <button type="submit" disabled={pending}>
                Set password
              </button>
            </form>
          </td>
        </tr>
      )}
      {error && (
        <tr>
          <td colSpan={5}>
            <p role="alert" className="error">
              Refused: {error.message}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
