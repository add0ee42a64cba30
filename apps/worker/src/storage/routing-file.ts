// Loads the routing rules from STORAGE_ROUTING_CONFIG (a JSON file), or the default table.
// A bad file is a ConfigError naming the file and every offending key.
import { readFileSync } from 'node:fs';
import { DEFAULT_ROUTING, parseRoutingConfig, type RoutingConfig } from '@sluice/core';
import { ConfigError } from '../env.ts';
import { watchFileVersions } from '../file-watch.ts';

export function loadRoutingConfig(path: string | undefined): RoutingConfig {
  if (!path) return DEFAULT_ROUTING;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`routing config ${path}: ${(err as Error).message}`);
  }
  const r = parseRoutingConfig(json);
  if (!r.ok)
    throw new ConfigError(`routing config ${path} is invalid:\n  ${r.errors.join('\n  ')}`);
  return r.config;
}

export interface RoutingWatch {
  current(): RoutingConfig;
  close(): void;
}

/**
 * Keeps the rules current without a restart: the file is polled (see file-watch.ts) and
 * re-read when it changes. A file that no longer parses or validates is reported and the
 * previous rules stay in force.
 * Batches consumed after a reload are routed by the new rules; a replay of older offsets is too.
 */
export function watchRoutingConfig(
  path: string | undefined,
  log: (message: string) => void,
  pollMs = 5000,
): RoutingWatch {
  if (!path) return { current: () => DEFAULT_ROUTING, close: () => {} };
  const close = watchFileVersions(path, pollMs, () => {
    try {
      config = loadRoutingConfig(path);
      log(`routing rules reloaded from ${path} (${config.rules.length} rules)`);
    } catch (err) {
      log(`${(err as Error).message}\n  keeping the previous rules`);
    }
  });
  let config: RoutingConfig;
  try {
    config = loadRoutingConfig(path);
  } catch (err) {
    close();
    throw err;
  }
  return { current: () => config, close };
}
