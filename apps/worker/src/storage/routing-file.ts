// Loads the routing rules from STORAGE_ROUTING_CONFIG (a JSON file), or the default table.
// A bad file is a ConfigError naming the file and every offending key.
import { readFileSync } from 'node:fs';
import { DEFAULT_ROUTING, parseRoutingConfig, type RoutingConfig } from '@sluice/core';
import { ConfigError } from '../env.ts';

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
