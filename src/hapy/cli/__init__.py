"""The ``hapy`` command line: argument parsing and rendering only."""
