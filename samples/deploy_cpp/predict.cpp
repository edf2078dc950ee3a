// Classifies digit images with the model exported by samples/train_digits.py, in ONNX Runtime's
// C++ API, with the preprocessing the model records in its metadata (the same onnx_model
// metadata keys that samples/deploy_web/onnx_model.mjs reads).
//
//   predict MODEL.onnx IMAGES.json    one JSON line per image: index, label, predicted class and
//                                     the ten class probabilities
//   predict --bench N MODEL.onnx      batch-1 latency: median of N runs after warm-up, as JSON
//
// IMAGES.json is {"images": [[8 rows of 8 raw pixels], ...], "labels": [...]} as train_digits.py
// writes it (digits_test.json).
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Json = nlohmann::json;
constexpr const char* USAGE =
    "usage: predict MODEL.onnx IMAGES.json\n"
    "       predict --bench N MODEL.onnx";

// How raw pixels become the network's input: (raw - mean) * scale as dtype in layout.
struct Preprocessing {
  std::string layout;
  std::string dtype;
  double scale;
  double mean;
};

void require_file(const std::string& path, const char* what) {
  if (!std::filesystem::is_regular_file(path)) {
    throw std::runtime_error(std::string(what) + " not found: " + path);
  }
}

std::map<std::string, std::string> metadata_props(const Ort::Session& session) {
  Ort::AllocatorWithDefaultOptions allocator;
  Ort::ModelMetadata metadata = session.GetModelMetadata();
  std::map<std::string, std::string> props;
  for (const auto& key : metadata.GetCustomMetadataMapKeysAllocated(allocator)) {
    props[key.get()] = metadata.LookupCustomMetadataMapAllocated(key.get(), allocator).get();
  }
  return props;
}

const std::string& require_prop(const std::map<std::string, std::string>& props,
                                const std::string& key) {
  auto found = props.find(key);
  if (found == props.end()) {
    std::string have;
    for (const auto& prop : props) have += (have.empty() ? "" : ",") + prop.first;
    throw std::runtime_error("ONNX model: metadata_props lacks \"" + key + "\" (have: " + have +
                             ")");
  }
  return found->second;
}

double require_number(const std::map<std::string, std::string>& props, const std::string& key) {
  const std::string& text = require_prop(props, key);
  std::size_t used = 0;
  double value = NAN;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
  }
  if (used != text.size() || !std::isfinite(value)) {
    throw std::runtime_error("ONNX model: \"" + key + "\" is not a number: " + text);
  }
  return value;
}

Preprocessing read_preprocessing(const Ort::Session& session) {
  const auto props = metadata_props(session);
  Preprocessing pre{require_prop(props, "input_layout"), require_prop(props, "input_dtype"),
                    require_number(props, "input_scale"), require_number(props, "input_mean")};
  if (pre.layout != "NCHW" && pre.layout != "NHWC") {
    throw std::runtime_error("ONNX model: input_layout " + pre.layout + " unsupported");
  }
  if (pre.dtype != "float32" && pre.dtype != "float64") {
    throw std::runtime_error("ONNX model: input_dtype " + pre.dtype + " unsupported");
  }
  return pre;
}

// The input tensor of raw single-channel images (each `height` rows of `width` pixels). With one
// channel NCHW and NHWC hold the pixels in the same order; only the dims differ.
template <typename T>
Ort::Value to_input(const Json& images, const Preprocessing& pre, std::vector<T>& data) {
  const auto n = static_cast<int64_t>(images.size());
  const auto height = static_cast<int64_t>(images.at(0).size());
  const auto width = static_cast<int64_t>(images.at(0).at(0).size());
  data.clear();
  for (const auto& image : images) {
    for (const auto& row : image) {
      for (const auto& raw : row) data.push_back(static_cast<T>((raw.get<double>() - pre.mean) *
                                                                pre.scale));
    }
  }
  if (data.size() != static_cast<std::size_t>(n * height * width)) {
    throw std::runtime_error("images: every image must be " + std::to_string(height) + "x" +
                             std::to_string(width));
  }
  const std::vector<int64_t> dims = pre.layout == "NCHW"
                                        ? std::vector<int64_t>{n, 1, height, width}
                                        : std::vector<int64_t>{n, height, width, 1};
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  return Ort::Value::CreateTensor<T>(memory, data.data(), data.size(), dims.data(), dims.size());
}

std::vector<double> softmax(const float* scores, std::size_t count) {
  const double top = *std::max_element(scores, scores + count);
  std::vector<double> exps(count);
  double total = 0;
  for (std::size_t i = 0; i < count; ++i) total += exps[i] = std::exp(scores[i] - top);
  for (auto& e : exps) e /= total;
  return exps;
}

Ort::Session open_session(Ort::Env& env, const std::string& model_path) {
  require_file(model_path, "model file");
  return Ort::Session(env, model_path.c_str(), Ort::SessionOptions());
}

int classify(Ort::Env& env, const std::string& model_path, const std::string& images_path) {
  Ort::Session session = open_session(env, model_path);
  const Preprocessing pre = read_preprocessing(session);
  require_file(images_path, "images file");
  const Json test = Json::parse(std::ifstream(images_path));
  const Json& images = test.at("images");
  const Json labels = test.value("labels", Json::array());

  std::vector<float> floats;
  std::vector<double> doubles;
  Ort::Value input = pre.dtype == "float32" ? to_input(images, pre, floats)
                                            : to_input(images, pre, doubles);
  Ort::AllocatorWithDefaultOptions allocator;
  auto input_name = session.GetInputNameAllocated(0, allocator);
  auto output_name = session.GetOutputNameAllocated(0, allocator);
  const char* input_names[] = {input_name.get()};
  const char* output_names[] = {output_name.get()};
  auto outputs = session.Run(Ort::RunOptions{nullptr}, input_names, &input, 1, output_names, 1);
  const auto classes = static_cast<std::size_t>(
      outputs[0].GetTensorTypeAndShapeInfo().GetShape().at(1));
  const float* scores = outputs[0].GetTensorData<float>();

  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto probabilities = softmax(scores + i * classes, classes);
    const auto predicted = std::max_element(probabilities.begin(), probabilities.end()) -
                           probabilities.begin();
    Json row = {{"index", i}, {"predicted", predicted}, {"probabilities", probabilities}};
    if (i < labels.size()) row["label"] = labels[i];
    std::cout << row.dump() << '\n';
  }
  return 0;
}

// Batch-1 latency of session.Run on a constant input of the model's input shape (its symbolic
// dims taken as 1), after warm-up runs; prints {"runtime", "version", "runs", "median_ms"}.
int bench(Ort::Env& env, const std::string& model_path, int runs) {
  Ort::Session session = open_session(env, model_path);
  const Ort::TypeInfo type = session.GetInputTypeInfo(0);  // owns what `info` views
  const auto info = type.GetTensorTypeAndShapeInfo();
  if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
    throw std::runtime_error("--bench: the model's first input must be float32");
  }
  std::vector<int64_t> dims = info.GetShape();
  for (auto& dim : dims) dim = dim < 0 ? 1 : dim;
  int64_t size = 1;
  for (auto dim : dims) size *= dim;
  std::vector<float> data(static_cast<std::size_t>(size), 0.5f);
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  auto input = Ort::Value::CreateTensor<float>(memory, data.data(), data.size(), dims.data(),
                                               dims.size());
  Ort::AllocatorWithDefaultOptions allocator;
  auto input_name = session.GetInputNameAllocated(0, allocator);
  auto output_name = session.GetOutputNameAllocated(0, allocator);
  const char* input_names[] = {input_name.get()};
  const char* output_names[] = {output_name.get()};

  const int warmup = std::max(5, runs / 10);
  std::vector<double> times;
  for (int i = 0; i < warmup + runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    session.Run(Ort::RunOptions{nullptr}, input_names, &input, 1, output_names, 1);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (i >= warmup) times.push_back(took.count());
  }
  std::sort(times.begin(), times.end());
  const double median = (times[(runs - 1) / 2] + times[runs / 2]) / 2;
  std::cout << Json{{"runtime", "C++"}, {"version", Ort::GetVersionString()}, {"runs", runs},
                    {"median_ms", median}}.dump()
            << '\n';
  return 0;
}

int run(const std::vector<std::string>& args) {
  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "deploy_cpp");
  if (args.size() == 3 && args[0] == "--bench") {
    const int runs = std::stoi(args[1]);
    if (runs < 1) throw std::runtime_error("--bench: N must be at least 1");
    return bench(env, args[2], runs);
  }
  if (args.size() == 2 && args[0].rfind("--", 0) != 0) return classify(env, args[0], args[1]);
  std::cerr << USAGE << '\n';
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << '\n';
    return 1;
  }
}
