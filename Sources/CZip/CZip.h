// libzip (Debian: libzip-dev). pkg-config: libzip.
#include <zip.h>
