"""The Textual face of qualcode: the coding workbench. The domain lives in `qualcode.core`."""
