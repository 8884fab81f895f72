"""Review UI for low-confidence cells: corrections in ``OUT_DIR/review.sqlite``, reviewed export."""
