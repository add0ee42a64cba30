// Runs once when the console's server process starts (Next.js instrumentation hook).
export async function register() {
  // Node.js only: the edge runtime has no sockets to read.
  // biome-ignore lint/style/noProcessEnv: the runtime Next.js loads this file in, set by Next.js
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { installPeerAddressStamp } = await import('./server/peer-address.ts');
    installPeerAddressStamp();
  }
}
