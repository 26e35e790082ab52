// Heap allocation, in the text and in the object.
#include <stdlib.h>

int *keep(void *p); // defined elsewhere: the allocations escape, so they are not optimised out

int sum(int n) {
  int *p = keep(new int[n]);
  int s = p[0];
  delete[] p;
  int *q = keep(malloc(sizeof(int) * 4));
  s += q[0];
  free(q);
  return s;
}
