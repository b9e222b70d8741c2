// libxlsxwriter (Debian: libxlsxwriter-dev). pkg-config: xlsxwriter.
#include <xlsxwriter.h>
