"""Exchange with other QDA tools: REFI-QDA codebooks (.qdc) and projects (.qdpx), both directions."""
