// Node options every worker process starts with: `sluice dev`, the bench, the worker image and
// the compose replicas. They are start-up options (V8 sizes its heap once), so they go on each
// command line rather than into the process.
//
// --max-semi-space-size: V8 sizes the young generation by the machine's memory, 64 MB per
// semi-space on this 24 GiB development machine (128 MB of new space that a busy worker touches
// whole). 16 MB, V8's older default, took about 100 MB off the aggregation worker's heap with no
// measurable CPU cost (docs/performance.md).
export const WORKER_NODE_ARGS: readonly string[] = ['--max-semi-space-size=16'];
