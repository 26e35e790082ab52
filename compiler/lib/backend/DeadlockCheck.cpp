//===- DeadlockCheck.cpp - bounded-FIFO replay of a scheduled program -------------------------===//
//
// A module's step: take the next command from its queue, then the tokens of its pop mask (all
// or nothing: a module blocks until every one is there), then put the tokens of its push mask
// (blocking while a target queue is full). FETCH pushes instructions in program order and
// blocks on a full command queue. Steps repeat until everything has run (ok) or a whole round
// makes no progress (deadlock). Each step consumes an instruction, a token set or a slot, so
// the replay is linear in the program size.
//
//===----------------------------------------------------------------------------------------===//
#include "vimq/backend/Program.h"

#include "vimq/isa/Isa.h"
#include "vimq/support/Error.h"

#include <array>
#include <deque>

using namespace vimq;
using namespace vimq::backend;

llvm::Error backend::checkDeadlockFree(const Program &p, unsigned cmdDepth,
                                       unsigned tokenDepth) {
  constexpr unsigned M = isa::kNumModules;
  const auto &instrs = p.instrs();
  std::array<std::deque<unsigned>, M> cmd;
  std::array<std::array<unsigned, M>, M> tokens{}; // tokens[from][to]
  enum class State { Idle, Popping, Pushing };
  std::array<State, M> state;
  state.fill(State::Idle);
  std::array<unsigned, M> current{};
  size_t fetched = 0, done = 0;
  auto moduleOf = [&](unsigned i) { return unsigned(isa::opcodeModule(isa::opcodeOf(instrs[i].in))); };

  while (done < instrs.size()) {
    bool progress = false;
    // FETCH: as many instructions as fit.
    while (fetched < instrs.size() && cmd[moduleOf(unsigned(fetched))].size() < cmdDepth) {
      cmd[moduleOf(unsigned(fetched))].push_back(unsigned(fetched));
      ++fetched;
      progress = true;
    }
    for (unsigned m = 0; m < M; ++m) {
      if (state[m] == State::Idle && !cmd[m].empty()) {
        current[m] = cmd[m].front();
        cmd[m].pop_front();
        state[m] = State::Popping;
        progress = true;
      }
      if (state[m] == State::Popping) {
        uint8_t pop = isa::popMask(instrs[current[m]].in);
        bool ready = true;
        for (unsigned a = 0; a < M; ++a)
          if ((pop >> a & 1) && tokens[a][m] == 0)
            ready = false;
        if (ready) {
          for (unsigned a = 0; a < M; ++a)
            if (pop >> a & 1)
              --tokens[a][m];
          state[m] = State::Pushing;
          progress = true;
        }
      }
      if (state[m] == State::Pushing) {
        uint8_t push = isa::pushMask(instrs[current[m]].in);
        bool room = true;
        for (unsigned b = 0; b < M; ++b)
          if ((push >> b & 1) && tokens[m][b] >= tokenDepth)
            room = false;
        if (room) {
          for (unsigned b = 0; b < M; ++b)
            if (push >> b & 1)
              ++tokens[m][b];
          state[m] = State::Idle;
          ++done;
          progress = true;
        }
      }
    }
    if (!progress) {
      std::string stuck;
      for (unsigned m = 0; m < M; ++m)
        if (state[m] != State::Idle)
          stuck += llvm::formatv("{0}{1} at instruction {2} ({3})", stuck.empty() ? "" : ", ",
                                 isa::moduleName(isa::Module(m)), current[m],
                                 state[m] == State::Popping ? "waiting for a token"
                                                            : "token queue full")
                       .str();
      return makeError("schedule deadlocks with command queues of {0} and token queues of {1}: "
                       "{2}; fetch at instruction {3}",
                       cmdDepth, tokenDepth, stuck, fetched);
    }
  }
  for (unsigned a = 0; a < M; ++a)
    for (unsigned b = 0; b < M; ++b)
      if (tokens[a][b])
        return makeError("schedule leaves {0} token(s) from {1} to {2}", tokens[a][b],
                         isa::moduleName(isa::Module(a)), isa::moduleName(isa::Module(b)));
  return llvm::Error::success();
}
