// Classifies digit images with the model exported by samples/train_digits.py, in ONNX Runtime's
// Java API, with the preprocessing the model records in its metadata (the same onnx_model
// metadata keys that samples/deploy_web/onnx_model.mjs reads).
//
//   java -jar target/hybrid-deploy-jvm.jar MODEL.onnx IMAGES.json
//       one JSON line per image: index, label, predicted class and the ten class probabilities
//   java -jar target/hybrid-deploy-jvm.jar --bench N MODEL.onnx
//       batch-1 latency: median of N runs after warm-up, as JSON
//
// IMAGES.json is {"images": [[8 rows of 8 raw pixels], ...], "labels": [...]} as train_digits.py
// writes it (digits_test.json).
package hybrid.deploy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class JavaPredict {
  private static final String USAGE =
      "usage: java -jar hybrid-deploy-jvm.jar MODEL.onnx IMAGES.json\n"
          + "       java -jar hybrid-deploy-jvm.jar --bench N MODEL.onnx";
  private static final Gson GSON = new Gson();

  /** How raw pixels become the network's input: (raw - mean) * scale as dtype in layout. */
  record Preprocessing(String layout, String dtype, double scale, double mean) {}

  private JavaPredict() {}

  private static Path requireFile(String path, String what) {
    Path file = Path.of(path);
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(what + " not found: " + path);
    }
    return file;
  }

  private static String requireProp(Map<String, String> props, String key) {
    String value = props.get(key);
    if (value == null) {
      throw new IllegalArgumentException(
          "ONNX model: metadata_props lacks \"" + key + "\" (have: "
              + String.join(",", props.keySet()) + ")");
    }
    return value;
  }

  private static double requireNumber(Map<String, String> props, String key) {
    String text = requireProp(props, key);
    try {
      double value = Double.parseDouble(text);
      if (Double.isFinite(value)) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below, with the key
    }
    throw new IllegalArgumentException("ONNX model: \"" + key + "\" is not a number: " + text);
  }

  static Preprocessing readPreprocessing(OrtSession session) throws OrtException {
    Map<String, String> props = session.getMetadata().getCustomMetadata();
    Preprocessing pre = new Preprocessing(requireProp(props, "input_layout"),
        requireProp(props, "input_dtype"), requireNumber(props, "input_scale"),
        requireNumber(props, "input_mean"));
    if (!List.of("NCHW", "NHWC").contains(pre.layout())) {
      throw new IllegalArgumentException("ONNX model: input_layout " + pre.layout()
          + " unsupported");
    }
    if (!List.of("float32", "float64").contains(pre.dtype())) {
      throw new IllegalArgumentException("ONNX model: input_dtype " + pre.dtype()
          + " unsupported");
    }
    return pre;
  }

  /**
   * The input tensor of raw single-channel images (each rows of pixels). With one channel NCHW
   * and NHWC hold the pixels in the same order; only the dims differ.
   */
  static OnnxTensor toInput(OrtEnvironment env, JsonArray images, Preprocessing pre)
      throws OrtException {
    int n = images.size();
    JsonArray first = images.get(0).getAsJsonArray();
    int height = first.size();
    int width = first.get(0).getAsJsonArray().size();
    double[] values = new double[n * height * width];
    int i = 0;
    for (JsonElement image : images) {
      for (JsonElement row : image.getAsJsonArray()) {
        for (JsonElement raw : row.getAsJsonArray()) {
          values[i++] = (raw.getAsDouble() - pre.mean()) * pre.scale();
        }
      }
    }
    long[] dims = pre.layout().equals("NCHW")
        ? new long[] {n, 1, height, width}
        : new long[] {n, height, width, 1};
    if (pre.dtype().equals("float64")) {
      return OnnxTensor.createTensor(env, DoubleBuffer.wrap(values), dims);
    }
    float[] floats = new float[values.length];
    for (int j = 0; j < values.length; j++) {
      floats[j] = (float) values[j];
    }
    return OnnxTensor.createTensor(env, FloatBuffer.wrap(floats), dims);
  }

  static double[] softmax(float[] scores) {
    double top = Double.NEGATIVE_INFINITY;
    for (float s : scores) {
      top = Math.max(top, s);
    }
    double[] exps = new double[scores.length];
    double total = 0;
    for (int i = 0; i < scores.length; i++) {
      exps[i] = Math.exp(scores[i] - top);
      total += exps[i];
    }
    for (int i = 0; i < exps.length; i++) {
      exps[i] /= total;
    }
    return exps;
  }

  static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  static OrtSession openSession(OrtEnvironment env, String modelPath) throws OrtException {
    requireFile(modelPath, "model file");
    return env.createSession(modelPath, new OrtSession.SessionOptions());
  }

  static void classify(OrtEnvironment env, String modelPath, String imagesPath)
      throws OrtException, IOException {
    try (OrtSession session = openSession(env, modelPath)) {
      Preprocessing pre = readPreprocessing(session);
      JsonObject test;
      try (Reader reader = Files.newBufferedReader(requireFile(imagesPath, "images file"))) {
        test = JsonParser.parseReader(reader).getAsJsonObject();
      }
      JsonArray images = test.getAsJsonArray("images");
      JsonArray labels = test.has("labels") ? test.getAsJsonArray("labels") : new JsonArray();
      String input = session.getInputNames().iterator().next();
      try (OnnxTensor tensor = toInput(env, images, pre);
          OrtSession.Result result = session.run(Map.of(input, tensor))) {
        float[][] scores = (float[][]) result.get(0).getValue();
        for (int i = 0; i < scores.length; i++) {
          double[] probabilities = softmax(scores[i]);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("index", i);
          if (i < labels.size()) {
            row.put("label", labels.get(i));
          }
          row.put("predicted", argmax(probabilities));
          row.put("probabilities", probabilities);
          System.out.println(GSON.toJson(row));
        }
      }
    }
  }

  /**
   * Batch-1 latency of session.run on a constant input of the model's input shape (its symbolic
   * dims taken as 1), after warm-up runs; prints {"runtime", "version", "runs", "median_ms"}.
   */
  static void bench(OrtEnvironment env, String modelPath, int runs) throws OrtException {
    try (OrtSession session = openSession(env, modelPath)) {
      Map.Entry<String, NodeInfo> input = session.getInputInfo().entrySet().iterator().next();
      TensorInfo info = (TensorInfo) input.getValue().getInfo();
      if (info.type != OnnxJavaType.FLOAT) {
        throw new IllegalArgumentException("--bench: the model's first input must be float32");
      }
      long[] dims = info.getShape();
      long size = 1;
      for (int i = 0; i < dims.length; i++) {
        dims[i] = Math.max(dims[i], 1);
        size *= dims[i];
      }
      float[] data = new float[(int) size];
      Arrays.fill(data, 0.5f);
      int warmup = Math.max(5, runs / 10);
      double[] times = new double[runs];
      try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), dims)) {
        Map<String, OnnxTensor> feeds = Map.of(input.getKey(), tensor);
        for (int i = 0; i < warmup + runs; i++) {
          long start = System.nanoTime();
          session.run(feeds).close();
          double took = (System.nanoTime() - start) / 1e6;
          if (i >= warmup) {
            times[i - warmup] = took;
          }
        }
      }
      Arrays.sort(times);
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("runtime", "Java");
      row.put("version", env.getVersion());
      row.put("runs", runs);
      row.put("median_ms", (times[(runs - 1) / 2] + times[runs / 2]) / 2);
      System.out.println(GSON.toJson(row));
    }
  }

  static int run(String[] args) throws OrtException, IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        "deploy_jvm");
    if (args.length == 3 && args[0].equals("--bench")) {
      int runs = Integer.parseInt(args[1]);
      if (runs < 1) {
        throw new IllegalArgumentException("--bench: N must be at least 1");
      }
      bench(env, args[2], runs);
      return 0;
    }
    if (args.length == 2 && !args[0].startsWith("--")) {
      classify(env, args[0], args[1]);
      return 0;
    }
    System.err.println(USAGE);
    return 2;
  }

  public static void main(String[] args) {
    int code;
    try {
      code = run(args);
    } catch (OrtException | IOException | RuntimeException e) {
      System.err.println("error: " + e.getMessage());
      code = 1;
    }
    System.exit(code);
  }
}
