bool isEven(unsigned n);

bool isOdd(unsigned n) { return n == 0 ? false : isEven(n - 1); }

unsigned depth(unsigned n) { return n < 2 ? n : depth(n / 2) + 1; }

unsigned caller(unsigned n) { return depth(n) + (isEven(n) ? 1 : 0); }
