import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = { title: 'Sluice console' };

// Every page is rendered per request, the sign-in form and the 404 page too: the CSP nonce is
// new on every request (middleware.ts), and a page prerendered at build time would carry
// scripts without it, which the policy blocks.
export const dynamic = 'force-dynamic';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
