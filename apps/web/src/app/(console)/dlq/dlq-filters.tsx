'use client';
// The inbox's filters as a GET form: submitted, it becomes the URL (so a view can be linked);
// the open group and entry are closed, since they may no longer match.
import { useRouter } from 'next/navigation';
import { type DlqView, hrefOf, STATUSES } from './dlq-params.ts';

export function DlqFilters({ view }: { view: DlqView }) {
  const router = useRouter();
  return (
    <form
      className="inline"
      method="get"
      action="/dlq"
      aria-label="Filter the inbox"
      onSubmit={(ev) => {
        ev.preventDefault();
        const data = new FormData(ev.currentTarget);
        const field = (k: string) => {
          const v = data.get(k);
          return typeof v === 'string' && v.trim() ? v.trim() : undefined;
        };
        router.push(
          hrefOf({
            stage: field('stage'),
            errorClass: field('errorClass'),
            eventType: field('eventType'),
            status: field('status') as DlqView['status'],
            since: field('since'),
            until: field('until'),
            q: field('q'),
          }),
        );
      }}
    >
      <label>
        Stage
        <input name="stage" defaultValue={view.stage ?? ''} maxLength={200} />
      </label>
      <label>
        Error class
        <input name="errorClass" defaultValue={view.errorClass ?? ''} maxLength={200} />
      </label>
      <label>
        Event type
        <input name="eventType" defaultValue={view.eventType ?? ''} maxLength={200} />
      </label>
      <label>
        Status
        <select name="status" defaultValue={view.status ?? ''}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Failed from (UTC)
        <input type="datetime-local" name="since" defaultValue={view.since ?? ''} />
      </label>
      <label>
        until (UTC)
        <input type="datetime-local" name="until" defaultValue={view.until ?? ''} />
      </label>
      <label>
        Text in message or payload
        <input
          type="search"
          name="q"
          defaultValue={view.q ?? ''}
          minLength={3}
          maxLength={200}
          placeholder="3 characters or more"
        />
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}
