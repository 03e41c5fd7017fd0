"""The Excel face: xlwings worksheet functions (udfs) and button macros (macros)."""
