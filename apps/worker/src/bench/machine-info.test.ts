import { describe, expect, it } from 'vitest';
import { brokerVersion, listeningInodes } from './machine-info.ts';

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

describe('listening sockets of a port', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:2384 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 427360 1 0 100 0 0 10 0',
    '   1: 0100007F:4A94 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 443393 1 0 100 0 0 10 0',
    '   2: 0100007F:2384 0100007F:D1F2 01 00000000:00000000 00:00000000 00000000     0        0 555555 1 0 100 0 0 10 0',
  ].join('\n');

  it('finds the listener of the port (9092 = 0x2384), not its connections or other ports', () => {
    expect([...listeningInodes(tcp, 9092)]).toEqual(['427360']);
    expect([...listeningInodes(tcp, 19092)]).toEqual(['443393']);
    expect(listeningInodes(tcp, 1234).size).toBe(0);
  });
});
