// The application version stamped on DLQ records and metrics: the worker package's version.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
export const APP_VERSION = pkg.version;
