/**
 * The consumer workers (per-message and batch) through the public API, on the in-memory transport:
 * retries with backoff, dead letters after the last attempt and for undecodable messages, the message
 * scope's unit of work, health while dead letters cannot be written, metrics, and stopping during a
 * retry wait. No broker: the real-broker suites of the repository cover the Kafka transports.
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import {
  ConsumerHost,
  EventHeaders,
  EventingMetrics,
  LocalCodec,
  MemoryTransport,
  originalHeaders,
  SchemaValidator,
  topicDeadLetterSink,
  type BatchEventHandler,
  type BatchItem,
  type DeadLetterSink,
  type EventCatalog,
  type EventContext,
  type EventDefinition,
  type EventHandler,
  type MessageScope,
  type MessageScopes,
  type OutgoingMessage,
} from '../src/index.ts';

interface Job {
  readonly id: string;
  readonly key: string;
}

const JOB: EventDefinition<Job> = {
  name: 'JobRequested',
  external: false,
  schemaFormat: 'json',
  schema: { type: 'object', properties: { id: { type: 'string' }, key: { type: 'string' } }, required: ['id', 'key'] },
  keyOf: (job) => job.key,
};
const EVENTS: EventCatalog = { definitions: { JobRequested: JOB }, published: [] };
const RETRY = { attempts: 3, initialDelayMs: 5, maxDelayMs: 20, multiplier: 2 };
const SETTINGS = { topic: 'jobs', groupId: 'workers', concurrency: 1, retry: RETRY, deadLetterTopic: 'jobs.dlt' };

/** What the scopes of a test did, in order: `claim <id>`, `handle <ids>`, `complete`, `abort`, `release`. */
type Trace = string[];

interface Fixture {
  readonly transport: MemoryTransport;
  readonly host: ConsumerHost;
  readonly metrics: EventingMetrics;
  readonly trace: Trace;
  /** Publishes jobs (key defaults to the id) as a producer would: JSON, key, event headers. */
  send(...jobs: (Job | Buffer)[]): Promise<void>;
  /** Counter or histogram count by label values, e.g. value('deadLettered', { reason: 'handler' }). */
  value(metric: 'handled' | 'retried' | 'deadLettered' | 'handlerDuration', labels?: Record<string, string>): Promise<number>;
}

/**
 * The memory transport, its sends one microtask later: a send starts a delivery round of its consumers,
 * which re-enters the round in progress when the send comes synchronously from within it (a dead letter
 * of an undecodable message: nothing before it awaits) and recurses without end.
 */
class YieldingMemoryTransport extends MemoryTransport {
  override async send(messages: readonly OutgoingMessage[]): Promise<void> {
    await Promise.resolve();
    await super.send(messages);
  }
}

async function fixture(options: {
  readonly handler?: EventHandler<Job>;
  readonly batchHandler?: BatchEventHandler<Job>;
  readonly claim?: (eventId: string) => Promise<boolean>;
  readonly deadLetterSink?: (transport: MemoryTransport) => DeadLetterSink;
  readonly retry?: typeof RETRY;
}): Promise<Fixture> {
  const transport = new YieldingMemoryTransport();
  const metrics = new EventingMetrics({ enabled: false, lagIntervalMs: 1000 });
  const trace: Trace = [];
  const batch = options.batchHandler !== undefined;
  const scopes = (): MessageScopes<unknown> => () => {
    const scope: MessageScope<unknown> = {
      handler: () => {
        if (options.batchHandler) {
          const inner = options.batchHandler;
          return {
            handleBatch: (items: readonly BatchItem<Job>[]) => {
              trace.push(`handle ${items.map((item) => item.event.id).join(',')}`);
              return inner.handleBatch(items);
            },
          } satisfies BatchEventHandler<Job>;
        }
        const inner = options.handler!;
        return {
          handle: (event: Job, context: EventContext) => {
            trace.push(`handle ${event.id}`);
            return inner.handle(event, context);
          },
        } satisfies EventHandler<Job>;
      },
      complete: async () => void trace.push('complete'),
      abort: async () => void trace.push('abort'),
      release: () => void trace.push('release'),
    };
    if (options.claim) {
      const claim = options.claim;
      scope.claim = (eventId) => {
        trace.push(`claim ${eventId}`);
        return claim(eventId);
      };
    }
    return scope;
  };
  const host = new ConsumerHost({
    subscriptions: [{ name: 'RunJobs', event: 'JobRequested', batch, handler: { name: 'RunJobsHandler' } }],
    events: EVENTS,
    settings: { RunJobs: { ...SETTINGS, retry: options.retry ?? RETRY } },
    transport,
    codec: new LocalCodec(new SchemaValidator()),
    metrics,
    logger: pino({ level: 'silent' }),
    scopesOf: scopes as <Handler>(subscription: string) => MessageScopes<Handler>,
    deadLetterSinkOf: () => (options.deadLetterSink ?? topicDeadLetterSink)(transport),
  });
  await host.start();
  const send = (...jobs: (Job | Buffer)[]) =>
    transport.send(
      jobs.map((job) => {
        const id = Buffer.isBuffer(job) ? 'raw' : job.id;
        return {
          topic: 'jobs',
          key: Buffer.isBuffer(job) ? null : job.key,
          value: Buffer.isBuffer(job) ? job : Buffer.from(JSON.stringify(job)),
          headers: { [EventHeaders.eventId]: `event-${id}`, [EventHeaders.eventType]: 'JobRequested', [EventHeaders.correlationId]: `corr-${id}` },
        };
      }),
    );
  const value = async (metric: 'handled' | 'retried' | 'deadLettered' | 'handlerDuration', labels: Record<string, string> = {}) => {
    const { values } = await metrics[metric].get();
    const wanted = { subscription: 'RunJobs', ...labels };
    const matching = values.filter(
      (entry) =>
        Object.entries(wanted).every(([name, label]) => (entry.labels as Record<string, unknown>)[name] === label) &&
        (metric !== 'handlerDuration' || ('metricName' in entry && entry.metricName === 'eventing_handler_duration_seconds_count')),
    );
    return matching.reduce((sum, entry) => sum + entry.value, 0);
  };
  return { transport, host, metrics, trace, send, value };
}

const job = (id: string, key = id): Job => ({ id, key });

describe('consumer workers (in-memory transport)', function () {
  this.timeout(5000);
  let running: Fixture | undefined;
  afterEach(async () => {
    await running?.host.stop(1000);
    await running?.transport.disconnect();
    running = undefined;
  });

  describe('per message', () => {
    it('retries a failing handler with growing attempts in a fresh scope each time, then finishes', async () => {
      const attempts: number[] = [];
      const f = (running = await fixture({
        handler: {
          handle: async (_event, context) => {
            attempts.push(context.attempt);
            if (context.attempt < 3) throw new Error('not yet');
          },
        },
      }));
      await f.send(job('1'));
      await f.transport.idle();
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.deepEqual(f.trace, [...['handle 1', 'abort', 'release'], ...['handle 1', 'abort', 'release'], ...['handle 1', 'complete', 'release']]);
      assert.equal(await f.value('handled'), 1);
      assert.equal(await f.value('retried'), 2);
      assert.equal(await f.value('handlerDuration', { outcome: 'failure' }), 2);
      assert.equal(await f.value('handlerDuration', { outcome: 'success' }), 1);
      assert.deepEqual(f.transport.messages('jobs.dlt'), []);
      assert.deepEqual(await f.transport.lag('workers', 'jobs'), [{ partition: 0, lag: 0 }]);
    });

    it('dead-letters the original message after the last attempt, with why and where in its headers, and goes on', async () => {
      const f = (running = await fixture({
        handler: {
          handle: async (event) => {
            if (event.id === '1') throw new TypeError('cannot run job 1');
          },
        },
      }));
      await f.send(job('1', 'k'), job('2', 'k'));
      await f.transport.idle();
      const [letter, ...more] = f.transport.messages('jobs.dlt');
      assert.equal(more.length, 0);
      assert.equal(letter?.key?.toString(), 'k');
      assert.deepEqual(JSON.parse(letter?.value?.toString() ?? ''), job('1', 'k'));
      const headers = letter?.headers ?? {};
      assert.equal(headers['dead-letter-error-message'], 'cannot run job 1');
      assert.equal(headers['dead-letter-error-type'], 'TypeError');
      assert.equal(headers['dead-letter-attempts'], '3');
      assert.equal(headers['dead-letter-original-topic'], 'jobs');
      assert.equal(headers['dead-letter-original-partition'], '0');
      assert.equal(headers['dead-letter-original-offset'], '0');
      assert.equal(headers['dead-letter-subscription'], 'RunJobs');
      assert.ok(!Number.isNaN(Date.parse(headers['dead-letter-failed-at']!)));
      assert.deepEqual(originalHeaders(headers), f.transport.messages('jobs')[0]!.headers, 'originalHeaders strips what dead-lettering added');
      assert.equal(await f.value('deadLettered', { reason: 'handler' }), 1);
      assert.equal(await f.value('handled'), 1, 'the next message is handled');
      assert.equal(await f.value('retried'), 2);
    });

    it('dead-letters an undecodable message at once, without calling the handler', async () => {
      const f = (running = await fixture({ handler: { handle: async () => {} } }));
      await f.send(Buffer.from('not json'), job('2'));
      await f.transport.idle();
      assert.deepEqual(f.trace, ['handle 2', 'complete', 'release']);
      const [letter] = f.transport.messages('jobs.dlt');
      assert.equal(letter?.headers['dead-letter-attempts'], '0');
      assert.equal(letter?.value?.toString(), 'not json');
      assert.equal(await f.value('deadLettered', { reason: 'undecodable' }), 1);
      assert.equal(await f.value('deadLettered', { reason: 'handler' }), 0);
    });

    it('with an inbox claim: a claimed event is acknowledged without running the handler', async () => {
      const f = (running = await fixture({ handler: { handle: async () => {} }, claim: async (eventId) => eventId !== 'event-1' }));
      await f.send(job('1'), job('2'));
      await f.transport.idle();
      assert.deepEqual(f.trace, ['claim event-1', 'complete', 'release', 'claim event-2', 'handle 2', 'complete', 'release']);
      assert.equal(await f.value('handled'), 2);
    });

    it('reports the subscription failing while its dead letters cannot be written, and recovers once one is', async () => {
      let failures = 0;
      const failingSeen: Record<string, string>[] = [];
      const seen: { host?: ConsumerHost } = {};
      const f = (running = await fixture({
        retry: { attempts: 1, initialDelayMs: 5, maxDelayMs: 5, multiplier: 1 },
        handler: {
          handle: async () => {
            throw new Error('handler failed');
          },
        },
        deadLetterSink: (transport) => ({
          write: async (letter) => {
            if (seen.host) failingSeen.push(seen.host.failing);
            if (++failures <= 2) throw new Error('topic not there');
            await transport.send([letter]);
          },
          cannotWrite: (topic) => `cannot write dead-letter topic ${topic}`,
        }),
      }));
      seen.host = f.host;
      await f.send(job('1'));
      await f.transport.idle();
      assert.equal(failures, 3);
      assert.deepEqual(failingSeen.at(-1), { RunJobs: 'cannot write dead-letter topic jobs.dlt: topic not there' });
      assert.deepEqual(f.host.failing, {}, 'recovered');
      assert.equal(f.transport.messages('jobs.dlt').length, 1);
    });

    it('stops during a retry wait: the message is not finished', async () => {
      const f = (running = await fixture({
        retry: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000, multiplier: 1 },
        handler: {
          handle: async () => {
            throw new Error('failing');
          },
        },
      }));
      await f.send(job('1'));
      while (f.trace.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
      const started = Date.now();
      assert.equal(await f.host.stop(2000), true);
      assert.ok(Date.now() - started < 1000, 'the wait is interrupted');
      assert.deepEqual(await f.transport.lag('workers', 'jobs'), [{ partition: 0, lag: 1 }]);
      assert.deepEqual(f.transport.messages('jobs.dlt'), []);
    });
  });

  describe('batch', () => {
    it('gives failed events again with the later events of their key; the others are done', async () => {
      const rounds: string[][] = [];
      const f = (running = await fixture({
        batchHandler: {
          handleBatch: async (items) => {
            rounds.push(items.map((item) => `${item.event.id}@${item.context.attempt}`));
            return {
              failed: rounds.length === 1 ? items.filter((item) => item.event.id === '1').map((item) => ({ item, error: new Error('no') })) : [],
            };
          },
        },
      }));
      await f.send(job('1', 'a'), job('2', 'b'), job('3', 'a'), job('4', 'c'));
      await f.transport.idle();
      assert.deepEqual(rounds, [
        ['1@1', '2@1', '3@1', '4@1'],
        ['1@2', '3@1'],
      ]);
      assert.deepEqual(f.trace, ['handle 1,2,3,4', 'complete', 'release', 'handle 1,3', 'complete', 'release']);
      assert.equal(await f.value('handled'), 4);
      assert.equal(await f.value('retried'), 2);
      assert.equal(await f.value('handlerDuration', { outcome: 'failure' }), 1);
      assert.equal(await f.value('handlerDuration', { outcome: 'success' }), 1);
    });

    it('a handler that throws fails the whole batch; after the last attempt each event is dead-lettered, undecodable ones at once', async () => {
      const f = (running = await fixture({
        retry: { attempts: 2, initialDelayMs: 5, maxDelayMs: 5, multiplier: 1 },
        batchHandler: {
          handleBatch: async () => {
            throw new Error('batch failed');
          },
        },
      }));
      await f.send(job('1'), Buffer.from('{'), job('3'));
      await f.transport.idle();
      assert.deepEqual(f.trace, ['handle 1,3', 'abort', 'release', 'handle 1,3', 'abort', 'release']);
      const letters = f.transport.messages('jobs.dlt');
      assert.deepEqual(
        letters.map((letter) => [
          letter.headers['dead-letter-original-offset'],
          letter.headers['dead-letter-attempts'],
          letter.headers['dead-letter-error-message'],
        ]),
        [
          ['1', '0', "Expected property name or '}' in JSON at position 1 (line 1 column 2)"],
          ['0', '2', 'batch failed'],
          ['2', '2', 'batch failed'],
        ],
      );
      assert.equal(await f.value('deadLettered', { reason: 'undecodable' }), 1);
      assert.equal(await f.value('deadLettered', { reason: 'handler' }), 2);
      assert.equal(await f.value('retried'), 2);
      assert.equal(await f.value('handled'), 0);
      assert.deepEqual(await f.transport.lag('workers', 'jobs'), [{ partition: 0, lag: 0 }]);
    });
  });
});
