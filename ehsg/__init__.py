"""ehsg: the Early Help System Guide self-assessment, from workbook to Word submission."""

__version__ = "0.1.0"
