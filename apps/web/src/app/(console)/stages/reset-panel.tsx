'use client';
// Offset reset of a stopped stage, for admins: choose the target, preview what it does per
// partition (committed now, new, read again, skipped), then type the group name to apply.
// Kafka refuses to move the offsets of a group with members; the preview says so first.
import type { StageName } from '@sluice/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { num } from '~/components/format.ts';
import { ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

type Target =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'timestamp'; at: string }
  | { kind: 'offsets'; spec: string };

export function ResetPanel({
  stages,
}: {
  stages: { stage: StageName; label: string; state: string }[];
}) {
  const trpc = useTRPC();
  const [stage, setStage] = useState<StageName>(stages[0]?.stage ?? 'enrichment');
  const [kind, setKind] = useState<Target['kind']>('earliest');
  const [at, setAt] = useState('');
  const [spec, setSpec] = useState('');
  const [asked, setAsked] = useState<{ stage: StageName; target: Target } | null>(null);
  const [confirm, setConfirm] = useState('');
  const target = (): Target =>
    kind === 'timestamp'
      ? { kind, at: at ? new Date(at).toISOString() : '' }
      : kind === 'offsets'
        ? { kind, spec }
        : { kind };
  const preview = useQuery({
    ...trpc.stages.resetPreview.queryOptions(asked ?? { stage, target: { kind: 'earliest' } }),
    enabled: asked !== null,
  });
  const apply = useMutation(trpc.stages.reset.mutationOptions());
  const current = stages.find((s) => s.stage === stage);
  return (
    <section className="panel" aria-labelledby="reset-h">
      <h2 id="reset-h">Reset offsets</h2>
      <p className="muted">
        For a stopped stage: Kafka does not move the offsets of a group that has members. Records
        read again are processed again.
      </p>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          apply.reset();
          setConfirm('');
          setAsked({ stage, target: target() });
        }}
      >
        <label>
          Stage
          <select value={stage} onChange={(e) => setStage(e.currentTarget.value as StageName)}>
            {stages.map((s) => (
              <option key={s.stage} value={s.stage}>
                {s.label} ({s.state})
              </option>
            ))}
          </select>
        </label>
        <label>
          To
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as Target['kind'])}>
            <option value="earliest">earliest</option>
            <option value="latest">latest</option>
            <option value="timestamp">a time</option>
            <option value="offsets">explicit offsets</option>
          </select>
        </label>
        {kind === 'timestamp' && (
          <label>
            Time
            <input
              type="datetime-local"
              value={at}
              required
              onChange={(e) => setAt(e.currentTarget.value)}
            />
          </label>
        )}
        {kind === 'offsets' && (
          <label>
            Offsets (partition=offset or topic:partition=offset, comma-separated)
            <input
              value={spec}
              required
              maxLength={4000}
              onChange={(e) => setSpec(e.currentTarget.value)}
            />
          </label>
        )}
        <button type="submit">Preview</button>
      </form>
      {current && current.state !== 'stopped' && (
        <p role="note">
          {current.label} is {current.state}: stop it before a reset can apply.
        </p>
      )}
      {asked &&
        (preview.isPending ? (
          <Loading what="the reset plan" />
        ) : preview.isError ? (
          <ErrorState error={preview.error} />
        ) : (
          <>
            <table aria-label="Reset plan">
              <thead>
                <tr>
                  <th scope="col">Partition</th>
                  <th scope="col" className="num">
                    Now
                  </th>
                  <th scope="col" className="num">
                    New
                  </th>
                  <th scope="col" className="num">
                    Read again
                  </th>
                  <th scope="col" className="num">
                    Skipped
                  </th>
                </tr>
              </thead>
              <tbody>
                {preview.data.rows.map((r) => (
                  <tr key={`${r.topic}:${r.partition}`}>
                    <td>
                      {r.topic}[{r.partition}]
                    </td>
                    <td className="num">{r.current === null ? 'none' : num(r.current)}</td>
                    <td className="num">{num(r.next)}</td>
                    <td className="num">{num(r.reprocess)}</td>
                    <td className="num">{num(r.skip)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p>
              Total: {num(preview.data.reprocess)} read again, {num(preview.data.skip)} skipped.
            </p>
            {preview.data.errors.length > 0 && (
              <p role="alert" className="error">
                {preview.data.errors.join('; ')}
              </p>
            )}
            {preview.data.members > 0 ? (
              <p role="alert" className="error">
                {preview.data.group} has {preview.data.members} member(s): Kafka does not change the
                offsets of a group that has members. Stop the stage first.
              </p>
            ) : (
              preview.data.errors.length === 0 && (
                <form
                  className="inline"
                  onSubmit={(e) => {
                    e.preventDefault();
                    apply.mutate({ ...asked, confirm });
                  }}
                >
                  <label>
                    Type the group name, {preview.data.group}, to apply
                    <input
                      value={confirm}
                      onChange={(e) => setConfirm(e.currentTarget.value)}
                      name="confirm"
                    />
                  </label>
                  <button
                    type="submit"
                    disabled={confirm !== preview.data.group || apply.isPending}
                  >
                    Apply reset
                  </button>
                </form>
              )
            )}
            {apply.isError && <ErrorState error={apply.error} />}
            {apply.isSuccess && (
              <p role="status">
                {apply.data.group}: offsets reset on {apply.data.partitions} partitions (
                {num(apply.data.reprocess)} to read again, {num(apply.data.skip)} skipped). Resume
                the stage to go on.
              </p>
            )}
          </>
        ))}
    </section>
  );
}
