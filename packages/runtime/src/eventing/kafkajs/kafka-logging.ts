// kafkajs' own log lines, into the service's logger at the level they deserve.
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from '../../logger.ts';

const LOG_LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs messages about something it retries or restarts by itself. */
const RETRIED = /^(Crash: |Restarting the consumer|.*coordinator is (loading|not available)|.*not the correct coordinator)/i;

/**
 * kafkajs logs every error response and socket error of a request at ERROR, also when it retries the
 * request (a group coordinator still loading after a broker start, a leader election, a reconnect):
 * those are warnings here. What finally fails reaches the caller and is logged as an error there (a
 * rejected flush, a failed start, a consumer crash).
 */
function levelOf(entry: LogEntry): 'error' | 'warn' | 'info' | 'debug' {
  if (entry.namespace === 'Connection' && entry.level === logLevel.ERROR) return 'warn';
  // The consumer's own account of a crash (said before it decides whether to restart: the CRASH event
  // says that, and is logged as an error when it does not), of its restarts, and of requests it retries.
  if (entry.level === logLevel.ERROR && (RETRIED.test(entry.log.message) || entry.log.retryCount !== undefined)) return 'warn';
  // Said at every start because retries are bounded (kafka.producer.retries): this service promises
  // at least once, and a flush whose sends run out of retries or time rejects (see the README).
  if (entry.log.message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  return LOG_LEVELS[entry.level] ?? 'info';
}

/** A kafkajs logCreator writing into `logger` (a child per component), at the level `levelOf` decides. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    logger[levelOf(entry)]({ namespace: entry.namespace, ...extra }, message);
  };
}
