import { describe, expect, it } from 'vitest';
import { createEventRouter } from './event-router.ts';
import { DEFAULT_ROUTING, type RoutingConfig } from './routing-config.ts';

describe('createEventRouter with the default table', () => {
  const route = createEventRouter(DEFAULT_ROUTING);

  it.each([
    ['pageview', ['timescaledb', 'redis', 's3'], ['behaviour', 'realtime', 'archive']],
    ['click', ['timescaledb', 'redis', 's3'], ['behaviour', 'realtime', 'archive']],
    ['error', ['elasticsearch', 'redis', 's3'], ['errors', 'realtime', 'archive']],
    ['exception', ['elasticsearch', 'redis', 's3'], ['errors', 'realtime', 'archive']],
    ['signup', ['redis', 's3'], ['realtime', 'archive', 'unmatched']],
  ])('routes %s', (type, destinations, rules) => {
    expect(route({ event_id: 'e', type })).toEqual({ destinations, rules });
  });
});

describe('createEventRouter with field conditions', () => {
  const config: RoutingConfig = {
    rules: [
      {
        name: 'eu-clicks',
        match: {
          type: ['click'],
          where: { 'geo.country_code': ['DE', 'FR'], 'ua.is_bot': [false] },
        },
        destinations: ['timescaledb'],
      },
      { name: 'errors', match: { type: ['error'] }, destinations: ['elasticsearch'] },
    ],
    unmatched: ['s3'],
  };
  const route = createEventRouter(config);

  it('matches only when every field condition holds', () => {
    const click = (country: string, bot: boolean) => ({
      type: 'click',
      geo: { country_code: country },
      ua: { is_bot: bot },
    });
    expect(route(click('DE', false))).toEqual({
      destinations: ['timescaledb'],
      rules: ['eu-clicks'],
    });
    expect(route(click('DE', true))).toEqual({ destinations: ['s3'], rules: ['unmatched'] });
    expect(route(click('US', false))).toEqual({ destinations: ['s3'], rules: ['unmatched'] });
    expect(route({ type: 'click', geo: null })).toEqual({
      destinations: ['s3'],
      rules: ['unmatched'],
    });
  });

  it('sends an event with no usable type to the unmatched destinations', () => {
    expect(route({ event_id: 'x' })).toEqual({ destinations: ['s3'], rules: ['unmatched'] });
  });
});
