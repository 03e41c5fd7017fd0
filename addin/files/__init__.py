"""Reading the bytes of files other programs wrote: text encodings and workbook packages."""
