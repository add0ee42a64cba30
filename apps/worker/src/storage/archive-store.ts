// Where the archive's objects go: S3 (multipart for large objects via @aws-sdk/lib-storage) or a
// local directory for development (written to a temporary name and renamed, so a reader never
// sees half an object). Both overwrite an existing key, which makes retried writes idempotent.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export interface ArchiveStore {
  /** Human-readable location, for logs. */
  readonly location: string;
  /** Prefix of every key (from the URL's path). */
  readonly prefix: string;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer | null>;
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
    close: () => client.destroy(),
  };
}
