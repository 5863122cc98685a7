"""Confluent's own serializers and deserializers, for the schema tests.

kafka-live must decode what Confluent's serializers write, and Confluent's deserializers must
read what kafka-live writes. This drives them (confluent-kafka from PyPI) against the test
broker. They need a Schema Registry: they get Confluent's in-process mock, as their own tests do,
with this directory's schemas registered in the order of schemas.toml, so each gets the id the
mapping gives it (checked).

  confluent.py write --format avro --topic T --json '{"id": 1, ...}'   -> "partition offset"
  confluent.py raw --topic T --hex 0000000063ff                         -> "partition offset"
  confluent.py read --format avro --topic T --partition 0 --offset 5    -> the value as JSON

Bootstrap servers come from KAFKA_BOOTSTRAP_SERVERS.
"""

import argparse
import base64
import functools
import importlib
import json
import os
import subprocess
import sys
import tempfile
import tomllib

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf.json_format import MessageToDict, ParseDict

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {"avsc": "AVRO", "proto": "PROTOBUF", "json": "JSON"}
FORMATS = {"avro": "AVRO", "protobuf": "PROTOBUF", "json": "JSON"}


def registry():
    """The mock registry with every schema of schemas.toml, at the id the mapping gives it."""
    client = SchemaRegistryClient.new_client({"url": "mock://kafka-live"})
    with open(os.path.join(HERE, "schemas.toml"), "rb") as f:
        entries = tomllib.load(f)["schema"]
    by_type = {}
    for entry in entries:
        kind = TYPES[entry["file"].rsplit(".", 1)[1]]
        if kind == "PROTOBUF":
            # Confluent's Python client keeps a Protobuf schema as its file descriptor, base64:
            # what its serializer registers, and what it reads back.
            text = base64.b64encode(order_class().DESCRIPTOR.file.serialized_pb).decode()
        else:
            with open(os.path.join(HERE, entry["file"])) as f:
                text = f.read()
        schema_id = client.register_schema(entry["subject"], Schema(text, kind))
        if schema_id != entry["id"]:
            sys.exit(f"{entry['subject']}: the registry gave id {schema_id}, schemas.toml says {entry['id']}")
        by_type[kind] = (entry, text)
    return client, by_type


@functools.cache
def order_class():
    """shop.Order from order.proto, compiled by protoc (grpcio-tools) into a module."""
    out = tempfile.mkdtemp()
    from grpc_tools import protoc

    code = protoc.main(["protoc", f"-I{HERE}", f"--python_out={out}", os.path.join(HERE, "order.proto")])
    if code != 0:
        sys.exit("protoc failed on order.proto")
    sys.path.insert(0, out)
    return importlib.import_module("order_pb2").Order


def serializer(kind, client, schemas):
    entry, text = schemas[kind]
    # The subject is the mapping's, not the topic-derived default, and no new version is
    # registered: the record carries the id kafka-live knows.
    conf = {"auto.register.schemas": False, "use.latest.version": True,
            "subject.name.strategy": lambda ctx, name: entry["subject"]}
    if kind == "AVRO":
        return AvroSerializer(client, text, conf=conf), lambda value: value
    if kind == "JSON":
        return JSONSerializer(text, client, conf=conf), lambda value: value
    order = order_class()
    return ProtobufSerializer(order, client, conf=conf), lambda value: ParseDict(value, order())


def deserializer(kind, client, schemas):
    entry, text = schemas[kind]
    if kind == "AVRO":
        return AvroDeserializer(client), lambda value: value
    if kind == "JSON":
        return JSONDeserializer(text, schema_registry_client=client), lambda value: value
    order = order_class()
    return (ProtobufDeserializer(order, {"use.deprecated.format": False}),
            lambda value: MessageToDict(value, preserving_proto_field_name=True))


def produce(topic, value, key=None):
    producer = Producer({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"], "acks": "all"})
    placed = []
    producer.produce(topic, value=value, key=key,
                     on_delivery=lambda err, msg: placed.append((err, msg.partition(), msg.offset())))
    producer.flush(30)
    err, partition, offset = placed[0]
    if err is not None:
        sys.exit(f"not produced: {err}")
    print(partition, offset)


def read(topic, partition, offset):
    consumer = Consumer({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
                         "group.id": "kafka-live-schema-reader", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, partition, offset)])
    try:
        for _ in range(60):
            message = consumer.poll(1.0)
            if message is not None and not message.error():
                return message
        sys.exit(f"nothing at {topic} [{partition}] @{offset} within 60 s")
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["write", "raw", "read"])
    parser.add_argument("--topic", required=True)
    parser.add_argument("--format", choices=sorted(FORMATS))
    parser.add_argument("--json")
    parser.add_argument("--hex")
    parser.add_argument("--partition", type=int)
    parser.add_argument("--offset", type=int)
    args = parser.parse_args()

    if args.action == "raw":
        produce(args.topic, bytes.fromhex(args.hex))
        return
    client, schemas = registry()
    kind = FORMATS[args.format]
    context = SerializationContext(args.topic, MessageField.VALUE)
    if args.action == "write":
        serialize, to_object = serializer(kind, client, schemas)
        produce(args.topic, serialize(to_object(json.loads(args.json)), context))
    else:
        deserialize, to_json = deserializer(kind, client, schemas)
        message = read(args.topic, args.partition, args.offset)
        print(json.dumps(to_json(deserialize(message.value(), context)), sort_keys=True))


if __name__ == "__main__":
    main()
