export { createDedupWindow, type DedupWindow, type DedupWindowOptions } from './dedup-window.ts';
