/**
 * A re-run with another --kafka-client: the previous client's folder leaves the service (each file
 * only while nobody edited it since its last rendering, see retire.ts). Its package leaves package.json
 * through the three-way merge (json-files.ts).
 */
import { readdirSync, rmdirSync } from 'node:fs';
import type Generator from 'yeoman-generator';
import { clientOwnedFiles, kafkaClientOf } from './kafka-client.js';
import type { EventingModel } from './model.js';
import { emptyRetired, retireOwnedFile, type Retired } from './retire.js';

export function retireKafkaClient(generator: Generator, previous: EventingModel, model: EventingModel): Retired {
  const retired = emptyRetired();
  const before = kafkaClientOf(previous.service);
  if (before === kafkaClientOf(model.service)) return retired;
  for (const file of clientOwnedFiles(before)) retireOwnedFile(generator, file, previous.renderedFiles?.[file], retired);
  return retired;
}

/** After the commit: the previous client's folder, once its files are gone, goes too (an edited file keeps it). */
export function removeEmptyClientFolders(generator: Generator, retired: Retired): void {
  const folders = new Set(retired.removed.map((file) => file.slice(0, file.lastIndexOf('/'))));
  for (const folder of folders) {
    const target = generator.destinationPath(folder);
    try {
      if (readdirSync(target).length === 0) rmdirSync(target);
    } catch {
      // already gone
    }
  }
}
