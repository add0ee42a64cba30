'use client';
// Loading and error states shared by every panel, announced to screen readers.
import type { ReactNode } from 'react';

export function Loading({ what }: { what: string }) {
  return (
    <p role="status" className="muted">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ error }: { error: { message: string } }) {
  return (
    <p role="alert" className="error">
      Could not load: {error.message}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}
