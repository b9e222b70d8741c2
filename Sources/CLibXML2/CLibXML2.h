// libxml2 (Debian: libxml2-dev). pkg-config: libxml-2.0 (adds -I/usr/include/libxml2).
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>
#include <libxml/SAX2.h>
