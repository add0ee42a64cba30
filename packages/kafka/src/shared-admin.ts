// One admin client per process for the console's readers, connected on first use; any failure
// drops it, so the next call reconnects instead of reusing a broken client.
import { type Admin, createKafka } from './kafka-client.ts';

export interface SharedAdmin {
  run<T>(op: (a: Admin) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function sharedAdmin(brokers: string[], clientId: string): SharedAdmin {
  let connecting: Promise<Admin> | undefined;
  const admin = (): Promise<Admin> => {
    connecting ??= (async () => {
      const a = createKafka({ brokers, clientId, logLevel: 'nothing' }).admin();
      await a.connect();
      return a;
    })();
    return connecting;
  };
  return {
    async run(op) {
      try {
        return await op(await admin());
      } catch (err) {
        const stale = connecting;
        connecting = undefined;
        stale?.then((a) => a.disconnect()).catch(() => {});
        throw err;
      }
    },
    async close() {
      const a = connecting;
      connecting = undefined;
      await a?.then((x) => x.disconnect()).catch(() => {});
    },
  };
}
