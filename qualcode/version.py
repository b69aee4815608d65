"""The version of qualcode, apart from the package so that any module can name it without importing the rest."""

__version__ = "0.1.0"
