"""Server-rendered pages: the Jinja environment and the reader's language, the map pages, the
scenario hub's view and the editor page."""
