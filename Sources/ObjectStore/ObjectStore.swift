// The ObjectStore module: the only code in Pyramydal that touches libcurl.
