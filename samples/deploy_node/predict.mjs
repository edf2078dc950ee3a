// Classifies digit images with the model exported by samples/train_digits.py, in ONNX Runtime for
// Node.js, with the preprocessing the model records in its metadata.
//
//   npm ci && node predict.mjs MODEL.onnx IMAGES.json
//
// IMAGES.json is {"images": [[8 rows of 8 raw pixels], ...], "labels": [...]} as train_digits.py
// writes it (digits_test.json). Prints one JSON line per image: its index, label (when given),
// predicted class and the ten class probabilities.
import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { classify, readPreprocessing } from '../deploy_web/onnx_model.mjs';

async function main([modelPath, imagesPath]) {
  if (!modelPath || !imagesPath) {
    console.error('usage: node predict.mjs MODEL.onnx IMAGES.json');
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
