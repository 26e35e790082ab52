//===- Report.cpp - per-op and per-layer profiles, the run report ---------------------------===//
#include "vimq/runtime/Report.h"

#include "vimq/support/Error.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

using namespace vimq;
using namespace vimq::rt;

uint64_t OpCycles::busyTotal() const {
  uint64_t t = 0;
  for (uint64_t b : busy)
    t += b;
  return t;
}

std::string rt::layerOf(llvm::StringRef opName) {
  llvm::SmallVector<llvm::StringRef, 8> parts;
  opName.split(parts, '/', -1, /*KeepEmpty=*/false);
  if (parts.size() > 1)
    parts.pop_back(); // the node itself
  for (llvm::StringRef p : parts) {
    llvm::StringRef rest = p;
    if (rest.consume_front("layers.") || rest.consume_front("layers_")) {
      unsigned n;
      if (!rest.getAsInteger(10, n))
        return ("layers." + llvm::Twine(n)).str();
    }
  }
  for (llvm::StringRef p : parts)
    if (p != "backbone")
      return p.str();
  return opName.str();
}

namespace {

/// "node 'NAME' (KIND)" -> (NAME, KIND); anything else is its own name.
std::pair<std::string, std::string> parseOrigin(llvm::StringRef origin) {
  llvm::StringRef s = origin;
  if (s.consume_front("node '")) {
    size_t q = s.rfind("' (");
    if (q != llvm::StringRef::npos && s.endswith(")"))
      return {s.substr(0, q).str(), s.substr(q + 3).drop_back().str()};
  }
  return {origin.str(), ""};
}

} // namespace

llvm::Expected<std::vector<OpCycles>> rt::cyclesByOp(const isa::Bundle &bundle,
                                                     const Profile &p) {
  if (p.instructions.empty())
    return makeError("the device recorded no per-instruction timings (the sim does)");
  nlohmann::json meta = nlohmann::json::parse(bundle.metadata, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object() || !meta.contains("checkpoints") ||
      !meta["checkpoints"].is_array())
    return makeError("the bundle's metadata has no op table (checkpoints); it was not made by "
                     "vimq-compile");
  // Ranges -> op; ops sharing one range (a row chain) form one entry.
  llvm::MapVector<std::pair<uint64_t, uint64_t>, OpCycles> byRange;
  for (const auto &cp : meta["checkpoints"]) {
    if (!cp.is_object() || !cp.contains("first_instr") || !cp.contains("end_instr") ||
        !cp["first_instr"].is_number_unsigned() || !cp["end_instr"].is_number_unsigned() ||
        !cp.contains("op") || !cp["op"].is_string())
      return makeError("the bundle's metadata has a malformed checkpoint");
    uint64_t first = cp["first_instr"], end = cp["end_instr"];
    if (end <= first)
      continue; // an op without instructions (host conversions)
    auto [name, kind] = parseOrigin(cp["op"].get<std::string>());
    OpCycles &o = byRange[{first, end}];
    if (o.name.empty()) {
      o.name = name;
      o.kind = kind;
      o.layer = layerOf(name);
    } else if (llvm::StringRef(o.name).split(" + ").first != name &&
               o.name.find(" + " + name) == std::string::npos && o.name != name) {
      o.name += " + " + name;
      if (!kind.empty() && o.kind.find(kind) == std::string::npos)
        o.kind += " + " + kind;
    }
  }
  // Instruction index -> entry.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, unsigned>> ranges;
  for (unsigned i = 0; i < byRange.size(); ++i)
    ranges.push_back({byRange.begin()[i].first, i});
  std::sort(ranges.begin(), ranges.end());
  std::vector<OpCycles> ops;
  for (auto &kv : byRange)
    ops.push_back(kv.second);
  OpCycles program;
  program.name = "(program)";
  program.layer = "(program)";
  for (const InstrTiming &t : p.instructions) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(),
                               std::make_pair(std::make_pair(uint64_t(t.index), UINT64_MAX), 0u));
    // Ranges are disjoint (a row chain's ops share one, merged above): the last one starting
    // at or before the instruction holds it, if any does.
    OpCycles *o = &program;
    if (it != ranges.begin() && t.index < std::prev(it)->first.second)
      o = &ops[std::prev(it)->second];
    ++o->instructions;
    o->firstCycle = std::min(o->firstCycle, t.start);
    o->lastCycle = std::max(o->lastCycle, t.end);
    if (t.unit < kMaxReportUnits)
      o->busy[t.unit] += t.end - t.start;
    o->ddrBytes += t.ddrBytes;
  }
  std::vector<OpCycles> out;
  for (OpCycles &o : ops)
    if (o.instructions)
      out.push_back(std::move(o));
  std::stable_sort(out.begin(), out.end(),
                   [](const OpCycles &a, const OpCycles &b) { return a.firstCycle < b.firstCycle; });
  if (program.instructions)
    out.push_back(std::move(program));
  return out;
}

std::vector<OpCycles> rt::cyclesByLayer(const std::vector<OpCycles> &ops) {
  llvm::MapVector<std::string, OpCycles, std::map<std::string, unsigned>> layers;
  for (const OpCycles &o : ops) {
    OpCycles &l = layers[o.layer];
    l.name = l.layer = o.layer;
    l.instructions += o.instructions;
    l.firstCycle = std::min(l.firstCycle, o.firstCycle);
    l.lastCycle = std::max(l.lastCycle, o.lastCycle);
    for (unsigned u = 0; u < kMaxReportUnits; ++u)
      l.busy[u] += o.busy[u];
    l.ddrBytes += o.ddrBytes;
  }
  std::vector<OpCycles> out;
  for (auto &kv : layers)
    out.push_back(std::move(kv.second));
  return out;
}

llvm::Expected<Fidelity> rt::compareOutput(llvm::StringRef name, const Tensor &run,
                                           const Tensor &reference) {
  if (run.shape() != reference.shape())
    return makeError("reference for '{0}' has shape {1}, the output {2}", name,
                     shapeStr(reference.shape()), shapeStr(run.shape()));
  if (!isFloat(reference.dtype()) && reference.dtype() != run.dtype())
    return makeError("reference for '{0}' is {1}, the output {2}", name,
                     dtypeName(reference.dtype()), dtypeName(run.dtype()));
  Fidelity f;
  f.output = name.str();
  double dot = 0, na = 0, nb = 0;
  const int64_t n = run.numel();
  for (int64_t i = 0; i < n; ++i) {
    double a = run.getDouble(i), b = reference.getDouble(i);
    dot += a * b;
    na += a * a;
    nb += b * b;
    f.maxAbsError = std::max(f.maxAbsError, std::fabs(a - b));
  }
  f.cosine = na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : (na == nb ? 1.0 : 0.0);
  if (run.rank() >= 2 && run.dim(-1) > 0) {
    const int64_t c = run.dim(-1);
    f.rows = n / c;
    int64_t agree = 0;
    for (int64_t r = 0; r < f.rows; ++r) {
      int64_t ia = 0, ib = 0;
      for (int64_t j = 1; j < c; ++j) {
        if (run.getDouble(r * c + j) > run.getDouble(r * c + ia))
          ia = j;
        if (reference.getDouble(r * c + j) > reference.getDouble(r * c + ib))
          ib = j;
      }
      agree += ia == ib;
    }
    f.top1Agreement = f.rows ? double(agree) / double(f.rows) : 0;
  }
  return f;
}

namespace {

nlohmann::ordered_json opJson(const OpCycles &o, const Profile &p) {
  nlohmann::ordered_json j;
  j["name"] = o.name;
  if (!o.kind.empty())
    j["kind"] = o.kind;
  j["layer"] = o.layer;
  j["instructions"] = o.instructions;
  j["first_cycle"] = o.firstCycle == UINT64_MAX ? 0 : o.firstCycle;
  j["last_cycle"] = o.lastCycle;
  j["span_cycles"] = o.span();
  nlohmann::ordered_json busy = nlohmann::ordered_json::object();
  for (unsigned u = 0; u < p.units.size() && u < kMaxReportUnits; ++u)
    if (o.busy[u])
      busy[p.units[u].unit] = o.busy[u];
  j["busy_cycles"] = std::move(busy);
  j["ddr_bytes"] = o.ddrBytes;
  return j;
}

/// Per unit, the busy share of each of `bins` equal slices of the run.
std::vector<std::vector<double>> utilization(const Profile &p, unsigned bins) {
  std::vector<std::vector<double>> u(p.units.size(), std::vector<double>(bins, 0.0));
  if (!p.cycles)
    return u;
  const double width = double(p.cycles) / bins;
  for (const InstrTiming &t : p.instructions) {
    if (t.unit >= u.size() || t.end <= t.start)
      continue;
    for (unsigned b = unsigned(double(t.start) / width); b < bins; ++b) {
      double lo = std::max(double(t.start), b * width), hi = std::min(double(t.end), (b + 1) * width);
      if (hi <= lo)
        break;
      u[t.unit][b] += (hi - lo) / width;
    }
  }
  return u;
}

std::string html(llvm::StringRef s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string pct(uint64_t part, uint64_t whole) {
  return whole ? llvm::formatv("{0:f1}%", 100.0 * double(part) / double(whole)).str() : "-";
}

} // namespace

std::string rt::reportJson(const ReportInput &in) {
  const Profile &p = *in.profile;
  nlohmann::ordered_json j;
  j["bundle"] = in.bundlePath;
  j["device"] = in.device;
  j["cycles"] = p.cycles;
  j["clock_mhz"] = p.clockMhz;
  j["latency_us"] = p.latencyMicroseconds();
  nlohmann::ordered_json units = nlohmann::ordered_json::array();
  for (const UnitProfile &u : p.units) {
    uint64_t stall = u.stallTokenCycles + u.stallFullCycles + u.stallDdrCycles;
    uint64_t idle = p.cycles > u.busyCycles + stall ? p.cycles - u.busyCycles - stall : 0;
    units.push_back({{"unit", u.unit},
                     {"instructions", u.instructions},
                     {"busy_cycles", u.busyCycles},
                     {"stall_cycles", stall},
                     {"stall_token_cycles", u.stallTokenCycles},
                     {"stall_full_cycles", u.stallFullCycles},
                     {"stall_ddr_cycles", u.stallDdrCycles},
                     {"idle_cycles", idle},
                     {"ddr_bytes", u.ddrBytes}});
  }
  j["units"] = std::move(units);
  nlohmann::ordered_json ops = nlohmann::ordered_json::array(), layers = ops;
  for (const OpCycles &o : in.ops)
    ops.push_back(opJson(o, p));
  for (const OpCycles &o : in.layers)
    layers.push_back(opJson(o, p));
  j["layers"] = std::move(layers);
  j["ops"] = std::move(ops);
  const unsigned bins = 100;
  nlohmann::ordered_json timeline;
  timeline["bins"] = bins;
  auto u = utilization(p, bins);
  for (unsigned i = 0; i < p.units.size(); ++i) {
    std::vector<double> r(u[i].size());
    for (size_t b = 0; b < r.size(); ++b)
      r[b] = std::round(u[i][b] * 1000) / 1000;
    timeline["busy_share"][p.units[i].unit] = r;
  }
  j["timeline"] = std::move(timeline);
  nlohmann::ordered_json fid = nlohmann::ordered_json::array();
  for (const Fidelity &f : in.fidelity)
    fid.push_back({{"output", f.output},
                   {"cosine", f.cosine},
                   {"max_abs_error", f.maxAbsError},
                   {"top1_agreement", f.top1Agreement},
                   {"rows", f.rows}});
  j["fidelity"] = std::move(fid);
  return j.dump(2);
}

std::string rt::reportHtml(const ReportInput &in) {
  const Profile &p = *in.profile;
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>vimq run: "
     << html(in.bundlePath) << "</title><style>"
     << "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
        "th{background:#eee}td.l,th.l{text-align:left}h2{margin-top:1.5em}"
        ".b{fill:#2b7bb9}.s{fill:#e8a33d}.i{fill:#ddd}</style></head><body>\n";
  os << "<h1>vimq run report</h1><p>bundle <b>" << html(in.bundlePath) << "</b> on <b>"
     << html(in.device) << "</b>: " << p.cycles << " cycles at " << p.clockMhz
     << " MHz = <b>" << llvm::formatv("{0:f1}", p.latencyMicroseconds())
     << " µs</b> (the sim's cycle model: modeled, not measured on a board).</p>\n";

  // Units: busy / stall / idle bars.
  os << "<h2>Engines</h2><table><tr><th class=l>unit</th><th>instructions</th><th>busy</th>"
        "<th>stall (token / full / DDR)</th><th>idle</th><th>DDR bytes</th><th class=l></th></tr>\n";
  for (const UnitProfile &u : p.units) {
    uint64_t stall = u.stallTokenCycles + u.stallFullCycles + u.stallDdrCycles;
    uint64_t idle = p.cycles > u.busyCycles + stall ? p.cycles - u.busyCycles - stall : 0;
    double wb = p.cycles ? 300.0 * double(u.busyCycles) / double(p.cycles) : 0;
    double ws = p.cycles ? 300.0 * double(stall) / double(p.cycles) : 0;
    os << "<tr><td class=l>" << html(u.unit) << "</td><td>" << u.instructions << "</td><td>"
       << pct(u.busyCycles, p.cycles) << "</td><td>" << pct(stall, p.cycles) << " ("
       << pct(u.stallTokenCycles, p.cycles) << " / " << pct(u.stallFullCycles, p.cycles)
       << " / " << pct(u.stallDdrCycles, p.cycles) << ")</td><td>" << pct(idle, p.cycles)
       << "</td><td>" << u.ddrBytes << "</td><td class=l><svg width=300 height=12>"
       << llvm::formatv("<rect class=i width=300 height=12/><rect class=b width={0:f1} "
                        "height=12/><rect class=s x={0:f1} width={1:f1} height=12/>",
                        wb, ws)
       << "</svg></td></tr>\n";
  }
  os << "</table><p>busy: executing; stall: has an instruction but waits for a dependency "
        "token, a full FIFO or the DDR port; idle: nothing to do.</p>\n";

  // Timeline.
  if (!p.instructions.empty()) {
    const unsigned bins = 200, rowH = 18, left = 60;
    auto u = utilization(p, bins);
    os << "<h2>Engine utilization over time</h2><svg width=" << left + 3 * bins + 10
       << " height=" << rowH * u.size() + 24 << ">\n";
    for (unsigned i = 0; i < u.size(); ++i) {
      os << "<text x=0 y=" << i * rowH + 13 << " font-size=12>" << html(p.units[i].unit)
         << "</text>";
      for (unsigned b = 0; b < bins; ++b)
        if (u[i][b] > 0.005)
          os << llvm::formatv("<rect class=b x={0} y={1} width=3 height={2} "
                              "fill-opacity={3:f2}/>",
                              left + 3 * b, i * rowH + 2, rowH - 4, std::min(1.0, u[i][b]));
      os << "\n";
    }
    os << "<text x=" << left << " y=" << rowH * u.size() + 18 << " font-size=11>0</text>"
       << "<text x=" << left + 3 * bins - 60 << " y=" << rowH * u.size() + 18
       << " font-size=11>" << p.cycles << " cycles</text></svg>\n";
  }

  auto opTable = [&](llvm::StringRef title, const std::vector<OpCycles> &rows, bool kinds) {
    if (rows.empty())
      return;
    os << "<h2>" << title << "</h2><table><tr><th class=l>"
       << (kinds ? "op" : "layer") << "</th>" << (kinds ? "<th class=l>kind</th>" : "")
       << "<th>instructions</th><th>span (cycles)</th><th>share of run</th><th>busy cycles "
          "(all engines)</th><th>DDR bytes</th></tr>\n";
    for (const OpCycles &o : rows)
      os << "<tr><td class=l>" << html(o.name) << "</td>"
         << (kinds ? "<td class=l>" + html(o.kind) + "</td>" : "") << "<td>" << o.instructions
         << "</td><td>" << o.span() << "</td><td>" << pct(o.span(), p.cycles) << "</td><td>"
         << o.busyTotal() << "</td><td>" << o.ddrBytes << "</td></tr>\n";
    os << "</table>\n";
  };
  opTable("Layers", in.layers, false);
  opTable("Ops (in order of their first instruction)", in.ops, true);

  if (!in.fidelity.empty()) {
    os << "<h2>Fidelity against the reference</h2><table><tr><th class=l>output</th>"
          "<th>cosine</th><th>max |error|</th><th>top-1 agreement</th></tr>\n";
    for (const Fidelity &f : in.fidelity)
      os << "<tr><td class=l>" << html(f.output) << "</td><td>"
         << llvm::formatv("{0:f6}", f.cosine) << "</td><td>" << llvm::formatv("{0:e3}", f.maxAbsError)
         << "</td><td>"
         << (f.rows ? llvm::formatv("{0:f1}% of {1}", 100 * f.top1Agreement, f.rows).str()
                    : std::string("-"))
         << "</td></tr>\n";
    os << "</table>\n";
  }
  os << "</body></html>\n";
  return os.str();
}
