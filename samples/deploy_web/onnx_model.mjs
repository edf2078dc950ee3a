// What both deploy samples (samples/deploy_node and this page) need from the exported digits model:
// its metadata_props (read by a minimal protobuf reader: ONNX Runtime's JavaScript API does not
// expose custom metadata), the preprocessing recorded there, and classification with softmax.
// It lives in the page's folder because a browser can only import files under the served root;
// Node imports it from here too, so there is one definition. It never imports ONNX Runtime: the
// caller passes its own `ort` (onnxruntime-node or onnxruntime-web).

// Field numbers from onnx/onnx.proto: ModelProto.metadata_props = 14 (StringStringEntryProto:
// key = 1, value = 2). Protobuf wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.
const METADATA_PROPS = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DTYPES = { float32: Float32Array, float64: Float64Array };
const LAYOUTS = ['NCHW', 'NHWC'];

function readVarint(bytes, pos) {
  let value = 0;
  let scale = 1;
  let byte;
  do {
    if (pos >= bytes.length) throw new Error('ONNX model: truncated protobuf varint');
    byte = bytes[pos++];
    value += (byte & 0x7f) * scale; // NOTE: not shifts, so values above 2**31 stay exact
    scale *= 128;
  } while (byte & 0x80);
  return [value, pos];
}

// Yields {field, start, end} for each length-delimited field of one message in bytes[start, end);
// fields of other wire types are skipped.
function* lengthDelimitedFields(bytes, start, end) {
  let pos = start;
  while (pos < end) {
    let key;
    let length;
    [key, pos] = readVarint(bytes, pos);
    const wireType = key % 8;
    if (wireType === 0) [, pos] = readVarint(bytes, pos);
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      [length, pos] = readVarint(bytes, pos);
      if (pos + length > end) throw new Error('ONNX model: truncated protobuf field');
      yield { field: Math.floor(key / 8), start: pos, end: pos + length };
      pos += length;
    } else throw new Error(`ONNX model: unexpected protobuf wire type ${wireType} at byte ${pos}`);
  }
}

/** The model's metadata_props as a plain object, read from the ONNX file's bytes (Uint8Array). */
export function readMetadataProps(bytes) {
  const text = new TextDecoder();
  const props = {};
  for (const prop of lengthDelimitedFields(bytes, 0, bytes.length)) {
    if (prop.field !== METADATA_PROPS) continue;
    const entry = {};
    for (const part of lengthDelimitedFields(bytes, prop.start, prop.end)) {
      entry[part.field] = text.decode(bytes.subarray(part.start, part.end));
    }
    props[entry[ENTRY_KEY] ?? ''] = entry[ENTRY_VALUE] ?? '';
  }
  return props;
}

function requireProp(props, key) {
  if (!(key in props)) {
    throw new Error(`ONNX model: metadata_props lacks "${key}" (have: ${Object.keys(props)})`);
  }
  return props[key];
}

function requireNumber(props, key) {
  const value = Number(requireProp(props, key));
  if (!Number.isFinite(value)) throw new Error(`ONNX model: "${key}" is not a number`);
  return value;
}

/**
 * The preprocessing recorded in the model by samples/train_digits.py: input = (raw - mean) * scale
 * as `dtype` in `layout`; `range` is the raw pixel range [low, high].
 */
export function readPreprocessing(bytes) {
  const props = readMetadataProps(bytes);
  const layout = requireProp(props, 'input_layout');
  const dtype = requireProp(props, 'input_dtype');
  if (!LAYOUTS.includes(layout)) throw new Error(`ONNX model: input_layout ${layout} unsupported`);
  if (!(dtype in DTYPES)) throw new Error(`ONNX model: input_dtype ${dtype} unsupported`);
  return {
    layout,
    dtype,
    scale: requireNumber(props, 'input_scale'),
    mean: requireNumber(props, 'input_mean'),
    range: requireProp(props, 'input_range').split(',').map(Number),
    description: props.input_description ?? '',
  };
}

/**
 * One input tensor's data and dims from raw single-channel images: an array of `height` rows of
 * `width` raw pixel values each.
 */
export function toInput(images, pre) {
  const [height, width] = [images[0].length, images[0][0].length];
  const data = new DTYPES[pre.dtype](images.length * height * width);
  // NOTE: with one channel NCHW and NHWC hold the pixels in the same order; only the dims differ.
  images.flat(2).forEach((raw, i) => {
    data[i] = (raw - pre.mean) * pre.scale;
  });
  const n = images.length;
  const dims = pre.layout === 'NCHW' ? [n, 1, height, width] : [n, height, width, 1];
  return { data, dims };
}

function softmax(scores) {
  const top = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Classifies raw images with `session`; returns [{predicted, probabilities}] per image. */
export async function classify(ort, session, images, pre) {
  const { data, dims } = toInput(images, pre);
  const feeds = { [session.inputNames[0]]: new ort.Tensor(pre.dtype, data, dims) };
  const scores = (await session.run(feeds))[session.outputNames[0]];
  const classes = scores.dims[1];
  return images.map((_, i) => {
    const probabilities = softmax(Array.from(scores.data.subarray(i * classes, (i + 1) * classes)));
    return { predicted: probabilities.indexOf(Math.max(...probabilities)), probabilities };
  });
}
