import type { IHeaders } from 'kafkajs';
import type { HeaderMap } from '../headers.ts';

/** kafkajs' headers (Buffers, possibly repeated) as the service's string map: the last value of a name wins. */
export function headerMap(headers: IHeaders | undefined): HeaderMap {
  const map: HeaderMap = {};
  if (headers === undefined) return map;
  for (const name in headers) {
    const value = headers[name];
    const single = Array.isArray(value) ? value[value.length - 1] : value;
    if (single !== undefined) map[name] = single.toString();
  }
  return map;
}
