// Compiled alone: this file's error does not hide Cxxheader.cpp's.
int two() {
  return 2
}
