'use client';
// Replay history: every job (who, when, what was selected, where to, the rate, an edit, dry
// run or not) with its entries counted by state, and one job's entries with their outcomes:
// succeeded, failed again (linked to the new entry), or skipped and why. A job whose runner
// died mid-run shows as stopped, with what is left; an operator resumes it, which hands it back
// to the dlq-indexer workers (never sending an entry twice: see dlq.resume).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { time } from '~/components/format.ts';
import { Empty, ErrorState, Loading } from '~/components/query-state.tsx';
import { useTRPC } from '~/trpc/react.tsx';

/** Resume, one mutation for the page: its outcome stays shown after the job's state moves on. */
function useResume() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.dlq.resume.mutationOptions({
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.dlq.jobs.queryKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.dlq.job.queryKey() }),
        ]),
    }),
  );
}
type Resume = ReturnType<typeof useResume>;

function ResumeOutcome({ resume }: { resume: Resume }) {
  if (resume.isError) return <ErrorState error={resume.error} />;
  return (
    <p role="status">
      {resume.isSuccess
        ? `Job ${resume.data.jobId} handed to the workers: ${resume.data.left} left to send.`
        : ''}
    </p>
  );
}

/** A job's state as the server reads it: recorded status and whether a runner holds it. */
function JobState({
  job,
  resume,
}: {
  job: { id: number; state: string; summary: string; resumable: boolean };
  /** Undefined for those who may not resume (viewers). */
  resume: Resume | undefined;
}) {
  return (
    <>
      <strong>{job.state}</strong>
      <span className="muted"> ({job.summary})</span>
      {resume && job.resumable && (
        <>
          {' '}
          <button
            type="button"
            aria-label={`Resume job ${job.id}`}
            disabled={resume.isPending}
            onClick={() => resume.mutate({ id: job.id })}
          >
            Resume
          </button>
        </>
      )}
    </>
  );
}

const countsText = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'no entries';

function JobDetail({ id, resume }: { id: number; resume: Resume | undefined }) {
  const trpc = useTRPC();
  const q = useQuery({
    ...trpc.dlq.job.queryOptions({ id }),
    refetchInterval: (query) => {
      const c = query.state.data?.job.counts ?? {};
      const waiting = query.state.data?.job.state === 'waiting';
      return waiting || (c.pending ?? 0) + (c.sending ?? 0) + (c.sent ?? 0) > 0 ? 2000 : false;
    },
  });
  return (
    <section className="panel" aria-labelledby="dlq-job-h">
      <h2 id="dlq-job-h">Job {id}</h2>
      {q.isPending ? (
        <Loading what={`job ${id}`} />
      ) : q.isError ? (
        <ErrorState error={q.error} />
      ) : q.data === null ? (
        <Empty>No replay job {id}.</Empty>
      ) : (
        <>
          <p>
            <JobState job={q.data.job} resume={resume} />
          </p>
          <p>
            By {q.data.job.createdBy}, {time(q.data.job.createdAt)}; {countsText(q.data.job.counts)}
          </p>
          <table>
            <caption className="sr-only">The job's entries and their outcomes</caption>
            <thead>
              <tr>
                <th scope="col">Entry</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {q.data.rows.map((r) => (
                <tr key={r.entryId}>
                  <td>
                    <a href={`/dlq?entry=${r.entryId}`}>#{r.entryId}</a>
                  </td>
                  <td>{r.eventId ?? '—'}</td>
                  <td>{r.state}</td>
                  <td className="wrap">
                    {r.skipReason ? `${r.skipReason}: ${r.skipDetail}` : null}
                    {r.newEntryId ? (
                      <>
                        new entry <a href={`/dlq?entry=${r.newEntryId}`}>#{r.newEntryId}</a>
                      </>
                    ) : null}
                    {r.edited ? ' (edited)' : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

export function DlqJobs({ canAct = false }: { canAct?: boolean }) {
  const trpc = useTRPC();
  const open = Number(useSearchParams().get('job'));
  const resumeAction = useResume();
  const resume = canAct ? resumeAction : undefined;
  // Followed while a job is running or waiting, so a resumed job is seen to finish.
  const jobs = useQuery({
    ...trpc.dlq.jobs.queryOptions({ limit: 100 }),
    refetchInterval: (query) =>
      query.state.data?.some((j) => j.state === 'running' || j.state === 'waiting') ? 2000 : false,
  });
  return (
    <>
      <h1>Replay jobs</h1>
      <p>
        <a href="/dlq">Back to the dead-letter inbox</a>
      </p>
      <section className="panel" aria-labelledby="dlq-jobs-h">
        <h2 id="dlq-jobs-h">Jobs, newest first</h2>
        {resume && <ResumeOutcome resume={resume} />}
        {jobs.isPending ? (
          <Loading what="the replay jobs" />
        ) : jobs.isError ? (
          <ErrorState error={jobs.error} />
        ) : jobs.data.length === 0 ? (
          <Empty>No replay job yet.</Empty>
        ) : (
          <table>
            <caption className="sr-only">Replay jobs with their entries by state</caption>
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">To</th>
                <th scope="col">State</th>
                <th scope="col">Entries</th>
              </tr>
            </thead>
            <tbody>
              {jobs.data.map((j) => (
                <tr key={j.id}>
                  <td>
                    <a href={`/dlq/jobs?job=${j.id}`}>
                      {j.id}
                      {j.dryRun ? ' (dry run)' : ''}
                    </a>
                  </td>
                  <td>{time(j.createdAt)}</td>
                  <td>{j.createdBy}</td>
                  <td>
                    {j.targetStage ?? 'source topic'}
                    {j.rateLimit ? ` at ${j.rateLimit}/s` : ''}
                    {j.edit ? ` (${String((j.edit as { kind?: unknown }).kind)})` : ''}
                  </td>
                  <td className="wrap">
                    <JobState job={j} resume={resume} />
                  </td>
                  <td>{countsText(j.counts)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {Number.isSafeInteger(open) && open > 0 && <JobDetail id={open} resume={resume} />}
    </>
  );
}
