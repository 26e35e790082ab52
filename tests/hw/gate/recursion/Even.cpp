// Mutual recursion across two files: only the union of the call graphs shows the cycle.
bool isOdd(unsigned n);

bool isEven(unsigned n) { return n == 0 ? true : isOdd(n - 1); }
