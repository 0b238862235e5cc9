/** Mocha root hooks: whatever the run started (the Kafka broker and registry) is stopped at the end. */
import { readFileSync, writeFileSync } from 'node:fs';
import { stopKafkaStack } from './stack.js';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafkaStack();
}

// npm test (scripts/run-tests.mjs) reports the CPU time of each file: at exit this process's /proc/self/stat,
// whose times include the children it waited for (services, tsc, npm, its own Kafka).
const cpuFile = process.env.TEST_CPU_FILE;
if (cpuFile) {
  process.on('exit', () => {
    try {
      writeFileSync(cpuFile, readFileSync('/proc/self/stat'));
    } catch {
      /* not Linux */
    }
  });
}
