import { describe, expect, it } from 'vitest';
import { cloudWatchClientConfig } from './cloudwatch-client.ts';

describe('cloudWatchClientConfig', () => {
  it('sends plain bodies and dummy credentials to an emulator endpoint', () => {
    const c = cloudWatchClientConfig({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
    });
    expect(c).toMatchObject({
      endpoint: 'http://127.0.0.1:4566',
      disableRequestCompression: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  it('leaves AWS itself to the SDK defaults (compression on, the credential chain)', () => {
    expect(cloudWatchClientConfig({ AWS_ENDPOINT_URL: '', AWS_REGION: 'eu-west-1' })).toEqual({
      region: 'eu-west-1',
    });
  });
});
