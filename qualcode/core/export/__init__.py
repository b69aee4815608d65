"""Writers: Word reports, CSV/XLSX tables, networks, and the REFI-QDA exchange format."""
