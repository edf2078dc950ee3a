// The digits page: loads the exported model with ONNX Runtime Web, classifies the shipped test
// images, and classifies what a person draws on the canvas. The model's own metadata says how raw
// pixels become its input (see onnx_model.mjs); nothing here repeats those constants.
//
// Query parameters: ?model=URL (default digits.onnx beside this page) and ?images=URL (default
// digits_test.json beside the model).
import * as ort from './node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import { classify, readPreprocessing } from './onnx_model.mjs';

// ONNX Runtime's wasm files come from this page's folder (npm ci), never from a CDN.
ort.env.wasm.wasmPaths = new URL('./node_modules/onnxruntime-web/dist/', import.meta.url).href;
// NOTE: a plain static server sends no cross-origin isolation headers, so the browser offers no
// SharedArrayBuffer and no wasm threads; ask for one thread instead of relying on a fallback.
ort.env.wasm.numThreads = 1;

const GRID = 8; // the digits are 8x8; the drawing is reduced through a 32x32 bitmap like the data
const BITMAP = 32;
const $ = (id) => document.getElementById(id);

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

function percent(p) {
  return `${(100 * p).toFixed(1)}%`;
}

/** Paints raw pixels (rows of values in pre.range) on an 8x8 canvas, ink dark on white. */
function paintDigit(canvas, raw, pre) {
  const [low, high] = pre.range;
  const context = canvas.getContext('2d');
  const image = context.createImageData(GRID, GRID);
  raw.flat().forEach((value, i) => {
    const shade = 255 - Math.round((255 * (value - low)) / (high - low));
    image.data.set([shade, shade, shade, 255], 4 * i);
  });
  context.putImageData(image, 0, 0);
}

function showTestImages(images, labels, results, pre) {
  const grid = $('test-images');
  let right = 0;
  results.forEach(({ predicted, probabilities }, i) => {
    const figure = document.createElement('figure');
    figure.dataset.index = i;
    figure.dataset.predicted = predicted;
    figure.dataset.probabilities = JSON.stringify(probabilities);
    const canvas = document.createElement('canvas');
    Object.assign(canvas, { width: GRID, height: GRID, className: 'digit' });
    paintDigit(canvas, images[i], pre);
    const caption = document.createElement('figcaption');
    caption.className = predicted === labels[i] ? 'right' : 'wrong';
    caption.textContent = `${labels[i]} → ${predicted} (${percent(probabilities[predicted])})`;
    right += predicted === labels[i];
    figure.append(canvas, caption);
    grid.append(figure);
  });
  $('test-summary').textContent =
    `${right} of ${results.length} right (label → prediction, probability).`;
}

function showPrediction({ predicted, probabilities }) {
  const prediction = $('prediction');
  prediction.dataset.predicted = predicted;
  const top = percent(probabilities[predicted]);
  prediction.innerHTML = `Prediction: <strong>${predicted}</strong> (${top})`;
  $('bars').replaceChildren(
    ...probabilities.map((p, digit) => {
      const row = document.createElement('li');
      row.classList.toggle('top', digit === predicted);
      row.innerHTML = `<span>${digit}</span><span class="track"><span class="fill"></span></span>
        <span class="value">${percent(p)}</span>`;
      row.querySelector('.fill').style.width = percent(p);
      return row;
    }),
  );
}

/** The ink's bounding box on the pad, or null when nothing is drawn. */
function inkBox(pad) {
  const { data, width, height } = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height);
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[4 * (y * width + x) + 3] === 0) continue;
      [left, top] = [Math.min(left, x), Math.min(top, y)];
      [right, bottom] = [Math.max(right, x), Math.max(bottom, y)];
    }
  }
  return right < 0 ? null : { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/**
 * The drawing as 8 rows of 8 raw pixels in the data's range: the ink is centred and scaled to fill
 * a 32x32 bitmap (as the digits were), then each 4x4 block's ink becomes one pixel.
 */
function drawingToRaw(pad, pre) {
  const box = inkBox(pad);
  if (!box) return null;
  const bitmap = Object.assign(document.createElement('canvas'), { width: BITMAP, height: BITMAP });
  const context = bitmap.getContext('2d');
  context.imageSmoothingQuality = 'high';
  const fit = BITMAP / Math.max(box.width, box.height);
  const [w, h] = [box.width * fit, box.height * fit];
  context.drawImage(pad, box.left, box.top, box.width, box.height,
    (BITMAP - w) / 2, (BITMAP - h) / 2, w, h);
  const alpha = context.getImageData(0, 0, BITMAP, BITMAP).data;
  const [low, high] = pre.range;
  const block = BITMAP / GRID;
  return Array.from({ length: GRID }, (_, row) => Array.from({ length: GRID }, (_, col) => {
    let ink = 0;
    for (let y = row * block; y < (row + 1) * block; y++) {
      for (let x = col * block; x < (col + 1) * block; x++) ink += alpha[4 * (y * BITMAP + x) + 3];
    }
    return Math.round(low + ((high - low) * ink) / (255 * block * block));
  }));
}

function setUpDrawing(session, pre) {
  const pad = $('pad');
  const context = pad.getContext('2d');
  Object.assign(context, { lineWidth: 22, lineCap: 'round', lineJoin: 'round' });
  let last = null;
  const point = (event) => {
    const rect = pad.getBoundingClientRect();
    return [(event.clientX - rect.left) * (pad.width / rect.width),
      (event.clientY - rect.top) * (pad.height / rect.height)];
  };
  const strokeTo = (next) => {
    context.beginPath();
    context.moveTo(...last);
    context.lineTo(...next);
    context.stroke();
    last = next;
  };
  // One inference at a time: strokes that end during a run queue behind it.
  let queue = Promise.resolve();
  const predict = () => {
    queue = queue.then(async () => {
      const raw = drawingToRaw(pad, pre);
      if (!raw) return;
      paintDigit($('preview'), raw, pre);
      showPrediction((await classify(ort, session, [raw], pre))[0]);
    }).catch(fail);
  };
  pad.addEventListener('pointerdown', (event) => {
    pad.setPointerCapture(event.pointerId);
    last = point(event);
    strokeTo(last);
  });
  pad.addEventListener('pointermove', (event) => last && strokeTo(point(event)));
  for (const type of ['pointerup', 'pointercancel']) {
    pad.addEventListener(type, () => {
      last = null;
      predict();
    });
  }
  $('clear').addEventListener('click', () => {
    context.clearRect(0, 0, pad.width, pad.height);
    $('preview').getContext('2d').clearRect(0, 0, GRID, GRID);
    $('bars').replaceChildren();
    $('prediction').textContent = 'Draw with the mouse or a finger.';
    delete $('prediction').dataset.predicted;
  });
}

function fail(error) {
  $('status').textContent = `Error: ${error.message ?? error}`;
  document.body.dataset.state = 'error';
  console.error(error);
}

async function main() {
  const params = new URLSearchParams(location.search);
  const modelUrl = new URL(params.get('model') ?? 'digits.onnx', location.href);
  const imagesUrl = new URL(params.get('images') ?? 'digits_test.json', modelUrl);
  const bytes = new Uint8Array(await (await fetchOk(modelUrl)).arrayBuffer());
  const pre = readPreprocessing(bytes);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  $('status').textContent = `Model ${modelUrl.pathname}: ${pre.description}; input = (raw − ` +
    `${pre.mean}) × ${pre.scale}, ${pre.dtype} ${pre.layout}, raw range ${pre.range.join('..')}.`;
  const { images, labels } = await (await fetchOk(imagesUrl)).json();
  showTestImages(images, labels, await classify(ort, session, images, pre), pre);
  setUpDrawing(session, pre);
  document.body.dataset.state = 'ready';
}

main().catch(fail);
