// Classifies digit images with the model exported by samples/train_digits.py, in ONNX Runtime's
// Java API called from Scala 3, with the preprocessing the model records in its metadata (the same
// onnx_model metadata keys that samples/deploy_web/onnx_model.mjs reads).
//
//   java -cp target/hybrid-deploy-jvm.jar hybrid.deploy.ScalaPredict MODEL.onnx IMAGES.json
//       one JSON line per image: index, label, predicted class and the ten class probabilities
//   java -cp target/hybrid-deploy-jvm.jar hybrid.deploy.ScalaPredict --bench N MODEL.onnx
//       batch-1 latency: median of N runs after warm-up, as JSON
//
// IMAGES.json is {"images": [[8 rows of 8 raw pixels], ...], "labels": [...]} as train_digits.py
// writes it (digits_test.json).
package hybrid.deploy

import ai.onnxruntime.{OnnxJavaType, OnnxTensor, OrtEnvironment, OrtException, OrtLoggingLevel}
import ai.onnxruntime.{OrtSession, TensorInfo}
import com.google.gson.{Gson, JsonArray, JsonObject, JsonParser}

import java.nio.{DoubleBuffer, FloatBuffer}
import java.nio.file.{Files, Path}
import java.util.LinkedHashMap
import scala.jdk.CollectionConverters.*
import scala.util.Using

object ScalaPredict:
  private val Usage =
    """usage: java -cp hybrid-deploy-jvm.jar hybrid.deploy.ScalaPredict MODEL.onnx IMAGES.json
      |       java -cp hybrid-deploy-jvm.jar hybrid.deploy.ScalaPredict --bench N MODEL.onnx"""
      .stripMargin
  private val gson = Gson()

  /** A failure reported to the user as one line, without a stack trace. */
  final class PredictError(message: String) extends RuntimeException(message)

  /** How raw pixels become the network's input: (raw - mean) * scale as dtype in layout. */
  final case class Preprocessing(layout: String, dtype: String, scale: Double, mean: Double)

  private def requireFile(path: String, what: String): Path =
    val file = Path.of(path)
    if !Files.isRegularFile(file) then throw PredictError(s"$what not found: $path")
    file

  private def requireProp(props: Map[String, String], key: String): String =
    props.getOrElse(key, throw PredictError(
      s"ONNX model: metadata_props lacks \"$key\" (have: ${props.keys.mkString(",")})"))

  private def requireNumber(props: Map[String, String], key: String): Double =
    val text = requireProp(props, key)
    text.toDoubleOption.filter(_.isFinite).getOrElse(
      throw PredictError(s"ONNX model: \"$key\" is not a number: $text"))

  def readPreprocessing(session: OrtSession): Preprocessing =
    val props = session.getMetadata.getCustomMetadata.asScala.toMap
    val pre = Preprocessing(requireProp(props, "input_layout"), requireProp(props, "input_dtype"),
      requireNumber(props, "input_scale"), requireNumber(props, "input_mean"))
    if !Set("NCHW", "NHWC")(pre.layout) then
      throw PredictError(s"ONNX model: input_layout ${pre.layout} unsupported")
    if !Set("float32", "float64")(pre.dtype) then
      throw PredictError(s"ONNX model: input_dtype ${pre.dtype} unsupported")
    pre

  /** The input tensor of raw single-channel images (each rows of pixels). With one channel NCHW
   *  and NHWC hold the pixels in the same order; only the dims differ.
   */
  def toInput(env: OrtEnvironment, images: JsonArray, pre: Preprocessing): OnnxTensor =
    val pixels = images.asScala.toVector.map(_.getAsJsonArray.asScala.toVector.map(
      _.getAsJsonArray.asScala.toVector.map(_.getAsDouble)))
    val (n, height, width) = (pixels.size.toLong, pixels(0).size.toLong, pixels(0)(0).size.toLong)
    val values = pixels.flatten.flatten.map(raw => (raw - pre.mean) * pre.scale).toArray
    val dims =
      if pre.layout == "NCHW" then Array(n, 1L, height, width) else Array(n, height, width, 1L)
    if pre.dtype == "float64" then OnnxTensor.createTensor(env, DoubleBuffer.wrap(values), dims)
    else OnnxTensor.createTensor(env, FloatBuffer.wrap(values.map(_.toFloat)), dims)

  def softmax(scores: Array[Float]): Array[Double] =
    val top = scores.max.toDouble
    val exps = scores.map(s => math.exp(s - top))
    exps.map(_ / exps.sum)

  private def openSession(env: OrtEnvironment, modelPath: String): OrtSession =
    requireFile(modelPath, "model file")
    env.createSession(modelPath, OrtSession.SessionOptions())

  def classify(env: OrtEnvironment, modelPath: String, imagesPath: String): Unit =
    Using.resource(openSession(env, modelPath)) { session =>
      val pre = readPreprocessing(session)
      val test = Using.resource(Files.newBufferedReader(requireFile(imagesPath, "images file"))) {
        reader => JsonParser.parseReader(reader).getAsJsonObject
      }
      val images = test.getAsJsonArray("images")
      val labels = if test.has("labels") then test.getAsJsonArray("labels") else JsonArray()
      val input = session.getInputNames.iterator.next
      Using.resource(toInput(env, images, pre)) { tensor =>
        Using.resource(session.run(Map(input -> tensor).asJava)) { result =>
          val scores = result.get(0).getValue.asInstanceOf[Array[Array[Float]]]
          for (row, index) <- scores.zipWithIndex do
            val probabilities = softmax(row)
            val line = LinkedHashMap[String, Any]()
            line.put("index", index)
            if index < labels.size then line.put("label", labels.get(index))
            line.put("predicted", probabilities.indexOf(probabilities.max))
            line.put("probabilities", probabilities)
            println(gson.toJson(line))
        }
      }
    }

  /** Batch-1 latency of session.run on a constant input of the model's input shape (its
   *  symbolic dims taken as 1), after warm-up runs; prints {"runtime", "version", "runs",
   *  "median_ms"}.
   */
  def bench(env: OrtEnvironment, modelPath: String, runs: Int): Unit =
    Using.resource(openSession(env, modelPath)) { session =>
      val (name, node) = session.getInputInfo.asScala.head
      val info = node.getInfo match
        case tensor: TensorInfo if tensor.`type` == OnnxJavaType.FLOAT => tensor
        case _ => throw PredictError("--bench: the model's first input must be float32")
      val dims = info.getShape.map(_ max 1L)
      val data = Array.fill(dims.product.toInt)(0.5f)
      val warmup = math.max(5, runs / 10)
      val times = Using.resource(OnnxTensor.createTensor(env, FloatBuffer.wrap(data), dims)) {
        tensor =>
          val feeds = Map(name -> tensor).asJava
          for i <- 0 until warmup + runs yield
            val start = System.nanoTime
            session.run(feeds).close()
            (System.nanoTime - start) / 1e6
      }.drop(warmup).sorted
      val line = LinkedHashMap[String, Any]()
      line.put("runtime", "Scala")
      line.put("version", env.getVersion)
      line.put("runs", runs)
      line.put("median_ms", (times((runs - 1) / 2) + times(runs / 2)) / 2)
      println(gson.toJson(line))
    }

  def run(args: Seq[String]): Int =
    val env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "deploy_jvm")
    args match
      case Seq("--bench", n, model) =>
        val runs = n.toIntOption.filter(_ >= 1).getOrElse(
          throw PredictError(s"--bench: N must be a whole number of at least 1, not $n"))
        bench(env, model, runs)
        0
      case Seq(model, images) if !model.startsWith("--") =>
        classify(env, model, images)
        0
      case _ =>
        System.err.println(Usage)
        2

  def main(args: Array[String]): Unit =
    val code =
      try run(args.toSeq)
      catch
        case e: (PredictError | OrtException | java.io.IOException |
            com.google.gson.JsonParseException) =>
          System.err.println(s"error: ${e.getMessage}")
          1
    sys.exit(code)
