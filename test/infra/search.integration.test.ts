// The search engine indexes and finds documents, with the mapping types the error index uses
// (text, keyword, date, geo_point) and per-item bulk results.
import { Client } from '@elastic/elasticsearch';
import { afterAll, describe, expect, it } from 'vitest';
import { testEnv, uniqueName } from '../env.ts';

const es = new Client({ node: testEnv.searchUrl });
const index = uniqueName('it-search').toLowerCase();

afterAll(async () => {
  await es.indices.delete({ index, ignore_unavailable: true });
  await es.close();
});

describe('search engine', () => {
  it('indexes with an explicit mapping, reports per-item bulk results, and finds documents', async () => {
    await es.indices.create({
      index,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: 'strict',
        properties: {
          message: { type: 'text' },
          browser: { type: 'keyword' },
          timestamp: { type: 'date' },
          location: { type: 'geo_point' },
        },
      },
    });
    const docs = [
      {
        _id: 'e1',
        message: 'TypeError: price is undefined',
        browser: 'Chrome',
        location: { lat: 51.5, lon: -0.1 },
      },
      {
        _id: 'e2',
        message: 'ReferenceError: gtag is not defined',
        browser: 'Firefox',
        location: { lat: 52.5, lon: 13.4 },
      },
    ];
    const bulk = await es.bulk({
      refresh: 'wait_for',
      operations: [
        ...docs.flatMap(({ _id, ...doc }) => [
          { create: { _index: index, _id } },
          { ...doc, timestamp: '2026-11-27T10:00:00Z' },
        ]),
        // The same id again (a replay) and a document that breaks the strict mapping.
        { create: { _index: index, _id: 'e1' } },
        { message: 'again', browser: 'Chrome', timestamp: '2026-11-27T10:00:00Z' },
        { create: { _index: index, _id: 'e3' } },
        { unknown_field: 1 },
      ],
    });
    expect(bulk.errors).toBe(true);
    expect(bulk.items.map((i) => i.create?.status)).toEqual([201, 201, 409, 400]);

    expect((await es.count({ index })).count).toBe(2);
    const found = await es.search({ index, query: { term: { browser: 'Firefox' } } });
    expect(found.hits.hits.map((h) => h._id)).toEqual(['e2']);
    const text = await es.search({ index, query: { match: { message: 'typeerror' } } });
    expect(text.hits.hits.map((h) => h._id)).toEqual(['e1']);
    const near = await es.search({
      index,
      query: { geo_distance: { distance: '50km', location: { lat: 52.52, lon: 13.4 } } },
    });
    expect(near.hits.hits.map((h) => h._id)).toEqual(['e2']);
  });
});
