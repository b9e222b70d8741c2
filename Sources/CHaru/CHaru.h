// libharu (Debian: libhpdf-dev). It ships no pkg-config file; the header is
// /usr/include/hpdf.h and the library libhpdf.so, both on the default paths.
#include <hpdf.h>
