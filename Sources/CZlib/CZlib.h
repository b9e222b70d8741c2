// zlib (Debian: zlib1g-dev). pkg-config: zlib.
#include <zlib.h>

// deflateInit2 and inflateInit2 are macros (they pass the library version
// and the struct size), which Swift cannot call.
static inline int CZlib_deflateInit2(z_streamp stream, int level, int windowBits, int memLevel, int strategy) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, memLevel, strategy);
}

static inline int CZlib_inflateInit2(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
