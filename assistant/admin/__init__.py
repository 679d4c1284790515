"""Administration of the corpus from the web page: allowed folders, ingestions followed live."""
