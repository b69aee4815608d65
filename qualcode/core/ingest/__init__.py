"""Reading transcripts from files and cutting them into segments.

`read_transcript` turns a file into a `RawTranscript`: normalised text plus the
speaker turns found in it (with media times for subtitle formats).  `segment`
cuts a `RawTranscript` into the units of coding.
"""

from qualcode.core.ingest.readers import SUPPORTED_SUFFIXES, read_transcript
from qualcode.core.ingest.segmenting import segment_many
from qualcode.core.ingest.turns import RawTranscript, Turn

__all__ = ["SUPPORTED_SUFFIXES", "RawTranscript", "Turn", "read_transcript", "segment_many"]
