"""Turning one file into a `ParsedDocument`: detection by content, one parser per format family.

Importing this package is cheap: unstructured, spaCy, pdfminer and the office libraries are only
imported when a file of their kind is parsed (or preloaded by `ingestion.sandbox`).
"""

from ingestion.parsers.detect import detect_file_type
from ingestion.parsers.options import ParseOptions
from ingestion.parsers.registry import SUPPORTED_SUFFIXES, parse_file

__all__ = ["SUPPORTED_SUFFIXES", "ParseOptions", "detect_file_type", "parse_file"]
