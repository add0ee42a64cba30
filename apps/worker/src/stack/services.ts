// The services of the local stack, in start order (stop runs in reverse).
import { kafkaService } from './kafka.service.ts';
import { motoService } from './moto.service.ts';
import { postgresService } from './postgres.service.ts';
import { redisService } from './redis.service.ts';
import { searchService } from './search.service.ts';
import type { ServiceContext, StackService } from './service.ts';

export function stackServices(_ctx: ServiceContext): StackService[] {
  return [postgresService, redisService, motoService, kafkaService, searchService];
}
