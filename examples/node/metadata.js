// Read the VitalKit metadata document of an ONNX model package without any dependency.
//
// onnxruntime-node does not expose an ONNX file's metadata_props, so this reads them from the
// protobuf: ModelProto field 14 (metadata_props) holds StringStringEntryProto messages with the
// key in field 1 and the value in field 2. The document sits under the key "vitalkit" (see
// vitalkit/export/schemas/model_metadata.schema.json).
"use strict";

const fs = require("fs");

function readVarint(buf, pos) {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error("truncated varint");
    const byte = buf[pos++];
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

// Iterate over the fields of one protobuf message: yields [fieldNumber, wireType, value].
function* fields(buf, start = 0, end = buf.length) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = readVarint(buf, pos);
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      let value;
      [value, pos] = readVarint(buf, pos);
      yield [field, wire, value];
    } else if (wire === 1) {
      pos += 8;
    } else if (wire === 2) {
      let length;
      [length, pos] = readVarint(buf, pos);
      const n = Number(length);
      yield [field, wire, buf.subarray(pos, pos + n)];
      pos += n;
    } else if (wire === 5) {
      pos += 4;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
}

function metadataProps(path) {
  const buf = fs.readFileSync(path);
  const props = {};
  for (const [field, wire, value] of fields(buf)) {
    if (field !== 14 || wire !== 2) continue;
    let key = "";
    let text = "";
    for (const [f, w, v] of fields(value)) {
      if (w !== 2) continue;
      if (f === 1) key = v.toString("utf8");
      if (f === 2) text = v.toString("utf8");
    }
    props[key] = text;
  }
  return props;
}

function readVitalkitMetadata(path) {
  const props = metadataProps(path);
  if (!("vitalkit" in props)) {
    throw new Error(`${path}: ONNX model without VitalKit metadata (no 'vitalkit' in metadata_props)`);
  }
  const doc = JSON.parse(props.vitalkit);
  if (doc.format !== "vitalkit-model" || doc.format_version !== 1) {
    throw new Error(`${path}: model package format ${doc.format} ${doc.format_version}; this example reads version 1`);
  }
  return doc;
}

module.exports = { metadataProps, readVitalkitMetadata };
