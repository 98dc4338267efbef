"""The map editor's server side: the live session (apply an edit, recompute the figures), its
request/response models, its per-dataset building blocks and the page context."""
