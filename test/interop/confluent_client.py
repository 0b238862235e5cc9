#!/usr/bin/python3
"""Confluent's own client (librdkafka + its schema registry serdes): a client that is not this
project's, reading what a generated service publishes and writing what it consumes.

  confluent_client.py produce <brokers> <registry-url> <topic> <schema-file> <payload-json> [header=value ...]
  confluent_client.py consume <brokers> <registry-url> <topic> <schema-file> <count>
  confluent_client.py produce-avro / consume-avro  (same arguments)

The Avro variants use Debian's `avro` package for the bodies (Confluent's Avro serdes need fastavro,
which Debian does not package) with the same wire format: byte 0, the 4-byte schema id, the body.

`consume` prints one JSON line per message: {"key", "value", "headers"}.
"""
import base64
import datetime
import decimal
import io
import json
import struct
import sys
import uuid

import avro.io
import avro.schema
import requests
from confluent_kafka import Consumer, Producer

from confluent_kafka import DeserializingConsumer, SerializingProducer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import StringDeserializer, StringSerializer


def deliver(producer, topic, value, headers):
    """Produces one message with a random key and waits until the broker acknowledged it."""
    errors = []
    producer.produce(
        topic,
        key=str(uuid.uuid4()),
        value=value,
        headers=[tuple(header.split("=", 1)) for header in headers],
        on_delivery=lambda err, msg: errors.append(err) if err else None,
    )
    producer.flush(30)
    if errors:
        raise SystemExit(f"delivery failed: {errors}")


def plain(value):
    """What Avro's logical types decode to, as the generated services write them in JSON and TypeScript:
    a decimal as its text, a date as YYYY-MM-DD, a timestamp as ISO text with milliseconds and Z, bytes as base64."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    raise TypeError(f"cannot print {type(value).__name__}")


def without_nulls(value):
    """Avro's absent optional fields (null) left out at every depth, as the generated services read them."""
    if isinstance(value, dict):
        return {name: without_nulls(item) for name, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def print_messages(consumer, topic, count, decode_value):
    """Prints `count` messages of the topic as JSON lines, or fails after a minute without one."""
    consumer.subscribe([topic])
    seen = 0
    idle = 0
    while seen < int(count) and idle < 60:
        message = consumer.poll(1.0)
        if message is None:
            idle += 1
            continue
        if message.error():
            raise SystemExit(str(message.error()))
        key = message.key()
        print(json.dumps({
            "key": key.decode() if isinstance(key, bytes) else key,
            "value": decode_value(message.value()),
            "headers": {name: value.decode() for name, value in (message.headers() or [])},
        }, default=plain), flush=True)
        seen += 1
    consumer.close()
    if seen < int(count):
        raise SystemExit(f"only {seen} of {count} messages arrived")


def produce(brokers, registry_url, topic, schema_file, payload_json, *headers):
    with open(schema_file) as handle:
        schema = handle.read()
    registry = SchemaRegistryClient({"url": registry_url})
    producer = SerializingProducer({
        "bootstrap.servers": brokers,
        "key.serializer": StringSerializer("utf_8"),
        "value.serializer": JSONSerializer(schema, registry, to_dict=lambda obj, ctx: obj),
        "enable.idempotence": True,
    })
    deliver(producer, topic, json.loads(payload_json), headers)


def consume(brokers, registry_url, topic, schema_file, count):
    with open(schema_file) as handle:
        schema = handle.read()
    consumer = DeserializingConsumer({
        "bootstrap.servers": brokers,
        "group.id": f"interop-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
        "key.deserializer": StringDeserializer("utf_8"),
        "value.deserializer": JSONDeserializer(schema, from_dict=lambda obj, ctx: obj),
    })
    print_messages(consumer, topic, count, lambda value: value)


def produce_avro(brokers, registry_url, topic, schema_file, payload_json, *headers):
    with open(schema_file) as handle:
        schema_text = handle.read()
    response = requests.post(
        f"{registry_url}/subjects/{topic}-value/versions",
        json={"schema": schema_text, "schemaType": "AVRO"},
        headers={"content-type": "application/vnd.schemaregistry.v1+json"},
    )
    response.raise_for_status()
    schema_id = response.json()["id"]
    body = io.BytesIO()
    avro.io.DatumWriter(avro.schema.parse(schema_text)).write(json.loads(payload_json), avro.io.BinaryEncoder(body))
    producer = Producer({"bootstrap.servers": brokers, "enable.idempotence": True})
    deliver(producer, topic, b"\x00" + struct.pack(">I", schema_id) + body.getvalue(), headers)


def consume_avro(brokers, registry_url, topic, schema_file, count):
    consumer = Consumer({
        "bootstrap.servers": brokers,
        "group.id": f"interop-{uuid.uuid4()}",
        "auto.offset.reset": "earliest",
    })
    readers = {}

    def decode(raw):
        magic, schema_id = struct.unpack(">bI", raw[:5])
        if magic != 0:
            raise SystemExit(f"magic byte {magic}")
        if schema_id not in readers:
            writer = requests.get(f"{registry_url}/schemas/ids/{schema_id}")
            writer.raise_for_status()
            readers[schema_id] = avro.io.DatumReader(avro.schema.parse(writer.json()["schema"]))
        value = readers[schema_id].read(avro.io.BinaryDecoder(io.BytesIO(raw[5:])))
        return without_nulls(value)

    print_messages(consumer, topic, count, decode)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    commands = {"produce": produce, "consume": consume, "produce-avro": produce_avro, "consume-avro": consume_avro}
    commands[command](*arguments)
