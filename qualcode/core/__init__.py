"""The domain core of qualcode: model, storage, import, codebook, agreement, analysis, export.

Nothing in this package imports Textual or the command line.
"""
