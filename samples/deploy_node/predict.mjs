// Classifies digit images with the model exported by samples/train_digits.py, in ONNX Runtime for
// Node.js, with the preprocessing the model records in its metadata.
//
//   npm ci && node predict.mjs MODEL.onnx IMAGES.json
//   node predict.mjs --bench N MODEL.onnx
//
// IMAGES.json is {"images": [[8 rows of 8 raw pixels], ...], "labels": [...]} as train_digits.py
// writes it (digits_test.json). Prints one JSON line per image: its index, label (when given),
// predicted class and the ten class probabilities. With --bench, prints the batch-1 latency as
// JSON instead: the median of N runs after warm-up, as the C++ and JVM samples do.
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { classify, readPreprocessing } from '../deploy_web/onnx_model.mjs';

// Batch-1 latency of session.run on a constant input of the model's input shape (its symbolic
// dims taken as 1), after warm-up runs.
async function bench(runs, modelPath) {
  const session = await ort.InferenceSession.create(modelPath);
  const [input] = session.inputMetadata;
  if (input.type !== 'float32') {
    throw new Error("--bench: the model's first input must be float32");
  }
  const dims = input.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size).fill(0.5);
  const feeds = { [input.name]: new ort.Tensor('float32', data, dims) };
  const warmup = Math.max(5, Math.floor(runs / 10));
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const median = (times[Math.floor((runs - 1) / 2)] + times[Math.floor(runs / 2)]) / 2;
  const version = ort.env.versions.common;
  console.log(JSON.stringify({ runtime: 'Node.js', version, runs, median_ms: median }));
  return 0;
}

async function main([modelPath, imagesPath, ...rest]) {
  const runs = Number(imagesPath);
  if (modelPath === '--bench' && rest.length === 1 && Number.isInteger(runs) && runs >= 1) {
    return bench(runs, rest[0]);
  }
  if (!modelPath || !imagesPath || rest.length) {
    console.error(
      'usage: node predict.mjs MODEL.onnx IMAGES.json\n       node predict.mjs --bench N MODEL.onnx',
    );
    return 2;
  }
  const bytes = new Uint8Array(await readFile(modelPath));
  const pre = readPreprocessing(bytes);
  const session = await ort.InferenceSession.create(bytes);
  const { images, labels = [] } = JSON.parse(await readFile(imagesPath, 'utf8'));
  const results = await classify(ort, session, images, pre);
  results.forEach(({ predicted, probabilities }, index) => {
    console.log(JSON.stringify({ index, label: labels[index], predicted, probabilities }));
  });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
