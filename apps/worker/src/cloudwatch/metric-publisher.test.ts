import type { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { failureReason, publishMetricData } from './metric-publisher.ts';

describe('publishMetricData', () => {
  it('sends every request, and a failed one costs only its own metric data, counted with why', async () => {
    const sizes: number[] = [];
    const client = {
      send: async (command: PutMetricDataCommand) => {
        const n = command.input.MetricData?.length ?? 0;
        sizes.push(n);
        if (sizes.length === 2) {
          throw Object.assign(new Error('Internal Server Error\nmore'), {
            name: 'InternalFailure',
            $metadata: { httpStatusCode: 500 },
          });
        }
        return {};
      },
    } as unknown as CloudWatchClient;
    const data = Array.from({ length: 2300 }, (_, i) => ({ MetricName: 'MaxOffsetLag', Value: i }));
    const r = await publishMetricData(client, 'Sluice', data);
    expect(sizes).toEqual([1000, 1000, 300]);
    expect(r).toEqual({
      requests: 3,
      sent: 1300,
      failed: 1000,
      errors: ['1000 metrics: HTTP 500 InternalFailure: Internal Server Error'],
    });
  });
});

describe('failureReason', () => {
  it('is the HTTP status, the error name and the first line of the message', () => {
    // What the SDK threw for moto's HTML error page.
    const err = Object.assign(
      new SyntaxError(
        'Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.',
      ),
      { $metadata: { httpStatusCode: 500 } },
    );
    expect(failureReason(err)).toBe(
      'HTTP 500 SyntaxError: Unexpected token \'<\', "<!doctype "... is not valid JSON',
    );
  });

  it('does without a status', () => {
    expect(failureReason(new Error('connect ECONNREFUSED 127.0.0.1:4566'))).toBe(
      'Error: connect ECONNREFUSED 127.0.0.1:4566',
    );
  });
});
