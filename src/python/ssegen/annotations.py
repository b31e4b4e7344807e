"""Reads the `sebuf.http` options from descriptors.

The options arrive as unknown extension fields of the descriptor options messages. They are decoded
with message classes built from the request's own descriptors, so no generated `_pb2` module of the
annotation protos is needed, and any wire-compatible copy of them works.
"""
from __future__ import annotations

from typing import Any, Optional

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message as ProtoMessage

ANNOTATIONS_FILE = "sebuf/http/annotations.proto"
HEADERS_FILE = "sebuf/http/headers.proto"

METHOD_CONFIG = "sebuf.http.config"
SERVICE_CONFIG = "sebuf.http.service_config"
SERVICE_HEADERS = "sebuf.http.service_headers"
METHOD_HEADERS = "sebuf.http.method_headers"
FIELD_EXAMPLES = "sebuf.http.field_examples"
FIELD_QUERY = "sebuf.http.query"
# The JSON-mapping options (see ssegen.jsonmapping).
UNWRAP = "sebuf.http.unwrap"
INT64_ENCODING = "sebuf.http.int64_encoding"
ENUM_ENCODING = "sebuf.http.enum_encoding"
ENUM_VALUE = "sebuf.http.enum_value"
NULLABLE = "sebuf.http.nullable"
EMPTY_BEHAVIOR = "sebuf.http.empty_behavior"
TIMESTAMP_FORMAT = "sebuf.http.timestamp_format"
BYTES_ENCODING = "sebuf.http.bytes_encoding"
ONEOF_CONFIG = "sebuf.http.oneof_config"
ONEOF_VALUE = "sebuf.http.oneof_value"
FLATTEN = "sebuf.http.flatten"
FLATTEN_PREFIX = "sebuf.http.flatten_prefix"

# Field numbers, used to find the source location of an option.
EXTENSION_NUMBERS = {
    METHOD_CONFIG: 50003,
    SERVICE_CONFIG: 50004,
    SERVICE_HEADERS: 50005,
    METHOD_HEADERS: 50006,
    FIELD_EXAMPLES: 50007,
    FIELD_QUERY: 50008,
    UNWRAP: 50009,
    INT64_ENCODING: 50010,
    ENUM_ENCODING: 50011,
    ENUM_VALUE: 50012,
    NULLABLE: 50013,
    EMPTY_BEHAVIOR: 50014,
    TIMESTAMP_FORMAT: 50015,
    BYTES_ENCODING: 50016,
    ONEOF_CONFIG: 50017,
    ONEOF_VALUE: 50018,
    FLATTEN: 50019,
    FLATTEN_PREFIX: 50020,
}

HTTP_METHOD_NAMES = {0: "POST", 1: "GET", 2: "POST", 3: "PUT", 4: "DELETE", 5: "PATCH"}


class OptionReader:
    def __init__(self, pool: descriptor_pool.DescriptorPool) -> None:
        self._pool = pool
        self._classes: dict = {}

    def extension(self, options: ProtoMessage, extension_name: str) -> Optional[Any]:
        """The value of an extension set on `options`, or None when it is absent."""
        try:
            extension = self._pool.FindExtensionByName(extension_name)
        except KeyError:
            return None  # the annotation protos are not imported: nothing can be set
        if options.ByteSize() == 0:
            return None
        cls = self._options_class(options.DESCRIPTOR.full_name)
        decoded = cls.FromString(options.SerializeToString())
        if not decoded.HasExtension(extension):
            return None
        return decoded.Extensions[extension]

    def defines(self, extension_name: str) -> bool:
        """Whether the request's files declare the extension (e.g. buf/validate/validate.proto is imported)."""
        try:
            self._pool.FindExtensionByName(extension_name)
        except KeyError:
            return False
        return True

    def _options_class(self, full_name: str) -> type:
        if full_name not in self._classes:
            descriptor = self._pool.FindMessageTypeByName(full_name)
            self._classes[full_name] = message_factory.GetMessageClass(descriptor)
        return self._classes[full_name]
