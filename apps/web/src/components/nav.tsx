'use client';
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { authClient } from '~/auth-client.ts';

const LINKS = [
  { href: '/', label: 'Overview', admin: false },
  { href: '/groups', label: 'Consumer groups', admin: false },
  { href: '/stages', label: 'Stages', admin: false },
  { href: '/routing', label: 'Routing', admin: false },
  { href: '/aggregates', label: 'Window aggregates', admin: false },
  { href: '/dlq', label: 'Dead-letter queue', admin: false },
  { href: '/topics', label: 'Topics', admin: false },
  { href: '/trace', label: 'Event trace', admin: false },
  { href: '/audit', label: 'Audit log', admin: true },
  { href: '/users', label: 'Users', admin: true },
];

export function Nav({ email, role, isAdmin }: { email: string; role: string; isAdmin: boolean }) {
  const path = usePathname();
  const router = useRouter();
  return (
    <nav className="sidebar" aria-label="Console">
      <div className="brand">Sluice</div>
      <ul>
        {LINKS.filter((l) => isAdmin || !l.admin).map((l) => (
          <li key={l.href}>
            <Link href={l.href} aria-current={path === l.href ? 'page' : undefined}>
              {l.label}
            </Link>
          </li>
        ))}
      </ul>
      <div className="who">
        {email}
        <br />
        <span className="badge">{role}</span>
      </div>
      <button
        type="button"
        className="link"
        onClick={async () => {
          await authClient.signOut();
          router.replace('/sign-in');
          router.refresh();
        }}
      >
        Sign out
      </button>
    </nav>
  );
}
