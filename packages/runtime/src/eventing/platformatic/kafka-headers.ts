import type { HeaderMap } from '../headers.ts';

/** @platformatic/kafka's headers (Buffers, possibly repeated) as the service's string map: the last value of a name wins. */
export function headerMap(headers: Map<Buffer, Buffer> | undefined): HeaderMap {
  const map: HeaderMap = {};
  for (const [name, value] of headers ?? []) map[name.toString()] = value.toString();
  return map;
}

/** The service's headers as @platformatic/kafka takes them without serializers: names and values as Buffers. */
export function headerBuffers(headers: HeaderMap): Map<Buffer, Buffer> {
  const buffers = new Map<Buffer, Buffer>();
  for (const name in headers) buffers.set(Buffer.from(name), Buffer.from(headers[name] ?? ''));
  return buffers;
}
