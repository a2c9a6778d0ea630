#!/usr/bin/env node
// Classify beats with a VitalKit model package in onnxruntime-node.
//
//   node predict_beats.js MODEL.onnx INPUTS.csv [--json]
//
// INPUTS.csv is what `vitalkit predict --inputs` writes beside beats.csv: a header row naming the
// model's input columns (the beat-feature table "rr" columns, and window_0 ... for models with a
// window input), then one row per beat. Prints one line per beat (index, class, probabilities),
// or with --json one JSON document {classes, probabilities} for comparisons.
//
// A model whose metadata has "record_smoothing" {neighbours, keep} (the shipped default) averages
// each beat's probabilities with those of the beats of its recording that look and time like it:
// p = keep * own + (1 - keep) * mean over its neighbours. The neighbours are found by vitalkit
// (they need the beat windows) and written to INPUTS.csv as columns neighbour_0 ... (row numbers,
// the beat itself among them); this script applies the average, as `vitalkit predict` does.
"use strict";

const fs = require("fs");
const ort = require("onnxruntime-node");
const { readVitalkitMetadata } = require("./metadata");

function readCsv(path) {
  const lines = fs.readFileSync(path, "utf8").split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length < 2) throw new Error(`${path}: needs a header row and at least one beat`);
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(",").map(Number);
    if (cells.length !== header.length || cells.some((v) => !Number.isFinite(v))) {
      throw new Error(`${path}: line ${i + 2} does not hold ${header.length} numbers`);
    }
    return cells;
  });
  return { header, rows };
}

function inputTensor(spec, table, path) {
  const columns = spec.name === "rr" ? spec.columns : [];
  const [, ...dims] = spec.shape;
  const width = dims.reduce((a, b) => a * b, 1);
  const names = spec.name === "rr" ? columns : Array.from({ length: width }, (_, i) => `window_${i}`);
  const index = names.map((name) => table.header.indexOf(name));
  const missing = names.filter((_, i) => index[i] < 0);
  if (missing.length) throw new Error(`${path}: missing column(s) ${missing.slice(0, 5).join(", ")} for input ${spec.name}`);
  const data = new Float32Array(table.rows.length * width);
  table.rows.forEach((row, r) => index.forEach((c, j) => { data[r * width + j] = row[c]; }));
  return new ort.Tensor("float32", data, [table.rows.length, ...dims]);
}

function smoothWithinRecording(probabilities, setting, table, path) {
  const index = [];
  for (let j = 0; table.header.includes(`neighbour_${j}`); j++) index.push(table.header.indexOf(`neighbour_${j}`));
  if (index.length !== setting.neighbours) {
    throw new Error(
      `${path}: the model smooths over ${setting.neighbours} neighbours but the file has ${index.length} ` +
        "neighbour_* columns (write it with `vitalkit predict --inputs`)",
    );
  }
  const n = probabilities.length;
  return probabilities.map((own, r) => {
    const rows = index.map((c) => table.rows[r][c]);
    if (rows.some((v) => !Number.isInteger(v) || v < 0 || v >= n)) {
      throw new Error(`${path}: line ${r + 2} has a neighbour row outside 0..${n - 1}`);
    }
    return own.map((p, k) => {
      const mean = rows.reduce((sum, i) => sum + probabilities[i][k], 0) / rows.length;
      return setting.keep * p + (1 - setting.keep) * mean;
    });
  });
}

async function main(argv) {
  const [modelPath, csvPath] = argv.filter((a) => !a.startsWith("--"));
  if (!modelPath || !csvPath) {
    console.error("usage: node predict_beats.js MODEL.onnx INPUTS.csv [--json]");
    return 2;
  }
  const doc = readVitalkitMetadata(modelPath);
  const table = readCsv(csvPath);
  const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
  const feeds = {};
  for (const spec of doc.inputs) feeds[spec.name] = inputTensor(spec, table, csvPath);
  const output = (await session.run(feeds))[doc.output.name];
  const k = doc.output.classes.length;
  let probabilities = [];
  for (let r = 0; r < table.rows.length; r++) probabilities.push(Array.from(output.data.slice(r * k, (r + 1) * k)));
  if (doc.record_smoothing) probabilities = smoothWithinRecording(probabilities, doc.record_smoothing, table, csvPath);
  if (argv.includes("--json")) {
    process.stdout.write(JSON.stringify({ classes: doc.output.classes, probabilities }) + "\n");
  } else {
    probabilities.forEach((p, r) => {
      const best = p.indexOf(Math.max(...p));
      console.log(`${r}\t${doc.output.classes[best]}\t${p.map((v) => v.toFixed(5)).join("\t")}`);
    });
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (err) => {
  console.error(`predict_beats: error: ${err.message}`);
  process.exitCode = 2;
});
