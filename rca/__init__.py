"""rca: root-cause analyses and case reviews for law-enforcement response quality teams."""

# The package's version (pyproject.toml reads it from here). A literal, not a
# lookup in the installed metadata: importlib.metadata costs every start-up,
# the Typst worker's included, about 25 ms.
__version__ = "0.1.0"
