// Next.js config for the operator console. The Kafka clients stay out of the bundle: the native
// addon must be loaded from node_modules at run time, and @platformatic/kafka (the topic
// settings) loads its CRC32C implementation (native or WebAssembly) at run time too. Only
// @sluice/kafka imports them, but the console lists them as dependencies too, so Next can
// resolve them from here and leave them out of the bundle.
import type { NextConfig } from 'next';
import { STATIC_SECURITY_HEADERS } from './src/server/auth/security-headers.ts';

const config: NextConfig = {
  // A self-contained server (server.js and the node_modules it traces) for the console image.
  output: 'standalone',
  serverExternalPackages: ['@confluentinc/kafka-javascript', '@platformatic/kafka'],
  // The workspace packages ship TypeScript sources (`.ts` imports); Next compiles them.
  transpilePackages: ['@sluice/auth', '@sluice/core', '@sluice/db', '@sluice/kafka'],
  poweredByHeader: false,
  reactStrictMode: true,
  // On every response, assets and API included; the CSP (per-request nonce) and HSTS (only over
  // HTTPS) come from the middleware.
  async headers() {
    return [{ source: '/:path*', headers: [...STATIC_SECURITY_HEADERS] }];
  },
  // Lint and type checks are separate scripts (biome, tsc); a build on two cores skips them.
  eslint: { ignoreDuringBuilds: true },
  typescript: { ignoreBuildErrors: true },
  webpack(config: { module: { rules: unknown[] } }) {
    // @sluice/db locates its migrations folder with `new URL('../drizzle', import.meta.url)`,
    // which webpack would try to bundle as an asset. The console never runs migrations.
    config.module.rules.push({
      test: /packages[\\/]db[\\/]src[\\/]migrate\.ts$/,
      parser: { url: false },
    });
    return config;
  },
};

export default config;
