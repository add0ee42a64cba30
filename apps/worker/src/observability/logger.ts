// One log line per record, with time, level, worker and stage: JSON when stderr is not a
// terminal (a log pipeline parses it), a short readable line when it is. The Kafka client's own
// log events come through the same function.
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: Level, message: string, fields?: Record<string, unknown>) => void;

export function createLogger(
  context: { stage: string; worker: string },
  options: { json?: boolean; write?: (line: string) => void } = {},
): Logger {
  const json = options.json ?? !process.stderr.isTTY;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return (level, message, fields) => {
    const time = new Date().toISOString();
    if (json) {
      write(
        `${JSON.stringify({ time, level, stage: context.stage, worker: context.worker, msg: message, ...fields })}\n`,
      );
    } else {
      const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
      write(`${time} ${level.toUpperCase().padEnd(5)} ${context.stage}: ${message}${extra}\n`);
    }
  };
}
