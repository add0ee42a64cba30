#!/usr/bin/env node
// Entry point of the `sluice` CLI. Sources are TypeScript; tsx compiles them on load, once per
// module, so workers pay nothing per event for it.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
