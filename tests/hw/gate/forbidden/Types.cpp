// One forbidden construct per line; the sim-only block and comments are not checked.
#include <stdint.h>

#ifndef __SYNTHESIS__
#include <vector>
static std::vector<double> simTrace; // simulation only: never flagged
#endif

__int128 wide(int64_t a) { return a; }
double half(int x) { return x / 2; }
float third(int x) { return x / 3; }
long double quarter(int x) { return x / 4; }
int scaled(int x) { return x * 1.5; }
int biggest(int a, int b) { return std::max(a, b); }

int control(int x) {
  if (x < 0)
    goto out;
  try {
    throw x;
  } catch (int) {
  }
out:
  return x;
}

struct B { virtual ~B() {} };
struct D : B {};
bool isD(B *b) { return dynamic_cast<D *>(b) != nullptr && typeid(*b) == typeid(D); }

#ifndef __SYNTHESIS__
int simOnly() { return int(2.0 * 3.0); }
#else
float synthSeesThis() { return 1; }
#endif
