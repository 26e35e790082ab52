//===- Calibrate.cpp - FP32 ranges over a calibration set ------------------------------------===//
//
// Runs the FP32 reference interpreter over the calibration inputs (.npy files of --calib DIR,
// or --calib-synthetic N seeded N(0,1) batches) and records, as attributes (QuantAttrs.h):
//   * on every op: max |result| per result (Q formats of lower-to-fixed-point);
//   * on vimq.Linear / vimq.PatchEmbed: per-input-channel max |x| (smoothing);
//   * on ops reading a graph input: max |input| (the Q format of q.FromFloat).
// Running it again (after smoothing) overwrites the previous ranges.
//
//===----------------------------------------------------------------------------------------===//
#include "QuantAttrs.h"

#include "vimq/interp/Interpreter.h"
#include "vimq/quant/Passes.h"
#include "vimq/support/Error.h"
#include "vimq/support/Npy.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

namespace vimq::quant {

using ir::Op;
using ir::Value;

namespace {

/// |v| as its bit pattern, or 0 for NaN. For non-negative floats (+inf included) the bit
/// patterns (all below 2^31) order like the values, so an integer max over them is the float max; NaN never
/// raises a maximum (as a float comparison would not either). Integer operations also let the
/// loops vectorise, which float selects do not under GCC's default -ftrapping-math.
inline int32_t absBits(float v) {
  int32_t u;
  std::memcpy(&u, &v, sizeof u);
  u &= 0x7fffffff;
  return u > 0x7f800000 ? 0 : u; // signed: SSE2 compares int32 directly, not uint32
}
inline float fromBits(int32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

/// max(m, |v|) over float data (m >= 0), in eight independent lanes so that the loop
/// vectorises; max is exact and order-independent, so the lane split does not change the result.
float absMaxF32(const float *p, int64_t n, float m) {
  int32_t lane[8];
  for (int32_t &l : lane)
    l = absBits(m);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      int32_t a = absBits(p[i + k]);
      lane[k] = a > lane[k] ? a : lane[k];
    }
  for (; i < n; ++i) {
    int32_t a = absBits(p[i]);
    lane[0] = a > lane[0] ? a : lane[0];
  }
  for (int k = 1; k < 8; ++k)
    lane[0] = lane[k] > lane[0] ? lane[k] : lane[0];
  return fromBits(lane[0]);
}

double absMax(const Tensor &t) {
  if (t.dtype() == DType::F32) // the common case, without a dtype switch per element
    return absMaxF32(t.data<float>(), t.numel(), 0.0f);
  if (!isFloat(t.dtype()))
    return 0;
  double m = 0;
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    m = std::fmax(m, std::fabs(t.getDouble(i)));
  return m;
}

/// Standard normal samples from a 64-bit Mersenne twister by Box-Muller, written out because
/// std::normal_distribution is implementation-defined: the calibration set (and so the
/// compiled bundle) must be the same with every standard library.
Tensor syntheticInput(const Value &in, std::mt19937_64 &rng) {
  Tensor t(DType::F32, in.shape());
  float *p = t.data<float>();
  auto uniform = [&] { return (double(rng() >> 11) + 0.5) * 0x1p-53; };
  for (int64_t i = 0, n = t.numel(); i < n; i += 2) {
    double r = std::sqrt(-2 * std::log(uniform())), a = 2 * M_PI * uniform();
    p[i] = float(r * std::cos(a));
    if (i + 1 < n)
      p[i + 1] = float(r * std::sin(a));
  }
  return t;
}

/// The number of embedding rows an integer graph input indexes (the table of the
/// vimq.Embedding that reads it), or an error: an integer input has no range to calibrate
/// otherwise, and its synthetic samples and files are checked against it.
llvm::Expected<int64_t> indexLimit(const ir::Graph &g, const Value &in) {
  int64_t limit = 0;
  for (const auto &op : g.ops())
    if (op->numOperands() > 1 && op->operand(0) == &in && op->is("vimq.Embedding") &&
        op->operand(1) && op->operand(1)->rank() == 2)
      limit = limit ? std::min(limit, op->operand(1)->shape()[0]) : op->operand(1)->shape()[0];
  if (limit <= 0)
    return makeError("graph input '{0}' is {1}: an integer input must be token ids read by "
                     "an embedding (Gather of a [V, D] table)",
                     in.name(), in.type().str());
  return limit;
}

/// Seeded token ids uniform in [0, limit), from the same 64-bit Mersenne twister (written out:
/// std::uniform_int_distribution is implementation-defined).
Tensor syntheticIds(const Value &in, int64_t limit, std::mt19937_64 &rng) {
  Tensor t(in.dtype(), in.shape());
  for (int64_t i = 0, n = t.numel(); i < n; ++i) {
    int64_t id = int64_t((unsigned __int128)rng() * uint64_t(limit) >> 64);
    if (in.dtype() == DType::I64)
      t.data<int64_t>()[i] = id;
    else
      t.data<int32_t>()[i] = int32_t(id);
  }
  return t;
}

/// Checks one calibration sample of input `in` read from `file` (element `base` onwards of
/// that file) and converts integer ids to the input's dtype: NaN/Inf would make every range
/// meaningless (absmax silently 0 or inf), an id outside the table would read past it.
llvm::Expected<Tensor> checkedSample(const Tensor &t, const Value &in, int64_t limit,
                                     llvm::StringRef file, int64_t base) {
  if (in.dtype() == DType::F32) {
    const float *p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(p[i]))
        return makeError("{0}: element {1} is {2}; calibration data must be finite", file,
                         base + i, std::isnan(p[i]) ? "NaN" : "infinite");
    return t;
  }
  Tensor out(in.dtype(), in.shape());
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t id = t.dtype() == DType::I64 ? t.data<int64_t>()[i] : t.data<int32_t>()[i];
    if (id < 0 || id >= limit)
      return makeError("{0}: element {1} is token id {2}, outside the embedding's [0, {3})",
                       file, base + i, id, limit);
    if (in.dtype() == DType::I64)
      out.data<int64_t>()[i] = id;
    else
      out.data<int32_t>()[i] = int32_t(id);
  }
  return out;
}

bool dtypeAccepted(DType file, DType input) {
  if (input == DType::F32)
    return file == DType::F32;
  return file == DType::I64 || file == DType::I32;
}

/// The calibration samples: seeded synthetic ones, or read from --calib, which is either a
/// folder of .npy files (one sample each, shaped like the input) or one .npy file holding
/// several samples: [N, ...input shape], or [N·B, ...] for an input of batch B.
llvm::Expected<std::vector<interp::NamedTensors>> calibrationSet(const ir::Graph &g,
                                                                 const QuantOptions &opts) {
  std::vector<interp::NamedTensors> set;
  llvm::SmallVector<int64_t, 2> limits;
  for (const Value *in : g.inputs()) {
    if (in->dtype() == DType::F32) {
      limits.push_back(0);
      continue;
    }
    if (in->dtype() != DType::I64 && in->dtype() != DType::I32)
      return makeError("graph input '{0}' is {1}; calibration takes f32 inputs and integer "
                       "token ids",
                       in->name(), in->type().str());
    auto limit = indexLimit(g, *in);
    if (!limit)
      return limit.takeError();
    limits.push_back(*limit);
  }
  if (opts.calibDir.empty()) {
    if (opts.calibSynthetic == 0)
      return makeError("an empty calibration set (--calib-synthetic 0)");
    std::mt19937_64 rng(opts.calibSeed);
    for (unsigned s = 0; s < opts.calibSynthetic; ++s) {
      interp::NamedTensors sample;
      for (size_t i = 0; i < g.inputs().size(); ++i) {
        const Value *in = g.inputs()[i];
        sample[in->name()] =
            limits[i] ? syntheticIds(*in, limits[i], rng) : syntheticInput(*in, rng);
      }
      set.push_back(std::move(sample));
    }
    return set;
  }
  if (g.inputs().size() != 1)
    return makeError("--calib takes samples of one input and needs a one-input model; this "
                     "one has {0} inputs",
                     g.inputs().size());
  const Value *in = g.inputs()[0];
  const int64_t limit = limits[0];
  auto expected = [&](llvm::StringRef f, const Tensor &t, llvm::StringRef shape) {
    return makeError("{0}: expected {1}{2} for input '{3}', got {4}{5}", f,
                     in->dtype() == DType::F32 ? "f32" : "i64 or i32 ", shape, in->name(),
                     dtypeName(t.dtype()), shapeStr(t.shape()));
  };
  if (!llvm::sys::fs::is_directory(opts.calibDir)) {
    // One array of samples.
    auto t = readNpy(opts.calibDir);
    if (!t)
      return makeError("{0}: {1}", opts.calibDir, llvm::toString(t.takeError()));
    llvm::ArrayRef<int64_t> is = in->shape(), ts = t->shape();
    int64_t per = in->type().numel(), n = 0;
    if (ts.size() == is.size() + 1 && ts.drop_front() == is)
      n = ts[0];
    else if (!is.empty() && ts.size() == is.size() && ts.drop_front() == is.drop_front() &&
             is[0] > 0 && ts[0] % is[0] == 0)
      n = ts[0] / is[0];
    if (!dtypeAccepted(t->dtype(), in->dtype()) || n == 0)
      return expected(opts.calibDir, *t,
                      "[N, " + shapeStr(is).substr(1) + " (or [N*B, ...]) of N samples");
    for (int64_t s = 0; s < n; ++s) {
      Tensor sample(t->dtype(), is);
      std::memcpy(sample.raw(), t->raw() + s * per * int64_t(dtypeSize(t->dtype())),
                  size_t(per) * dtypeSize(t->dtype()));
      auto checked = checkedSample(sample, *in, limit, opts.calibDir, s * per);
      if (!checked)
        return checked.takeError();
      interp::NamedTensors ns;
      ns[in->name()] = std::move(*checked);
      set.push_back(std::move(ns));
    }
    return set;
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(opts.calibDir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::extension(it->path()) == ".npy")
      files.push_back(it->path());
  if (ec)
    return makeError("cannot read folder '{0}': {1}", opts.calibDir, ec.message());
  if (files.empty())
    return makeError("no .npy file in '{0}'", opts.calibDir);
  std::sort(files.begin(), files.end()); // directory order is not deterministic
  for (const std::string &f : files) {
    auto t = readNpy(f);
    if (!t)
      return makeError("{0}: {1}", f, llvm::toString(t.takeError()));
    if (!dtypeAccepted(t->dtype(), in->dtype()) || t->shape() != in->shape())
      return expected(f, *t, shapeStr(in->shape()));
    auto checked = checkedSample(*t, *in, limit, f, 0);
    if (!checked)
      return checked.takeError();
    interp::NamedTensors sample;
    sample[in->name()] = std::move(*checked);
    set.push_back(std::move(sample));
  }
  return set;
}

/// "\rcalibrate: sample 2/4" on stderr, only on a terminal.
class Progress {
public:
  explicit Progress(size_t n) : n_(n), on_(llvm::errs().is_displayed()) {}
  ~Progress() {
    if (on_)
      llvm::errs() << "\r" << std::string(40, ' ') << "\r";
  }
  void show(size_t i) {
    if (on_)
      llvm::errs() << "\rcalibrate: sample " << i + 1 << "/" << n_;
  }

private:
  size_t n_;
  bool on_;
};

class Calibrate : public Pass {
public:
  explicit Calibrate(QuantOptions opts) : opts_(std::move(opts)) {}
  llvm::StringRef name() const override { return "calibrate"; }
  llvm::StringRef description() const override {
    return "run the FP32 interpreter on calibration inputs; record value ranges and "
           "per-channel absmax of linear inputs";
  }

  llvm::Expected<bool> run(ir::Graph &g) override {
    auto set = calibrationSet(g, opts_);
    if (!set)
      return set.takeError();
    llvm::DenseMap<const Value *, double> graphInputMax;
    llvm::DenseMap<const Value *, llvm::SmallVector<const Op *, 2>> linearUsers;
    for (const auto &op : g.ops())
      if (op->is("vimq.Linear") && !op->operand(0)->isConstant())
        linearUsers[op->operand(0)].push_back(op.get());
    for (size_t s = 0; s < set->size(); ++s)
      for (const Value *in : g.inputs())
        graphInputMax[in] = std::fmax(graphInputMax[in], absMax((*set)[s][in->name()]));

    // Samples are independent interpreter runs: workers take samples in turn, each keeping its
    // own maxima, merged afterwards. max is exact and order-independent, so the ranges do not
    // depend on the number of workers or on scheduling.
    struct Stats {
      llvm::DenseMap<const Op *, std::vector<double>> resultMax, channelMax;
    };
    size_t nSamples = set->size();
    size_t workers = std::min<size_t>(nSamples, std::max(1u, std::thread::hardware_concurrency()));
    workers = std::min<size_t>(workers, 4);
    std::vector<Stats> stats(workers);
    std::vector<llvm::Error> errors;
    for (size_t s = 0; s < nSamples; ++s)
      errors.push_back(llvm::Error::success());
    std::atomic<size_t> next{0};
    std::mutex progressMutex;
    Progress progress(nSamples);
    auto work = [&](size_t w) {
      Stats &st = stats[w];
      for (size_t s; (s = next.fetch_add(1)) < nSamples;) {
        {
          std::lock_guard<std::mutex> lock(progressMutex);
          progress.show(s);
        }
        interp::Interpreter interp(g);
        interp.onOpDone = [&](const Op &op, llvm::ArrayRef<Tensor> results) {
          auto &rm = st.resultMax[&op];
          rm.resize(results.size(), 0);
          for (size_t i = 0; i < results.size(); ++i)
            rm[i] = std::fmax(rm[i], absMax(results[i]));
          // Per-channel maxima of a linear's input are taken from its producer's results
          // (the callback sees results, not operands).
          for (size_t i = 0; i < results.size(); ++i) {
            auto it = linearUsers.find(op.result(unsigned(i)));
            if (it != linearUsers.end())
              for (const Op *user : it->second)
                accumulateChannels(st.channelMax[user], results[i]);
          }
        };
        auto out = interp.run((*set)[s]);
        if (!out)
          errors[s] = out.takeError();
      }
    };
    {
      std::vector<std::thread> pool;
      for (size_t w = 1; w < workers; ++w)
        pool.emplace_back(work, w);
      work(0);
      for (std::thread &t : pool)
        t.join();
    }
    llvm::Error firstError = llvm::Error::success();
    for (llvm::Error &e : errors)
      if (e) {
        if (!firstError)
          firstError = std::move(e);
        else
          llvm::consumeError(std::move(e));
      }
    if (firstError)
      return firstError;
    llvm::DenseMap<const Op *, std::vector<double>> resultMax, channelMax;
    auto merge = [](llvm::DenseMap<const Op *, std::vector<double>> &into,
                    const llvm::DenseMap<const Op *, std::vector<double>> &from) {
      for (const auto &[op, v] : from) {
        auto &dst = into[op];
        if (dst.size() < v.size())
          dst.resize(v.size(), 0);
        for (size_t i = 0; i < v.size(); ++i)
          dst[i] = std::max(dst[i], v[i]);
      }
    };
    for (const Stats &st : stats) {
      merge(resultMax, st.resultMax);
      merge(channelMax, st.channelMax);
    }
    for (const auto &op : g.ops()) {
      auto it = resultMax.find(op.get());
      if (it != resultMax.end())
        op->setAttr(attrs::kAbsMax, it->second);
      auto ch = channelMax.find(op.get());
      if (ch != channelMax.end())
        op->setAttr(attrs::kChannelMax, ch->second);
      double im = -1;
      for (const Value *v : op->operands())
        if (graphInputMax.count(v))
          im = std::fmax(im, graphInputMax[v]);
      if (im >= 0)
        op->setAttr(attrs::kInputAbsMax, im);
    }
    return true;
  }

private:
  /// Per-channel max |x| over the rows of t; the channel maxima are floats (|float| is exact),
  /// widened once at the end, which equals widening every element first.
  static void accumulateChannels(std::vector<double> &acc, const Tensor &t) {
    int64_t c = t.dim(-1), rows = t.numel() / std::max<int64_t>(c, 1);
    acc.resize(size_t(c), 0);
    std::vector<int32_t> m(size_t(c), 0); // absBits of the channel maxima
    const float *p = t.data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = p + r * c;
      int32_t *mr = m.data();
      for (int64_t j = 0; j < c; ++j) {
        int32_t a = absBits(row[j]);
        mr[j] = a > mr[j] ? a : mr[j];
      }
    }
    for (int64_t j = 0; j < c; ++j)
      acc[size_t(j)] = std::max(acc[size_t(j)], double(fromBits(m[size_t(j)])));
  }

  QuantOptions opts_;
};

} // namespace

std::unique_ptr<Pass> createCalibratePass(const QuantOptions &opts) {
  return std::make_unique<Calibrate>(opts);
}

} // namespace vimq::quant
