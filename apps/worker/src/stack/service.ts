// What the stack needs to know of each service it runs natively.
import type { Env } from '../env.ts';
import type { SpawnSpec } from './process-supervisor.ts';
import type { StackPaths } from './stack-paths.ts';

export interface StackOptions {
  brokers: 1 | 3;
}

export interface ServiceContext {
  env: Env;
  paths: StackPaths;
  options: StackOptions;
  progress(message: string): void;
}

export interface Health {
  healthy: boolean;
  detail: string;
}

/** One OS process of a service (Kafka with three brokers has three). */
export interface ServiceProcess {
  name: string;
  spec: Omit<SpawnSpec, 'logFile' | 'pidFile'>;
}

export interface StackService {
  name: string;
  /** How long a healthy start may take, cold. */
  startTimeoutMs: number;
  /** How long a clean stop may take before SIGKILL. */
  stopGraceMs: number;
  /** The signal for a clean, prompt stop (PostgreSQL: SIGINT, its fast shutdown). */
  stopSignal?: NodeJS.Signals;
  ports(ctx: ServiceContext): number[];
  endpoint(ctx: ServiceContext): string;
  /** Check prerequisites, fetch artifacts (cached), initialise data directories. */
  prepare(ctx: ServiceContext): Promise<void>;
  processes(ctx: ServiceContext): ServiceProcess[];
  health(ctx: ServiceContext): Promise<Health>;
  /** Runs once the service is healthy (create a database, a bucket). Must be idempotent. */
  afterStart?(ctx: ServiceContext): Promise<void>;
}

/** A prerequisite is missing or a service cannot start: the message says what to do. */
export class StackError extends Error {
  override name = 'StackError';
}
