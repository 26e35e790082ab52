// No forbidden word in the text, yet the object needs the C++ runtime.
int external();

int cached() {
  static int value = external(); // thread-safe static init: __cxa_guard_acquire
  return value;
}

struct Base {
  virtual ~Base() {} // the deleting destructor calls operator delete
  virtual int get() const = 0;
};

struct Impl : Base {
  int get() const override { return 3; }
};

int viaBase() {
  Impl impl;
  const Base &b = impl;
  return b.get();
}
