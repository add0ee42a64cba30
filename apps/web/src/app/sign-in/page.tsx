import { Suspense } from 'react';
import { SignInForm } from './sign-in-form.tsx';

export default function SignInPage() {
  return (
    <main className="signin">
      <div className="panel">
        <h1>Sign in to Sluice</h1>
        <Suspense>
          <SignInForm />
        </Suspense>
      </div>
    </main>
  );
}
