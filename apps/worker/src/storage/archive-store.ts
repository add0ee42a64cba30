// Where the archive's objects go: S3 (multipart for large objects via @aws-sdk/lib-storage) or a
// local directory for development (written to a temporary name and renamed, so a reader never
// sees half an object). Both overwrite an existing key, which makes retried writes idempotent.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export interface ArchiveStore {
  /** Human-readable location, for logs. */
  readonly location: string;
  /** Prefix of every key (from the URL's path). */
  readonly prefix: string;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  /** Keys that start with `keyPrefix` (a whole key prefix, including the store's). */
  list(keyPrefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  close(): void;
}

export interface S3Options {
  endpoint?: string | undefined;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Objects above this size are uploaded in parts of this size. */
  partSizeBytes?: number;
}

export function openArchiveStore(url: string, s3: S3Options): ArchiveStore {
  if (url.startsWith('file://')) {
    const root = fileURLToPath(url);
    return {
      location: url,
      prefix: '',
      async put(key, body) {
        const path = join(root, key);
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.tmp-${process.pid}`;
        await writeFile(tmp, body);
        await rename(tmp, path);
      },
      async get(key) {
        try {
          return await readFile(join(root, key));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
          throw err;
        }
      },
      async list(keyPrefix) {
        const dir = join(root, dirname(`${keyPrefix}x`));
        const base = keyPrefix.slice(keyPrefix.lastIndexOf('/') + 1);
        try {
          const rel = dirname(`${keyPrefix}x`);
          return (await readdir(dir))
            .filter((n) => n.startsWith(base) && !n.includes('.tmp-'))
            .map((n) => (rel === '.' ? n : `${rel}/${n}`));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
          throw err;
        }
      },
      async delete(key) {
        await rm(join(root, key), { force: true });
      },
      close() {},
    };
  }
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new Error(`not an archive URL: ${url}`);
  const bucket = m[1] as string;
  const prefix = m[2] && !m[2].endsWith('/') ? `${m[2]}/` : (m[2] ?? '');
  const client = new S3Client({
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint, forcePathStyle: true } : {}),
    ...(s3.credentials ? { credentials: s3.credentials } : {}),
    maxAttempts: 1,
    // Without these a write to an endpoint that stopped answering waited for ever (the SDK has
    // no request timeout by default, and only warns at one unless told to throw): the sink was
    // never marked down and the outage never retried. 10 s of silence on the socket, as the
    // other sinks' request timeouts.
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    },
  });
  return {
    location: url,
    prefix,
    async put(key, body, contentType) {
      // lib-storage sends one PutObject below partSize and a multipart upload above it.
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize: Math.max(s3.partSizeBytes ?? 8 * 1024 * 1024, 5 * 1024 * 1024),
        queueSize: 4,
        leavePartsOnError: false,
      }).done();
    },
    async get(key) {
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from((await r.Body?.transformToByteArray()) ?? []);
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey')
          return null;
        throw err;
      }
    },
    async list(keyPrefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: keyPrefix, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.NextContinuationToken;
      } while (token);
      return keys;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    close: () => client.destroy(),
  };
}
