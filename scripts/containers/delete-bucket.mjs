// Empties and deletes one bucket of the local S3 endpoint (moto): a container test's own archive.
// moto refuses unsigned deletes, so this signs with the worker's S3 client and moto's
// any-credentials. Usage: node scripts/containers/delete-bucket.mjs <bucket> [endpoint]
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const [bucket, endpoint = 'http://127.0.0.1:4566'] = process.argv.slice(2);
if (!bucket) throw new Error('usage: delete-bucket.mjs <bucket> [endpoint]');
const require = createRequire(
  fileURLToPath(new URL('../../apps/worker/package.json', import.meta.url)),
);
const { S3Client, ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } =
  require('@aws-sdk/client-s3');
const s3 = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
let deleted = 0;
for (;;) {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
  if (keys.length === 0) break;
  await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  deleted += keys.length;
}
await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
console.log(`deleted bucket ${bucket} (${deleted} objects)`);
