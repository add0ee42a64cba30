// moto server (PyPI) as the local S3 and CloudWatch endpoint. It is installed, pinned, into a
// virtualenv in the artifact cache, so no system Python packages are touched.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { httpGet, urlPort } from './probes.ts';
import { type ServiceContext, StackError, type StackService } from './service.ts';

const MOTO_VERSION = '5.2.1';
const run = promisify(execFile);

const venv = (ctx: ServiceContext) => join(ctx.paths.cache, `moto-${MOTO_VERSION}`);
const port = (ctx: ServiceContext) =>
  urlPort(ctx.env.AWS_ENDPOINT_URL || 'http://127.0.0.1:4566', 4566);

export const motoService: StackService = {
  name: 'moto',
  startTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  ports: (ctx) => [port(ctx)],
  endpoint: (ctx) => `http://127.0.0.1:${port(ctx)}`,

  async prepare(ctx) {
    const bin = join(venv(ctx), 'bin', 'moto_server');
    if (existsSync(bin)) return;
    ctx.progress(`moto: installing moto[server]==${MOTO_VERSION} into ${venv(ctx)}`);
    try {
      // Asynchronous: the other services' artifacts download meanwhile.
      await run('python3', ['-m', 'venv', venv(ctx)]);
      await run(join(venv(ctx), 'bin', 'pip'), [
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `moto[server]==${MOTO_VERSION}`,
      ]);
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
      throw new StackError(
        `moto: could not install moto[server] from PyPI into ${venv(ctx)} (needs python3 with venv, e.g. apt-get install -y python3-venv): ${stderr || (err as Error).message}`,
      );
    }
  },

  processes: (ctx) => [
    {
      name: 'moto',
      spec: {
        command: join(venv(ctx), 'bin', 'moto_server'),
        args: ['-H', '127.0.0.1', '-p', String(port(ctx))],
      },
    },
  ],

  async health(ctx) {
    // The dashboard page, not /moto-api/data.json: that one serialises every backend's state
    // and answers 500 for good once a bucket was deleted while moto still held its objects
    // (MissingBucket), which then failed every later `stack up`.
    const res = await httpGet(`http://127.0.0.1:${port(ctx)}/moto-api/`);
    if (res?.status === 200)
      return { healthy: true, detail: `moto ${MOTO_VERSION} (S3, CloudWatch)` };
    return { healthy: false, detail: res ? `HTTP ${res.status}` : 'no answer' };
  },
};
