import { describe, expect, it } from 'vitest';
import { brokerVersion } from './machine-info.ts';

describe('broker version from its command line', () => {
  it('reads the server jar named on the class path', () => {
    const cmd = [
      'java',
      '-Xmx512m',
      '-cp',
      '/opt/kafka/libs/kafka-server-4.4.0.jar:/x/y.jar',
      'kafka.Kafka',
    ];
    expect(brokerVersion(cmd)).toBe('4.4.0');
    expect(brokerVersion(['java', '-cp', '/opt/libs/kafka_2.13-3.9.1.jar', 'kafka.Kafka'])).toBe(
      '3.9.1',
    );
  });

  it('says unknown when the class path names no Kafka jar', () => {
    expect(brokerVersion(['java', '-cp', '/nowhere/*', 'kafka.Kafka'])).toBe('unknown');
    expect(brokerVersion(['java', 'kafka.Kafka'])).toBe('unknown');
  });
});
