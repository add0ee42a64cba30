// Bundles the `sluice` CLI into one ES module, dist/sluice.mjs, for the container image: the
// workspace packages export TypeScript sources, which bin/sluice.mjs compiles on load with tsx;
// an image runs compiled JavaScript instead, without tsx or the sources.
//
// esbuild is the compiler tsx already runs on these sources, taken from tsx's own dependency so
// the bundle compiles them exactly as the development CLI does, with no new dependency.
// Kept out of the bundle: the Kafka client (a native addon that loads its .node file and
// librdkafka from its own package folder at run time) and optional modules nothing here installs.
// At run time the bundle expects, beside its folder: ../package.json (the version) and
// ../drizzle (@sluice/db's migrations, found with `new URL('../drizzle', import.meta.url)`).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const esbuild = createRequire(require.resolve('tsx'))('esbuild');

const result = await esbuild.build({
  entryPoints: [join(here, 'src/cli.ts')],
  outfile: join(here, 'dist/sluice.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  external: ['@confluentinc/kafka-javascript', 'pg-native', '@aws-sdk/signature-v4-crt'],
  // CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __sluiceCreateRequire } from 'node:module';\nconst require = __sluiceCreateRequire(import.meta.url);",
  },
  // Readable stack traces in worker logs (they name functions and files): no minification.
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`bundle: dist/sluice.mjs and its source map, ${(bytes / 1e6).toFixed(1)} MB`);
