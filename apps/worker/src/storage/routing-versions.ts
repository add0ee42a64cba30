// The storage writers' routing rules from PostgreSQL: the version in force is polled every couple
// of seconds (one indexed row read; a worker restart or a missed poll needs no replay of
// messages, since the table is the state). A routing file given at start (STORAGE_ROUTING_CONFIG)
// is imported as a version when it differs from the one in force, and again when it changes.
// The watch keeps routing-file.ts's shape (`current()`, `close()`), so the stage reads the rules
// once per batch as before: a new version applies from the next batch, never inside one.
// PostgreSQL away: the rules in force stay (at start, the file's or the built-in table), and the
// poll goes on.
import {
  createEventRouter,
  DEFAULT_ROUTING,
  type EventRouter,
  parseRoutingConfig,
  type RoutingConfig,
} from '@sluice/core';
import {
  type Database,
  getRoutingVersion,
  importRoutingFile,
  type RoutingImport,
  routingVersionInForce,
} from '@sluice/db';
import { Gauge, type Registry } from 'prom-client';
import { watchFileVersions } from '../file-watch.ts';
import { loadRoutingConfig, type RoutingWatch } from './routing-file.ts';

/** What the watch needs of PostgreSQL (routing-version-store.ts in @sluice/db). */
export interface RoutingVersionSource {
  versionInForce(): Promise<number | null>;
  config(version: number): Promise<unknown | null>;
  importFile(config: RoutingConfig, note: string): Promise<RoutingImport>;
}

export function routingVersionSource(db: Database, workerId: string): RoutingVersionSource {
  return {
    versionInForce: () => routingVersionInForce(db),
    config: async (version) => (await getRoutingVersion(db, version))?.config ?? null,
    importFile: (config, note) =>
      importRoutingFile(db, config as unknown as Record<string, unknown>, {
        by: `worker:${workerId}`,
        note,
      }),
  };
}

export interface VersionedRoutingWatch extends RoutingWatch {
  /** The version `current()` is, or null while none could be read (the file's or the default). */
  version(): number | null;
  /** One poll now (tests; the timer calls it too). */
  sync(): Promise<void>;
}

export interface RoutingVersionsOptions {
  source: RoutingVersionSource;
  /** STORAGE_ROUTING_CONFIG, when given. */
  file: string | undefined;
  log: (message: string) => void;
  pollMs?: number;
  /** How long the start waits for the first read. */
  startWaitMs?: number;
}

export async function watchRoutingVersions(
  o: RoutingVersionsOptions,
): Promise<VersionedRoutingWatch> {
  // A bad file still stops the worker at start, naming the key (routing-file.ts).
  let fileConfig: RoutingConfig | null = o.file ? loadRoutingConfig(o.file) : null;
  let fileImported = false;
  let config: RoutingConfig = fileConfig ?? DEFAULT_ROUTING;
  let version: number | null = null;
  let failing = false;

  const importFile = async () => {
    // Nothing in force yet and no file: the built-in table becomes version 1, so every writer
    // reports a number and the console can show and roll back to it.
    const wanted = fileConfig ?? DEFAULT_ROUTING;
    const note = o.file ? `STORAGE_ROUTING_CONFIG ${o.file}` : 'the built-in routing table';
    if (!fileConfig && (await o.source.versionInForce()) !== null) return;
    const r = await o.source.importFile(wanted, note);
    if (r.imported) o.log(`routing: ${note} imported as version ${r.after}`);
    else if (r.why === 'imported-before' && o.file)
      o.log(
        `routing: ${note} was imported before as version ${r.version} and has since been replaced: the version in force stays`,
      );
  };

  const sync = async () => {
    try {
      if (!fileImported) {
        await importFile();
        fileImported = true;
      }
      const inForce = await o.source.versionInForce();
      if (inForce !== null && inForce !== version) {
        const parsed = parseRoutingConfig(await o.source.config(inForce));
        if (!parsed.ok) {
          // Written through the same validation; kept out rather than trusted.
          o.log(
            `routing: version ${inForce} is invalid (${parsed.errors.join('; ')}); keeping version ${version}`,
          );
        } else {
          o.log(
            `routing: version ${inForce} read (was ${version ?? 'none'}); it applies from the next batch`,
          );
          config = parsed.config;
          version = inForce;
        }
      }
      if (failing) o.log('routing: PostgreSQL answers again');
      failing = false;
    } catch (err) {
      if (!failing)
        o.log(
          `routing: cannot read the versions from PostgreSQL, keeping version ${version ?? '(none: the file or the built-in table)'}: ${(err as Error).message}`,
        );
      failing = true;
    }
  };

  const closeFile = o.file
    ? watchFileVersions(o.file, 5000, () => {
        try {
          fileConfig = loadRoutingConfig(o.file);
          fileImported = false;
          void poll();
        } catch (err) {
          o.log(`${(err as Error).message}\n  not imported`);
        }
      })
    : () => {};
  let busy = false;
  const poll = async () => {
    if (busy) return;
    busy = true;
    await sync();
    busy = false;
  };
  // A PostgreSQL that hangs (rather than refuses) must not hold the start: the poll goes on.
  let started: NodeJS.Timeout | undefined;
  await Promise.race([
    poll(),
    new Promise((r) => {
      started = setTimeout(r, o.startWaitMs ?? 5000);
    }),
  ]);
  clearTimeout(started);
  const timer = setInterval(poll, o.pollMs ?? 2000);
  timer.unref();
  return {
    current: () => config,
    version: () => version,
    sync: poll,
    close() {
      clearInterval(timer);
      closeFile();
    },
  };
}

export interface RoutingSwitch {
  /** The router for the batch about to be routed: rebuilt when a new version was read. */
  router(): EventRouter;
  /** The version batches are routed by from now on (the one the last batch took, or newer). */
  running(): number | null;
}

/** Switches the storage stage's router at a batch boundary and reports the version it runs. */
export function createRoutingSwitch(
  watch: Pick<VersionedRoutingWatch, 'current' | 'version'>,
  report: { log: (message: string) => void; registry?: Registry },
): RoutingSwitch {
  const gauge = report.registry
    ? new Gauge({
        name: 'sluice_storage_routing_version',
        help: 'The routing version this storage writer routes batches by (0: none read yet)',
        registers: [report.registry],
      })
    : null;
  let rules = watch.current();
  let running = watch.version();
  let router = createEventRouter(rules);
  gauge?.set(running ?? 0);
  report.log(`routing: running version ${running ?? '(none: the file or the built-in table)'}`);
  const adopt = () => {
    if (watch.current() === rules) return;
    rules = watch.current();
    router = createEventRouter(rules);
    const was = running;
    running = watch.version();
    gauge?.set(running ?? 0);
    report.log(
      `routing: switched from version ${was ?? 'none'} to ${running ?? 'none'} at a batch boundary`,
    );
  };
  return {
    router() {
      adopt();
      return router;
    },
    // A batch takes its router once, when it starts (storage-stage.ts), so adopting a new version
    // outside one is a batch boundary too: an idle writer reports the version it will route by.
    running() {
      adopt();
      return running;
    },
  };
}
