"""rca: root-cause analyses and case reviews for law-enforcement response quality teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rca")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+source"
